"""Benchmark: keystroke stalls of the real app while hostile peers flood it. Prints figures.

Starts its own throw-away Prosody (no debug log). The peers run in a child process (plain
slixmpp clients, so their work is not counted in the measured process): a room flooder, contacts
that change presence, and strangers. The app is the real one (``build_app`` + the real
``ConnectionManager`` + a store on disk), headless, with a room in view. While each flood
runs, keys go into the driver as a terminal would send them, ~25 a second, and each key's time
to the first screen update showing it is taken (as ``bench_ui_room.py`` does). A stall is a
keystroke's latency; the worst, median and p95 are printed side by side with the idle
reference, plus the longest the event loop went without running a 5 ms timer.

Floods (the issue's counts by default):

1. a room flood of ``--room`` messages (posted as fast as the peer can), store nearly empty;
2. ``--presence`` presence changes a second for ``--presence-seconds`` s (10 contacts);
3. ``--strangers`` strangers (accounts not in the roster) messaging at once;
4. the room flood again, in a room whose conversation already holds ``--stored`` messages.

Run: ``python -m tests.benchmarks.bench_flood [--room 3000] [--floods room,stored] ...``
(about a minute; ``--floods`` picks some of the four).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from textual import events
from textual._compositor import CompositorUpdate
from textual.pilot import Pilot

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer
from tests.integration.helpers import account_config
from tests.ui.helpers import main_screen
from tuichat.bus import EventBus
from tuichat.config import Config, UIConfig
from tuichat.model import ConversationKind, Direction, Message, utcnow
from tuichat.paths import Paths
from tuichat.store import Store
from tuichat.ui.app import build_app
from tuichat.ui.widgets.composer import Composer
from tuichat.xmpp.manager import ConnectionManager

CONTACTS = 10
PASSWORD = "floodpw"
ROOM_A = "flood-a@conference.example.test"
ROOM_B = "flood-b@conference.example.test"
LOGIN_PARALLEL = 20


def ms(seconds: float) -> str:
    """Seconds as milliseconds, no decimals past 10 ms."""
    value = seconds * 1000
    return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# -- the peers (child process) ---------------------------------------------------------------


def _server(base: Path) -> ProsodyServer:
    server = ProsodyServer.__new__(ProsodyServer)
    server.__dict__.update(pickle.loads((base / "server.pickle").read_bytes()))
    return server


async def peers_main(base: Path, strangers: int) -> None:
    """Child: log every peer in, befriend the contacts, then obey commands from stdin."""
    server = _server(base)
    domain = server.domain
    me = f"tui@{domain}"
    gate = asyncio.Semaphore(LOGIN_PARALLEL)

    async def login(jid: str) -> Peer:
        async with gate:
            return await Peer.open(server, jid, PASSWORD, timeout=120)

    flooder = await login(f"flooder@{domain}")
    for room in (ROOM_A, ROOM_B):
        await flooder.join_room(room, "flooder")
    contacts = await asyncio.gather(*(login(f"c{i:02d}@{domain}") for i in range(CONTACTS)))
    mine = await login(me)
    for contact in contacts:
        mine.subscribe(contact.bare)
    await mine.wait_until(
        lambda: all(mine.subscription(c.bare) == "both" for c in contacts), timeout=60
    )
    await mine.disconnect()
    t0 = time.perf_counter()
    crowd = await asyncio.gather(*(login(f"s{i:03d}@{domain}") for i in range(strangers)))
    print(f"{len(crowd)} strangers logged in in {time.perf_counter() - t0:.1f} s", flush=True)
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        command, *args = line.split()
        t0 = time.perf_counter()
        if command == "room":
            room, count = args[0], int(args[1])
            for n in range(count):
                flooder.send_room(room, f"flood {n}: the quick brown fox jumps over the lazy dog")
                if n % 500 == 499:
                    await asyncio.sleep(0)  # let slixmpp write what is queued
            await flooder.client.plugin["xep_0199"].ping(timeout=120)
        elif command == "presence":
            rate, seconds = int(args[0]), float(args[1])
            shows = ("away", "dnd", "xa", "chat")
            tick, sent = 0.02, 0
            start = time.perf_counter()
            while time.perf_counter() - start < seconds:
                due = int((time.perf_counter() - start) * rate)
                while sent < due:
                    contact = contacts[sent % len(contacts)]
                    contact.set_presence(shows[sent % len(shows)], f"status {sent}")
                    sent += 1
                await asyncio.sleep(tick)
            await asyncio.gather(*(c.client.plugin["xep_0199"].ping(timeout=60) for c in contacts))
        elif command == "strangers":
            per = int(args[0])
            for n in range(per):
                for peer in crowd:
                    peer.send(me, f"hello from a stranger, number {n}")
            await asyncio.gather(*(p.client.plugin["xep_0199"].ping(timeout=60) for p in crowd))
        print(f"SENT {time.perf_counter() - t0:.2f}", flush=True)
    await asyncio.gather(*(p.disconnect() for p in (flooder, *contacts, *crowd)))


# -- the measuring side (this process) ---------------------------------------------------------


@dataclass
class Typist:
    """Types into the composer ~25 keys a second and records each key's time to the screen."""

    pilot: Pilot[None]
    latencies: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        """Type until ``stop`` is set (and the key in flight has been shown)."""
        app: Any = self.pilot.app
        driver: Any = app._driver
        composer = main_screen(self.pilot).query_one(Composer)
        composer.focus()
        composer.set_text("")
        await self.pilot.pause(0.05)
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
        try:
            n = 0
            while not stop.is_set():
                if n and n % 60 == 0:
                    composer.set_text("")
                    await self.pilot.pause(0.02)
                    shown_at.clear()
                    expected[0] = 0
                expected[0] += 1
                key = "abcdefghijklmnopqrstuvwxyz"[n % 26]
                event = events.Key(key, key)
                event.set_sender(app)
                start = time.perf_counter()
                driver.send_message(event)
                while len(shown_at) < expected[0]:
                    await asyncio.sleep(0)
                self.latencies.append(shown_at[-1] - start)
                n += 1
                await asyncio.sleep(0.04)
        finally:
            app._display = original

    async def watch_loop(self, stop: asyncio.Event) -> None:
        """Record how late a 5 ms timer fires (the loop's longest busy stretch)."""
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            start = loop.time()
            await asyncio.sleep(0.005)
            self.lags.append(loop.time() - start - 0.005)


