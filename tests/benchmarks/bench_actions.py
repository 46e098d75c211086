"""Benchmark: keystroke to screen in a room of 10,000 messages that carry reactions and
corrections, next to the same room with plain messages (headless Textual, FakeClient).

Run: ``python tests/benchmarks/bench_actions.py [--history 10000] [--keys 100]``.

For each variant, the messages are stored first (the action variant then applies, through the
store's one pipeline, three reactions to every message, a correction to every third one and a
retraction to every fiftieth); the room is opened again so its page is read from the store
with its marks; then ~100 keystrokes at ~25 keys/s are timed from the key entering the driver
to the first screen update showing it (see ``bench_ui_room.keystrokes``), idle and while
reactions arrive (``MessageChanged`` at ``--rate`` a second, each replacing a loaded message).
Also the time to open the room (read the page and lay it out). Printed side by side, after a
small warm-up run (imports, first layout) that is not shown.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.bench_ui_room import in_room, keystrokes, ms, p95, room_message
from tests.ui.fakes import ME
from tests.ui.helpers import main_screen
from tests.ui.room_app import ROOM, make_room_app
from tuichat import events as ev
from tuichat.actions import Action, ActionKind
from tuichat.model import Message


def actions_for(message: Message, n: int) -> list[Message]:
    """Three reactions; a correction every third message; a retraction every fiftieth."""
    ref = message.stanza_id or ""
    out = []
    for who, emoji in (("ann", "👍"), ("bob", "❤️"), ("cid", "👍")):
        out.append(
            replace(
                message,
                sender=f"{ROOM}/{who}",
                nick=who,
                body="",
                stanza_id=f"r-{who}-{n}",
                action=Action(ActionKind.REACT, ref, (emoji,)),
            )
        )
    if n % 3 == 0:
        out.append(
            replace(
                message,
                body=message.body + " (fixed)",
                stanza_id=f"c-{n}",
                message_id=f"c-{n}",
                action=Action(ActionKind.CORRECT, ref),
            )
        )
    if n % 50 == 0:
        out.append(
            replace(message, body="", stanza_id=f"x-{n}", action=Action(ActionKind.RETRACT, ref))
        )
    return out


async def variant(history: int, keys: int, rate: int, with_actions: bool) -> dict[str, float]:
    app, client, _clock = make_room_app("dark", traffic=False)
    store = app.ctx.store
    figures: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await in_room(pilot)
        for start in range(0, history, 1000):
            batch = [room_message(n) for n in range(start, min(history, start + 1000))]
            store.save_messages(batch)
            if with_actions:
                store.save_outcomes(
                    [a for n, m in enumerate(batch, start) for a in actions_for(m, n)]
                )
        screen = main_screen(pilot)
        began = time.perf_counter()
        screen.open_conversation((ME, ROOM))
        figures["open"] = time.perf_counter() - began
        await pilot.pause(0.3)
        idle = await keystrokes(pilot, keys, 0.04)
        figures["idle median"], figures["idle p95"] = statistics.median(idle), p95(idle)
        loaded = list(screen.view.message_log.messages)
        stop = asyncio.Event()

        async def reactions() -> None:
            n = 0
            while not stop.is_set():
                target = loaded[-1 - n % min(50, len(loaded))]
                outcome = store.save_outcomes(
                    [
                        replace(
                            target,
                            sender=f"{ROOM}/live{n}",
                            nick=f"live{n}",
                            body="",
                            stanza_id=f"live-{n}",
                            id=None,
                            marks=None,
                            action=Action(ActionKind.REACT, target.stanza_id or "", ("🎉",)),
                        )
                    ]
                )[0]
                if outcome.changed is not None:
                    client.bus.publish(ev.MessageChanged(ME, outcome.changed))
                n += 1
                await asyncio.sleep(1 / rate)

        task = asyncio.create_task(reactions())
        await asyncio.sleep(0.3)
        busy = await keystrokes(pilot, keys, 0.04)
        figures["busy median"], figures["busy p95"] = statistics.median(busy), p95(busy)
        stop.set()
        await task
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--rate", type=int, default=20, help="reactions a second while typing")
    args = parser.parse_args()
    asyncio.run(variant(1000, 20, args.rate, with_actions=True))  # warm-up, not shown
    plain = asyncio.run(variant(args.history, args.keys, args.rate, with_actions=False))
    marked = asyncio.run(variant(args.history, args.keys, args.rate, with_actions=True))
    print(f"room of {args.history:,} messages, {args.keys} keystrokes at ~25 keys/s")
    print(f"{'':28}{'plain':>12}{'reactions+edits':>18}")
    labels = {
        "open": "open the room (page+layout)",
        "idle median": "keystroke, idle, median",
        "idle p95": "keystroke, idle, p95",
        "busy median": f"keystroke, {args.rate} react/s, med",
        "busy p95": f"keystroke, {args.rate} react/s, p95",
    }
    for key, label in labels.items():
        print(f"{label:28}{ms(plain[key]):>12}{ms(marked[key]):>18}")


if __name__ == "__main__":
    main()
