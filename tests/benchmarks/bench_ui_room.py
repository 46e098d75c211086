"""Benchmark of the group chat view (headless Textual, FakeClient): prints figures, not a test.

Run: ``/work/venv/bin/python tests/benchmarks/bench_ui_room.py [--keys 100] [--rate 200]``;
``--parts typing --repeat 3`` runs the keystroke part alone three times (a shared machine: take
the median of the runs).

1. Occupant list, 1,000 occupants: time from handing the occupants to the list until the list
   has been painted (the first ``render_lines`` of the list after the hand-over), median of
   several rounds; and a burst of 1,000 ``OccupantChanged`` events (a big room filling up)
   until the list shows them all.
2. Keystroke to screen in the composer: a key event goes into the driver as a terminal would
   send it; the time until the driver writes the first screen update after the composer's text
   has the new character. ~100 keystrokes at ~25 keys/s, idle and while the room in view
   receives ``--rate`` messages a second (stored, then published on the bus, as the session
   does), once for each ``--history`` size: that many room messages were stored and received
   in the log before (1,000 and 10,000: the cost must not grow with the log).
3. Contact list under a presence flood: ``--contacts`` contacts, ``--presence`` presence
   changes a second for 2 s; the time of each (coalesced) rebuild of the list, median and max.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tuichat.cli.run import FRAME_RATE

# As the real command does (tuichat.cli.run.use_frame_rate), before Textual is imported.
os.environ["TEXTUAL_FPS"] = os.environ.get("TEXTUAL_FPS", str(FRAME_RATE))

from textual import events
from textual._compositor import CompositorUpdate
from textual.pilot import Pilot

from tests.ui.fakes import ME, T0
from tests.ui.helpers import main_screen
from tests.ui.room_app import ROOM, extra_occupants, make_room_app
from tuichat import events as ev
from tuichat.model import (
    Contact,
    ConversationKind,
    Direction,
    Message,
    Occupant,
    Show,
    Subscription,
)
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.occupant_list import OccupantList


def ms(seconds: float) -> str:
    """Seconds as milliseconds with one decimal."""
    return f"{seconds * 1000:.1f} ms"


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def until(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    """Yield to the loop until ``cond()`` holds."""
    deadline = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0)


async def in_room(pilot: Pilot[None]) -> None:
    """Wait until the sample room is in view and settled."""
    await until(lambda: main_screen(pilot).convs.current == (ME, ROOM))
    await pilot.pause(0.2)


def watch_paint(widget: Any) -> list[float]:
    """Record the time of every ``render_lines`` of ``widget`` (the compositor painting it)."""
    painted: list[float] = []
    original = widget.render_lines

    def render_lines(crop: Any) -> Any:
        painted.append(time.perf_counter())
        return original(crop)

    widget.render_lines = render_lines
    return painted


async def bench_occupants(count: int, rounds: int) -> None:
    """Occupant list: hand-over to painted, and a burst of arrivals."""
    app, client, _clock = make_room_app("dark", more=0, traffic=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await in_room(pilot)
        occupants = main_screen(pilot).query_one(OccupantList)
        painted = watch_paint(occupants)
        timings: list[float] = []
        for n in range(rounds):
            people = [
                Occupant(f"{o.nick}-{n}", o.role, o.affiliation, o.show)
                for o in extra_occupants(count)
            ]
            await pilot.pause(0.05)
            painted.clear()
            start = time.perf_counter()
            occupants.show(people, "Mia", now=True)
            await until(lambda: bool(painted))
            timings.append(painted[0] - start)
        print(f"occupant list, {count} occupants, hand-over to painted ({rounds} rounds):")
        print(f"  median {ms(statistics.median(timings))}, max {ms(max(timings))}")

        room = main_screen(pilot).rooms.rooms[(ME, ROOM)]
        occupants.show(room.occupants.values(), room.nick, now=True)
        await pilot.pause(0.1)
        before = occupants.rebuilds
        painted.clear()
        start = time.perf_counter()
        for n in range(count):
            client.bus.publish(ev.OccupantChanged(ME, ROOM, Occupant(f"burst{n:04d}"), joined=True))
        published = time.perf_counter()

        def shown() -> bool:
            if len(occupants.rows) < count:
                return False
            for i in range(20):
                plain = occupants.prompt(i).plain
                if plain.startswith("Participants (") and int(plain[14:-1]) >= count:
                    return bool(painted) and max(painted) > start
            return False

        await until(shown)
        end = max(painted)
        print(f"burst of {count} OccupantChanged events (joins, with notices in the log):")
        print(
            f"  publishing took {ms(published - start)}, list painted complete after "
            f"{ms(end - start)}, {occupants.rebuilds - before} rebuild(s) of the list"
        )


def room_message(n: int) -> Message:
    """The ``n``-th message of the flood."""
    nick = f"user{n % 37:02d}"
    return Message(
        account=ME,
        conversation=ROOM,
        direction=Direction.IN,
        sender=f"{ROOM}/{nick}",
        body=f"message {n}: the quick brown fox jumps over the lazy dog, again and again",
        timestamp=T0 + timedelta(hours=1, milliseconds=5 * n),
        kind=ConversationKind.GROUPCHAT,
        stanza_id=f"flood-{n}",
        nick=nick,
    )


async def flood(
    client: Any, store: Any, rate: int, stop: asyncio.Event, sent: list[int], first: int = 0
) -> None:
    """Store and publish ``rate`` room messages a second until ``stop`` is set, numbered from
    ``first``: each tick's messages are stored together, then published (as the session does)."""
    start = time.perf_counter()
    n = first
    while not stop.is_set():
        due = first + int((time.perf_counter() - start) * rate)
        batch = [room_message(i) for i in range(n, due)]
        if batch:
            store.save_messages(batch)
            for message in batch:
                client.bus.publish(ev.MessageReceived(ME, message))
        n = due
        sent[0] = n - first
        await asyncio.sleep(1 / rate)