@dataclass
class Result:
    """One scenario's figures."""

    name: str
    latencies: list[float]
    lags: list[float]
    took: float
    note: str = ""

    def line(self) -> str:
        """The row printed for this scenario."""
        lat = self.latencies
        return (
            f"  {self.name:<34} worst {ms(max(lat)):>8}  median {ms(statistics.median(lat)):>8}"
            f"  p95 {ms(p95(lat)):>8}  loop stall {ms(max(self.lags)):>8}  ({len(lat)} keys,"
            f" {self.took:.1f} s{', ' + self.note if self.note else ''})"
        )


class Child:
    """The peers' process: send a command, wait for its answer line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc

    async def command(self, text: str) -> str:
        """Send ``text``; return the child's ``SENT`` line."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        stdout = self.proc.stdout
        while True:
            line = await asyncio.to_thread(stdout.readline)
            if not line:
                raise RuntimeError("the peers' process ended")
            if line.startswith("SENT"):
                return line.strip()
            print("  peers:", line.rstrip(), flush=True)


async def measure(
    pilot: Pilot[None],
    name: str,
    action: Callable[[], Any] | None,
    done: Callable[[], bool],
    *,
    idle: float = 0.0,
    timeout: float = 120.0,
) -> Result:
    """Type while ``action`` runs and until ``done()``; the figures of that stretch."""
    typist = Typist(pilot)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(typist.run(stop)), asyncio.create_task(typist.watch_loop(stop))]
    start = time.perf_counter()
    note = ""
    try:
        if action is not None:
            note = str(await action())
        if idle:
            await asyncio.sleep(idle)
        deadline = time.perf_counter() + timeout
        while not done():
            if time.perf_counter() > deadline:
                note += " TIMED OUT waiting for the flood to be shown"
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    return Result(name, typist.latencies, typist.lags, time.perf_counter() - start, note.strip())


def prefill(store: Store, account: str, room: str, count: int) -> None:
    """Store ``count`` older room messages (what a long-used room holds)."""
    base = utcnow() - timedelta(days=30)
    batch: list[Message] = []
    for n in range(count):
        nick = f"old{n % 23:02d}"
        batch.append(
            Message(
                account=account,
                conversation=room,
                direction=Direction.IN,
                sender=f"{room}/{nick}",
                body=f"stored message {n}: some words to index for search, number {n}",
                timestamp=base + timedelta(seconds=n),
                kind=ConversationKind.GROUPCHAT,
                stanza_id=f"prefill-{n}",
                nick=nick,
            )
        )
        if len(batch) == 2000:
            store.save_messages(batch)
            batch = []
    store.save_messages(batch)


