"""Benchmark: joining a big room (occupants + history) with tuichat vs a bare slixmpp client.

Prints figures; not a test. Starts its own throw-away Prosody (no debug log), fills a room
with OCCUPANTS occupants (one account, many resources, each a separate slixmpp connection, in
a child process so they do not share the measured process) and MESSAGES messages, then times:

- bare slixmpp ``join_muc_wait`` (until its self-presence + subject: occupant list ready);
- tuichat ``join_room`` until ``RoomJoined`` (occupant list ready, the same point), and until
  it returns (room archive caught up: up to 1000 newest messages stored);
- resident memory of the measuring process before and after.

Run: ``/work/venv/bin/python -m tests.benchmarks.bench_muc [OCCUPANTS] [MESSAGES]``
(defaults 1000 and 5000). Occupant list rendering and keystroke latency are UI-side: not here.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from slixmpp import JID, ClientXMPP
from slixmpp.plugins.xep_0004 import Form

from tests.harness.prosody import ProsodyServer
from tests.integration.helpers import account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager

ROOM = "big@conference.example.test"
PARALLEL = 40


def rss_mib() -> float:
    """Current resident set size of this process in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def client(server: ProsodyServer, jid: str, password: str) -> ClientXMPP:
    """A bare slixmpp client for the server (STARTTLS, test CA)."""
    xmpp = ClientXMPP(jid, password)
    xmpp.enable_direct_tls, xmpp.enable_starttls, xmpp.enable_plaintext = False, True, False
    xmpp.ca_certs = server.ca_file
    for plugin in ("xep_0030", "xep_0045", "xep_0199", "xep_0004"):
        xmpp.register_plugin(plugin)
    return xmpp


async def online(xmpp: ClientXMPP, server: ProsodyServer, timeout: float = 60) -> None:
    """Connect and wait for the session."""
    started = asyncio.get_running_loop().create_future()
    xmpp.add_event_handler("session_start", lambda _e: started.done() or started.set_result(1))
    xmpp.connect(server.host, server.starttls_port)
    await asyncio.wait_for(started, timeout)


async def populate(base: str, occupants: int, messages: int) -> None:
    """Child process: join ``occupants`` connections, post ``messages``, then hold on."""
    server = ProsodyServer.__new__(ProsodyServer)
    server.__dict__.update(_server_state(Path(base)))
    gate = asyncio.Semaphore(PARALLEL)
    clients: list[ClientXMPP] = []

    async def one(i: int) -> None:
        async with gate:
            xmpp = client(server, f"crowd@{server.domain}/c{i}", "crowdpw")
            await online(xmpp, server)
            await xmpp.plugin["xep_0045"].join_muc_wait(JID(ROOM), f"n{i:04d}", maxstanzas=0)
            clients.append(xmpp)

    t0 = time.perf_counter()
    first = client(server, f"crowd@{server.domain}/c0", "crowdpw")
    await online(first, server)
    await first.plugin["xep_0045"].join_muc_wait(JID(ROOM), "n0000", maxstanzas=0)
    await first.plugin["xep_0045"].set_room_config(ROOM, Form())  # type: ignore[no-untyped-call]
    clients.append(first)
    t1 = time.perf_counter()
    for i in range(messages):  # history first: the crowd then joins without it
        first.send_message(mto=ROOM, mbody=f"history message {i}", mtype="groupchat")
        if i % 200 == 199:
            await first.plugin["xep_0199"].ping(timeout=60)
    await first.plugin["xep_0199"].ping(timeout=60)
    print(f"posted {messages} messages in {time.perf_counter() - t1:.1f} s", flush=True)
    await asyncio.gather(*(one(i) for i in range(1, occupants)))
    print(f"populated {occupants} occupants in {time.perf_counter() - t0:.1f} s", flush=True)
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def _server_state(base: Path) -> dict[str, object]:
    import pickle

    return dict(pickle.loads((base / "server.pickle").read_bytes()))


async def measure(server: ProsodyServer, occupants: int) -> None:
    """Parent: time the two joins once the room is full."""
    bare = client(server, f"bare@{server.domain}/b", "barepw")
    await online(bare, server)
    own: list[float] = []
    bare.add_event_handler(
        f"muc::{ROOM}::self-presence", lambda _p: own.append(time.perf_counter())
    )
    t0 = time.perf_counter()
    await bare.plugin["xep_0045"].join_muc_wait(JID(ROOM), "bare-client", timeout=300)
    bare_join = time.perf_counter() - t0
    bare_own = own[0] - t0
    print(f"bare slixmpp self-presence (occupant list complete): {bare_own * 1000:.0f} ms")
    print(
        f"bare slixmpp join_muc_wait returned (default history + subject): "
        f"{bare_join * 1000:.0f} ms"
    )

    rss0 = rss_mib()
    with tempfile.TemporaryDirectory() as tmp:
        bus, store = EventBus(), Store.open(Path(tmp) / "store.db")
        joined_at: list[float] = []
        bus.subscribe(ev.RoomJoined, lambda e: joined_at.append(time.perf_counter()))
        manager = ConnectionManager(
            [account_config(server, f"tui@{server.domain}", "tuipw")], store, bus
        )
        await manager.start()
        await manager.wait_connected(30)
        await manager.session(f"tui@{server.domain}").synced.wait()
        t0 = time.perf_counter()
        joined = await manager.join_room(f"tui@{server.domain}", ROOM, "tuichat")
        done = time.perf_counter() - t0
        ready = joined_at[0] - t0
        stored = len(store.history(f"tui@{server.domain}", ROOM))
        print(
            f"tuichat RoomJoined ({len(joined.occupants)} occupants): {ready * 1000:.0f} ms "
            f"= {ready / bare_own:.2f}x bare self-presence"
        )
        print(
            f"tuichat join_room returned (archive caught up, {stored} messages stored): "
            f"{done * 1000:.0f} ms"
        )
        print(
            f"RSS of the measuring process: {rss0:.1f} MiB before, {rss_mib():.1f} MiB after "
            f"the tuichat join"
        )
        await manager.stop()
        store.close()
    bare.disconnect()
    print(f"(occupants asked: {occupants})")


async def main(occupants: int, messages: int) -> None:
    """Start Prosody, fill the room in a child process, measure."""
    import pickle

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        server = ProsodyServer(base / "prosody")
        server.config_path.write_text(server.config_text().replace('min = "info"', 'min = "warn"'))
        server.start()
        try:
            for user, pw in (("crowd", "crowdpw"), ("bare", "barepw"), ("tui", "tuipw")):
                server.register(user, pw)
            state = {k: v for k, v in server.__dict__.items() if k != "_proc"}
            (base / "server.pickle").write_bytes(pickle.dumps(state))
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.benchmarks.bench_muc",
                    "--populate",
                    str(base),
                    str(occupants),
                    str(messages),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert child.stdout is not None
            for line in child.stdout:
                print("  child:", line.rstrip(), flush=True)
                if line.startswith("READY"):
                    break
            try:
                await measure(server, occupants)
            finally:
                with contextlib.suppress(Exception):
                    assert child.stdin is not None
                    child.stdin.close()
                child.terminate()
                child.wait(30)
        finally:
            server.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--populate":
        asyncio.run(populate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    else:
        args = [int(a) for a in sys.argv[1:3]]
        asyncio.run(main(*(args + [1000, 5000][len(args) :])))