async def keystrokes(pilot: Pilot[None], keys: int, gap: float) -> list[float]:
    """Latency of ``keys`` keystrokes: key into the driver → first screen update showing it.

    The headless driver writes nothing, so the update is turned into terminal bytes here
    (``render_segments``, what a real terminal write costs) before the time is taken.
    """
    app: Any = pilot.app
    driver: Any = app._driver
    composer = main_screen(pilot).query_one(Composer)
    composer.focus()
    composer.set_text("")
    await pilot.pause(0.05)
    expected = [0]
    shown_at: list[float] = []
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(app.console)
        if len(shown_at) < expected[0] and len(composer.text) >= expected[0]:
            shown_at.append(time.perf_counter())

    app._display = display
    latencies: list[float] = []
    try:
        for n in range(keys):
            if n and n % 60 == 0:
                composer.set_text("")
                await pilot.pause(0.02)
                shown_at.clear()
                expected[0] = 0
            expected[0] += 1
            key = "abcdefghijklmnopqrstuvwxyz"[n % 26]
            event = events.Key(key, key)
            event.set_sender(app)
            start = time.perf_counter()
            driver.send_message(event)
            await until(lambda: len(shown_at) >= expected[0])
            latencies.append(shown_at[-1] - start)
            await asyncio.sleep(gap)
    finally:
        app._display = original
    return latencies


async def bench_typing(keys: int, rate: int, history: int) -> None:
    """Keystroke to screen, idle and under a flood of room messages, with ``history`` room
    messages already stored and received in the log before the first keystroke."""
    app, client, _clock = make_room_app("dark", traffic=False)
    store = app.ctx.store
    async with app.run_test(size=(120, 40)) as pilot:
        await in_room(pilot)
        for start in range(0, history, 500):  # the log receives them as it would live
            batch = [room_message(n) for n in range(start, min(history, start + 500))]
            store.save_messages(batch)
            for message in batch:
                client.bus.publish(ev.MessageReceived(ME, message))
            await pilot.pause(0.02)
        await pilot.pause(0.3)
        idle = await keystrokes(pilot, keys, 0.04)
        stop = asyncio.Event()
        sent = [0]
        task = asyncio.create_task(flood(client, store, rate, stop, sent, first=history))
        await asyncio.sleep(0.5)
        start_count, start = sent[0], time.perf_counter()
        busy = await keystrokes(pilot, keys, 0.04)
        achieved = (sent[0] - start_count) / (time.perf_counter() - start)
        stop.set()
        await task
        shown = len(main_screen(pilot).view.message_log.messages)
    stored = len(store.history(ME, ROOM))
    print(
        f"keystroke to screen in the composer ({keys} keystrokes, ~25 keys/s), room with "
        f"{history:,} messages received before:"
    )
    print(f"  idle:            median {ms(statistics.median(idle))}, p95 {ms(p95(idle))}")
    print(
        f"  {rate} msg/s:      median {ms(statistics.median(busy))}, p95 {ms(p95(busy))}"
        f"  (achieved {achieved:.0f} msg/s; {stored:,} stored, {shown} loaded in the log)"
    )


async def bench_roster(count: int, rate: int) -> None:
    """Rebuilds of the contact list while ``count`` contacts change presence ``rate``/s."""
    app, client, _clock = make_room_app("dark", traffic=False)
    contacts = tuple(
        Contact(f"c{i:04d}@example.org", f"Contact {i}", subscription=Subscription.BOTH)
        for i in range(count)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await in_room(pilot)
        client.bus.publish(ev.RosterReceived(ME, contacts))
        await pilot.pause(0.3)
        screen: Any = main_screen(pilot)
        original = screen._refresh_roster
        timings: list[float] = []

        def timed() -> None:
            start = time.perf_counter()
            original()
            timings.append(time.perf_counter() - start)

        screen._refresh_roster = timed
        shows = (Show.AWAY, Show.DND, Show.XA, Show.CHAT)
        per_tick = max(1, rate // 20)
        for tick in range(40):  # 2 s at 20 ticks a second
            for j in range(per_tick):
                n = tick * per_tick + j
                jid = f"c{n % count:04d}@example.org/r"
                client.bus.publish(ev.PresenceChanged(ME, jid, shows[n % 4], f"s{n}", 0))
            await asyncio.sleep(0.05)
        await pilot.pause(0.2)
    print(f"contact list, {count} contacts, {rate} presence changes/s ({len(timings)} rebuilds):")
    print(f"  rebuild median {ms(statistics.median(timings))}, max {ms(max(timings))}")


def main() -> None:
    """Parse the options and run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--occupants", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument(
        "--history", default="1000,10000", help="room messages received before typing (list)"
    )
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--presence", type=int, default=500)
    parser.add_argument(
        "--parts", default="occupants,typing,roster", help="which parts to run (list)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of the keystroke part")
    args = parser.parse_args()
    parts = args.parts.split(",")
    if "occupants" in parts:
        asyncio.run(bench_occupants(args.occupants, args.rounds))
    for _run in range(args.repeat if "typing" in parts else 0):
        for history in (int(h) for h in args.history.split(",")):
            asyncio.run(bench_typing(args.keys, args.rate, history))
    if "roster" in parts:
        asyncio.run(bench_roster(args.contacts, args.presence))


if __name__ == "__main__":
    main()