async def run_app(server: ProsodyServer, child: Child, args: argparse.Namespace, tmp: Path) -> None:
    """The app against the server; every flood in turn."""
    me = f"tui@{server.domain}"
    configs = (account_config(server, me, PASSWORD),)
    config = Config(path=tmp / "config.toml", ui=UIConfig(), accounts=configs)
    paths = Paths(config_file=tmp / "config.toml", data_dir=tmp / "data", state_dir=tmp / "state")
    store = Store.open(tmp / "data" / "store.db")
    manager = ConnectionManager(configs, store, EventBus())
    app = build_app(config, paths, store, manager)
    results: list[Result] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await manager.wait_connected(30)
            await manager.session(me).synced.wait()
            screen = main_screen(pilot)
            await manager.join_room(me, ROOM_A, "tui")
            screen.open_conversation((me, ROOM_A))
            await pilot.pause(0.5)
            results.append(await measure(pilot, "idle (reference)", None, lambda: True, idle=4))

            def room_done(room: str, count: int) -> Callable[[], bool]:
                last = f"flood {count - 1}:"

                def done() -> bool:
                    log = screen.view.message_log.messages
                    return bool(log) and log[-1].body.startswith(last)

                return done

            floods = set(args.floods.split(","))
            if "room" in floods:
                result = await measure(
                    pilot,
                    f"room flood, {args.room} messages",
                    lambda: child.command(f"room {ROOM_A} {args.room}"),
                    room_done(ROOM_A, args.room),
                )
                stored = sum(1 for m in store.history(me, ROOM_A) if m.body.startswith("flood "))
                result.note += f", {stored} stored"
                results.append(result)

            if "presence" in floods:
                results.append(
                    await measure(
                        pilot,
                        f"presence, {args.presence}/s for {args.presence_seconds:.0f} s",
                        lambda: child.command(f"presence {args.presence} {args.presence_seconds}"),
                        lambda: True,
                        idle=0.5,
                    )
                )

            def strangers_done() -> bool:
                convs = store.conversations(me)
                return sum(1 for c in convs if c.conversation.startswith("s")) >= args.strangers

            if "strangers" in floods:
                results.append(
                    await measure(
                        pilot,
                        f"{args.strangers} strangers at once",
                        lambda: child.command("strangers 1"),
                        strangers_done,
                        idle=0.5,
                    )
                )

            if "stored" in floods:
                t0 = time.perf_counter()
                prefill(store, me, ROOM_B, args.stored)
                print(f"(stored {args.stored} messages in {time.perf_counter() - t0:.1f} s)")
                await manager.join_room(me, ROOM_B, "tui")
                screen.open_conversation((me, ROOM_B))
                await pilot.pause(0.5)
                result = await measure(
                    pilot,
                    f"room flood, {args.room}, {args.stored} stored",
                    lambda: child.command(f"room {ROOM_B} {args.room}"),
                    room_done(ROOM_B, args.room),
                )
                log = screen.view.message_log.messages
                shown = [int(m.body.split()[1].rstrip(":")) for m in log if m.body.startswith("fl")]
                result.note += f", log in order: {shown == sorted(shown)}"
                results.append(result)
    finally:
        await manager.stop()
        store.close()
    print("keystroke to screen (~25 keys/s), worst / median / p95, and the loop's longest stall:")
    for result in results:
        print(result.line())


def clone_account(server: ProsodyServer, template: str, names: list[str]) -> None:
    """Make accounts ``names`` by copying ``template``'s account file (same password)."""
    [path] = list(server.data_dir.rglob(f"accounts/{template}.dat"))
    for name in names:
        shutil.copyfile(path, path.with_name(f"{name}.dat"))


async def main(args: argparse.Namespace) -> None:
    """Start Prosody and the peers, then measure."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        server = ProsodyServer(tmp / "prosody")
        server.write_config()
        server.config_path.write_text(server.config_text().replace('min = "info"', 'min = "warn"'))
        server.start()
        child: subprocess.Popen[str] | None = None
        try:
            users = ["tui", "flooder", *(f"c{i:02d}" for i in range(CONTACTS)), "s000"]
            for user in users:
                server.register(user, PASSWORD)
            clone_account(server, "s000", [f"s{i:03d}" for i in range(1, args.strangers)])
            state = {k: v for k, v in server.__dict__.items() if k != "_proc"}
            (tmp / "server.pickle").write_bytes(pickle.dumps(state))
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.benchmarks.bench_flood",
                    "--peers",
                    str(tmp),
                    "--strangers",
                    str(args.strangers),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert child.stdout is not None
            for line in child.stdout:
                print("  peers:", line.rstrip(), flush=True)
                if line.startswith("READY"):
                    break
            await run_app(server, Child(child), args, tmp)
        finally:
            if child is not None:
                with contextlib.suppress(Exception):
                    assert child.stdin is not None
                    child.stdin.close()
                with contextlib.suppress(Exception):
                    child.wait(20)
                child.kill()
            server.stop()


def parse_args() -> argparse.Namespace:
    """The options (counts default to the issue's)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--room", type=int, default=3000)
    parser.add_argument("--presence", type=int, default=500)
    parser.add_argument("--presence-seconds", type=float, default=5.0)
    parser.add_argument("--strangers", type=int, default=200)
    parser.add_argument("--stored", type=int, default=18_000)
    parser.add_argument(
        "--floods",
        default="room,presence,strangers,stored",
        help="which floods to run, comma-separated (default: all four)",
    )
    parser.add_argument("--peers", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    options = parse_args()
    if options.peers is not None:
        asyncio.run(peers_main(options.peers, options.strangers))
    else:
        asyncio.run(main(options))
