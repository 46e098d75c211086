"""Benchmark: what OMEMO costs, encrypted next to plaintext in one run, against real Prosody.

Run: /work/venv/bin/python tests/benchmarks/bench_omemo.py [--send 200] [--catch-up 1000]
[--runs 5]

A private Prosody (TLS, no debug log) with two mutually subscribed accounts, alice and bob,
whose OMEMO devices are published first. Printed side by side:

- send throughput: alice's tuichat session sends N messages to bob's session (both in this
  process, through the server); messages per second from the first send until bob's store
  holds all N, plaintext then encrypted;
- catch-up: bob offline, alice sends N messages; then time from bob's session starting until
  his store holds them all (offline delivery and archive catch-up, decrypting each), plaintext
  then encrypted;
- first frame of the real ``tuichat`` command in tmux (``bench_startup.py``'s measure), one
  account with OMEMO on (the default, its identity made by ``tuichat sync`` before) against
  the same account with ``omemo = false``; interleaved runs, medians.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.bench_startup import Client, has, run_once, run_tuichat, tuichat_home
from tests.e2e.tmux import TmuxServer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.omemo_helpers import befriend, running
from tuichat.model import Direction, Encryption, MessageState
from tuichat.store import Store

MODES = (Encryption.NONE, Encryption.OMEMO)


async def until(cond: Callable[[], bool], timeout: float = 900.0) -> None:
    """Poll ``cond`` every 100 ms until it holds (or fail loudly)."""
    deadline = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > deadline:
            raise SystemExit(f"gave up after {timeout:.0f} s")
        await asyncio.sleep(0.1)


async def progress(count: Callable[[], int], n: int, started: float, idle: float = 60.0) -> float:
    """Seconds from ``started`` until ``count()`` reaches ``n``, or until the last new message
    when nothing more came for ``idle`` seconds (a stalled catch-up, reported as such)."""
    last, last_at = count(), time.perf_counter()
    while last < n and time.perf_counter() - last_at < idle:
        await asyncio.sleep(0.1)
        if (now := count()) != last:
            last, last_at = now, time.perf_counter()
    return (last_at if last < n else time.perf_counter()) - started


def received(store: Store, me: str, other: str, mode: Encryption, prefix: str) -> int:
    """How many messages ``me`` received from ``other`` in ``mode`` with a body starting with
    ``prefix``."""
    return sum(
        1
        for m in store.history(me, other)
        if m.direction is Direction.IN
        and m.encryption is mode
        and (m.body or "").startswith(prefix)
    )


def all_acked(store: Store, account: str, other: str, ids: set[int]) -> bool:
    """Whether the server acknowledged every message in ``ids``."""
    return all(
        m.state not in (MessageState.PENDING, MessageState.SENT)
        for m in store.history(account, other)
        if m.id in ids
    )


async def send_throughput(
    server: ProsodyServer, a: TestAccount, b: TestAccount, n: int, base: Path
) -> dict[Encryption, float]:
    """Messages per second from alice's first send until bob's store holds all ``n``."""
    rates = {}
    async with running(server, a, b, path=base / "both.db") as run:
        store = run.store
        for mode in MODES:
            prefix = f"send {mode} "
            started = time.perf_counter()
            for i in range(n):
                await run.manager.send_message(a.jid, b.jid, f"{prefix}{i:05d}", encryption=mode)
            await until(lambda s=store, m=mode, p=prefix: received(s, b.jid, a.jid, m, p) >= n)
            rates[mode] = n / (time.perf_counter() - started)
            print(f"  send {mode}: {rates[mode]:.1f} msg/s", flush=True)
    return rates


async def catch_up(
    server: ProsodyServer, a: TestAccount, b: TestAccount, n: int, base: Path
) -> dict[Encryption, tuple[float, int]]:
    """Seconds from bob's session starting until his store holds the ``n`` messages alice sent
    while he was offline; and how many of them it holds."""
    bob_db = base / "bob.db"
    async with running(server, b, path=bob_db):
        pass  # bob's device published, his archive position set
    results = {}
    for mode in MODES:
        prefix = f"catch-up {mode} "
        async with running(server, a, path=base / "alice.db") as run:
            ids = set()
            for i in range(n):
                sent = await run.manager.send_message(
                    a.jid, b.jid, f"{prefix}{i:05d}", encryption=mode
                )
                ids.add(sent.id)
            await until(lambda s=run.store, i=ids: all_acked(s, a.jid, b.jid, i))
        started = time.perf_counter()
        async with running(server, b, path=bob_db, timeout=900) as run:
            store = run.store
            elapsed = await progress(
                lambda s=store, m=mode, p=prefix: received(s, b.jid, a.jid, m, p), n, started
            )
            await asyncio.sleep(1)  # nothing more comes: each stored once
            stored = received(store, b.jid, a.jid, mode, prefix)
        results[mode] = (elapsed, stored)
        print(f"  catch-up {mode}: {elapsed:.2f} s ({stored} stored)", flush=True)
    return results


def first_frames(server: ProsodyServer, base: Path, runs: int) -> dict[str, float]:
    """Median first frame (ms) of the real command with OMEMO on and off for its account."""
    tuichat = str(Path(sys.executable).with_name("tuichat"))
    clients = []
    for name, omemo in (("omemo-off", False), ("omemo-on", True)):
        jid = server.register(name, "bench-pw")
        env = tuichat_home(base, name, jid, server.host, server.starttls_port, server.ca_file)
        env["BENCH_PW"] = "bench-pw"
        if not omemo:
            config = Path(env["XDG_CONFIG_HOME"]) / "tuichat" / "config.toml"
            config.write_text(config.read_text() + "omemo = false\n")
        run_tuichat(tuichat, env, "sync")  # the OMEMO identity made, the roster cached
        clients.append(
            Client(name, [tuichat], env, first=has(jid), logged_in=has(f"{jid} connected"))
        )
    tmux = TmuxServer(f"tuichat-bench-omemo-{time.time_ns()}")
    try:
        tmux.start("base", ["sleep", "3600"], env={})
        for _ in range(runs):
            for client in clients:
                run_once(tmux, client, 0.5)
    finally:
        tmux.kill()
    return {c.name: statistics.median(c.first_ms) for c in clients} | {
        f"{c.name} login": statistics.median(c.login_ms) for c in clients
    }


async def exchange(server: ProsodyServer, args: argparse.Namespace, base: Path) -> tuple:
    a = TestAccount(*server.new_account("alice"))
    b = TestAccount(*server.new_account("bob"))
    await befriend(server, a, b)
    rates = await send_throughput(server, a, b, args.send, base)
    caught = await catch_up(server, a, b, args.catch_up, base)
    return rates, caught


def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.ERROR)
    warnings = logging.FileHandler(args.log)
    warnings.setLevel(logging.WARNING)
    logging.getLogger("tuichat").addHandler(warnings)
    logging.getLogger("tuichat").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="tuichat-bench-omemo-") as tmp:
        base = Path(tmp)
        server = ProsodyServer(
            base / "prosody", extra_config="storage_archive_item_limit = 100000\n"
        )
        server.start()
        try:
            rates, caught = asyncio.run(exchange(server, args, base))
            frames = first_frames(server, base, args.runs)
        finally:
            server.stop()
    none, omemo = Encryption.NONE, Encryption.OMEMO
    print()
    print("OMEMO against plaintext (Prosody 0.12, loopback, TLS, no debug log)")
    print(f"{'':44} {'plaintext':>14} {'OMEMO':>14} {'ratio':>7}")
    print(
        f"  {'send, one session to another (msg/s)':42} {rates[none]:14.1f} "
        f"{rates[omemo]:14.1f} {rates[omemo] / rates[none]:7.2f}"
    )
    (t_none, n_none), (t_omemo, n_omemo) = caught[none], caught[omemo]
    print(
        f"  {f'catch-up of {args.catch_up} (s, stored)':42} {f'{t_none:.2f} ({n_none})':>14} "
        f"{f'{t_omemo:.2f} ({n_omemo})':>14} {t_omemo / t_none:7.2f}"
    )
    print(
        f"  {f'first frame, median of {args.runs} (ms)':42} {frames['omemo-off']:14.0f} "
        f"{frames['omemo-on']:14.0f} {frames['omemo-on'] / frames['omemo-off']:7.2f}"
    )
    print(
        f"  {'logged in, same runs (ms)':42} {frames['omemo-off login']:14.0f} "
        f"{frames['omemo-on login']:14.0f} "
        f"{frames['omemo-on login'] / frames['omemo-off login']:7.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--send", type=int, default=200, help="messages per send mode")
    parser.add_argument("--catch-up", type=int, default=1000, help="messages per catch-up mode")
    parser.add_argument("--log", default="/tmp/bench_omemo.log", help="tuichat's warnings")
    parser.add_argument("--runs", type=int, default=5, help="first-frame runs per client")
    main(parser.parse_args())
