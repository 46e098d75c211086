"""Benchmark: archive catch-up of tuichat (stored) next to a bare slixmpp pager (not stored).

Run: /work/venv/bin/python tests/benchmarks/bench_archive.py [--messages 10000]

For each server page cap (250, then Prosody's default 50) it starts a private Prosody (no
debug log), lets a peer send N messages to an account that is offline, then measures in one
run: a bare slixmpp client paging the whole gap sequentially (max=250, nothing stored), and
tuichat's connection manager catching up the same gap into a fresh SQLite store (from a
position it synced just before the gap). Figures: messages per second and resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from slixmpp import ClientXMPP

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer
from tests.integration.helpers import account_config
from tuichat.bus import EventBus
from tuichat.store import Store
from tuichat.xmpp.connect import close_client
from tuichat.xmpp.manager import ConnectionManager


def rss_mib() -> float:
    """Resident memory of this process, MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def peer_sends(server: ProsodyServer, jid: str, password: str, to: str, n: int) -> None:
    """The peer sends ``n`` messages to ``to`` and waits until the server has them all."""
    async with Peer.connect(server, jid, password) as peer:
        for i in range(n):
            peer.send(to, f"benchmark message {i:06d} with a few more words in it")
            if i % 500 == 499:
                await peer.client.plugin["xep_0199"].ping(timeout=60)
        await peer.client.plugin["xep_0199"].ping(timeout=60)


async def tuichat_sync(server: ProsodyServer, jid: str, password: str, store: Store) -> float:
    """Connect tuichat's manager and time connected → caught up."""
    manager = ConnectionManager([account_config(server, jid, password)], store, EventBus())
    session = manager.session(jid)
    await manager.start()
    try:
        await manager.wait_connected(30)
        started = time.perf_counter()
        await asyncio.wait_for(session.synced.wait(), 600)
        return time.perf_counter() - started
    finally:
        await manager.stop()


async def bare_pager(server: ProsodyServer, jid: str, password: str) -> tuple[int, float, int]:
    """A plain slixmpp client pages the whole archive forward (max=250); nothing is stored."""
    client = ClientXMPP(f"{jid}/bare", password)
    client.enable_direct_tls, client.enable_starttls = False, True
    client.ca_certs = server.ca_file
    for plugin in ("xep_0030", "xep_0059", "xep_0297", "xep_0313"):
        client.register_plugin(plugin)
    ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    client.add_event_handler("session_start", lambda _e: ready.set_result(None))
    client.connect(server.host, server.starttls_port)
    await asyncio.wait_for(ready, 30)
    started = time.perf_counter()
    count, pages, after = 0, 0, None
    while True:
        rsm = {"max": 250} | ({"after": after} if after else {})
        iq = await client.plugin["xep_0313"].retrieve(rsm=rsm, timeout=60)
        count += len(iq["mam"]["results"])
        pages += 1
        after = iq["mam_fin"]["rsm"]["last"]
        if str(iq["mam_fin"]["complete"]).lower() == "true" or not after:
            break
    elapsed = time.perf_counter() - started
    await close_client(client)
    return count, elapsed, pages


async def one_cap(cap: int, n: int, base: Path) -> dict[str, float]:
    server = ProsodyServer(
        base / f"cap{cap}",
        max_archive_query_results=cap,
        extra_config="storage_archive_item_limit = 1000000\n",
    )
    server.start()
    try:
        me, me_pw = server.new_account("reader")
        peer, peer_pw = server.new_account("writer")
        store = Store.open(base / f"cap{cap}.sqlite3")
        await peer_sends(server, peer, peer_pw, me, 1)
        await tuichat_sync(server, me, me_pw, store)  # the position before the gap
        t0 = time.perf_counter()
        await peer_sends(server, peer, peer_pw, me, n)
        print(f"  cap {cap}: peer sent {n} in {time.perf_counter() - t0:.1f} s", flush=True)
        count, bare_s, pages = await bare_pager(server, me, me_pw)
        rss_bare = rss_mib()
        tui_s = await tuichat_sync(server, me, me_pw, store)
        stored = len(store.history(me, peer))
        rss_tui = rss_mib()
        store.close()
        return {
            "cap": cap,
            "bare_count": count,
            "bare_pages": pages,
            "bare_s": bare_s,
            "bare_rate": count / bare_s,
            "tui_stored": stored,
            "tui_s": tui_s,
            "tui_rate": n / tui_s,
            "rss_bare": rss_bare,
            "rss_tui": rss_tui,
        }
    finally:
        server.stop()


async def main(n: int, caps: list[int]) -> None:
    logging.basicConfig(level=logging.ERROR)
    results = []
    with tempfile.TemporaryDirectory(prefix="tuichat-bench-") as tmp:
        for cap in caps:
            results.append(await one_cap(cap, n, Path(tmp)))
    print()
    print(f"Archive catch-up of {n} messages (Prosody 0.12, loopback, TLS, no debug log)")
    print(f"{'page cap':>8} | {'bare slixmpp (not stored)':>28} | {'tuichat (stored)':>24} | ratio")
    for r in results:
        bare = f"{r['bare_rate']:7.0f} msg/s ({r['bare_s']:5.2f} s)"
        tui = f"{r['tui_rate']:7.0f} msg/s ({r['tui_s']:5.2f} s)"
        print(f"{r['cap']:>8} | {bare:>28} | {tui:>24} | {r['tui_rate'] / r['bare_rate']:.2f}")
    for r in results:
        print(
            f"cap {r['cap']}: bare pager saw {r['bare_count']} in {r['bare_pages']} pages; "
            f"tuichat stored {r['tui_stored']} (1 before the gap); "
            f"RSS after bare {r['rss_bare']:.0f} MiB, after tuichat {r['rss_tui']:.0f} MiB"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--caps", type=int, nargs="+", default=[250, 50])
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.caps))
