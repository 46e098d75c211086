"""The headless commands against the real Prosody: sync, history, send, and the outbox."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, config_file, history, popen, tuichat
from tuichat.config import update_account


async def _peer_sends(server: ProsodyServer, peer: TestAccount, to: str, bodies: list[str]) -> None:
    async with Peer.connect(server, peer.jid, peer.password) as p:
        for body in bodies:
            p.send(to, body)
        await p.client.plugin["xep_0199"].ping(timeout=30)  # the server has them all


def test_sync_fetches_a_thousand_offline_messages_exactly_once(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """1,000 messages sent while we were away arrive once, in order; a second sync adds none."""
    me, peer = account("syncer"), account("chatty")
    add_account(xdg, prosody, me.jid, me.password)
    first = tuichat(xdg, "sync")
    assert first.returncode == 0, first.stderr
    bodies = [f"offline message {i:04d}" for i in range(1000)]
    asyncio.run(_peer_sends(prosody, peer, me.jid, bodies))
    result = tuichat(xdg, "sync")
    assert result.returncode == 0, result.stderr
    rows = history(xdg, peer.jid)
    assert [r["body"] for r in rows] == bodies
    assert {r["direction"] for r in rows} == {"in"}
    assert all(r["stanza_id"] and r["timestamp"].endswith("Z") for r in rows)
    assert {r["state"] for r in rows} == {"received"}
    assert rows[0]["from"].startswith(peer.jid)
    again = tuichat(xdg, "sync")
    assert again.returncode == 0, again.stderr
    assert len(history(xdg, peer.jid)) == 1000
    newest = history(xdg, peer.jid, "--limit", "3")
    assert [r["body"] for r in newest] == bodies[-3:]


def test_send_exits_zero_once_acked_and_arrives_once(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """`tuichat send` exits 0 after the server's ack; the peer gets the message exactly once."""
    me, peer_account = account("sender"), account("reader")
    add_account(xdg, prosody, me.jid, me.password)

    async def scenario() -> list[str]:
        async with Peer.connect(prosody, peer_account.jid, peer_account.password) as peer:
            proc = await asyncio.create_subprocess_exec(
                *_cmd("send", peer_account.jid, "hello", "from", "the", "shell"),
                env=_env(xdg),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            _out, err = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 0, err
            await peer.wait_message(lambda m: m.body == "hello from the shell")
            await asyncio.sleep(1)
            return [m.body for m in peer.messages]

    assert asyncio.run(scenario()) == ["hello from the shell"]
    rows = history(xdg, peer_account.jid)
    assert [(r["body"], r["direction"], r["state"]) for r in rows] == [
        ("hello from the shell", "out", "delivered")  # the peer's receipt came before exit
    ]


def test_unsent_messages_survive_sigkill_and_are_delivered_once(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """Messages in the outbox of a killed tuichat are delivered exactly once after a restart."""
    me, peer_account = account("killed"), account("patient")
    dead_port = _free_port()
    add_account(xdg, prosody, me.jid, me.password, port=dead_port)  # nothing listens there
    bodies = ["first words", "second words", "third words"]
    for body in bodies:
        proc = popen(xdg, "send", peer_account.jid, body, "--timeout", "60")
        time.sleep(1.5)  # stored in the outbox, now retrying the connection
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    rows = history(xdg, peer_account.jid)
    assert [(r["body"], r["state"]) for r in rows] == [(b, "pending") for b in bodies]
    update_account(config_file(xdg), me.jid, port=prosody.starttls_port)

    async def receive() -> list[str]:
        async with Peer.connect(prosody, peer_account.jid, peer_account.password) as peer:
            proc = await asyncio.create_subprocess_exec(
                *_cmd("sync"), env=_env(xdg), stderr=asyncio.subprocess.PIPE
            )
            _out, err = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 0, err
            await peer.wait_until(lambda: len(peer.messages) >= 3)
            # a second run must not send them again
            proc = await asyncio.create_subprocess_exec(*_cmd("sync"), env=_env(xdg))
            await asyncio.wait_for(proc.wait(), 60)
            await asyncio.sleep(1)
            return [m.body for m in peer.messages]

    assert asyncio.run(receive()) == bodies
    states = [r["state"] for r in history(xdg, peer_account.jid)]
    assert len(states) == 3 and set(states) <= {"acked", "delivered"}  # receipts may race exit


def test_send_to_unreachable_server_exits_one_and_keeps_the_message(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """No server: exit 1 with the reason in one line; the message waits in the outbox."""
    me = account("offline")
    add_account(xdg, prosody, me.jid, me.password, port=_free_port())
    result = tuichat(xdg, "send", "someone@example.test", "later", "--timeout", "3")
    assert result.returncode == 1
    assert "kept in the outbox" in result.stderr
    assert "Traceback" not in result.stderr
    assert [r["state"] for r in history(xdg, "someone@example.test")] == ["pending"]


def test_search_finds_stored_messages(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """`tuichat search --json` finds synced messages by word prefix."""
    me, peer = account("searcher"), account("talker")
    add_account(xdg, prosody, me.jid, me.password)
    asyncio.run(
        _peer_sends(prosody, peer, me.jid, ["the quick brown fox", "lazy dogs sleep", "foxes"])
    )
    assert tuichat(xdg, "sync").returncode == 0
    result = tuichat(xdg, "search", "fox", "--json")
    assert result.returncode == 0, result.stderr
    import json

    found = [json.loads(line)["body"] for line in result.stdout.splitlines()]
    assert sorted(found) == ["foxes", "the quick brown fox"]


def _cmd(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "tuichat", *args]


def _env(xdg: XdgDirs) -> dict[str, str]:
    from tests.integration.cli_helpers import env_for

    return env_for(xdg)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sync_recovers_when_the_archive_forgot_our_position(
    prosody_factory: Callable[..., ProsodyServer], xdg: XdgDirs
) -> None:
    """If our last archive id expired on the server, catch-up falls back to time, not failure."""
    server = prosody_factory(extra_config="storage_archive_item_limit = 20\n")
    me_jid, me_pw = server.new_account("forgetful")
    peer_jid, peer_pw = server.new_account("prolific")
    add_account(xdg, server, me_jid, me_pw)
    asyncio.run(_peer_sends(server, TestAccount(peer_jid, peer_pw), me_jid, ["before the gap"]))
    assert tuichat(xdg, "sync").returncode == 0
    bodies = [f"gap {i:02d}" for i in range(40)]  # the quota pushes our position out
    asyncio.run(_peer_sends(server, TestAccount(peer_jid, peer_pw), me_jid, bodies))
    result = tuichat(xdg, "sync")
    assert result.returncode == 0, result.stderr
    got = [r["body"] for r in history(xdg, peer_jid)]
    assert got[0] == "before the gap"
    assert got[-1] == "gap 39"
    assert got[1:] == bodies[-(len(got) - 1) :]  # what the server still had, in order, once
    assert len(got) > 5


async def test_scrolling_back_fetches_older_history_from_the_server(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """When the store runs out, older messages come from the archive, in order, once."""
    from tests.integration.helpers import Recorder, account_config
    from tuichat import events as ev
    from tuichat.bus import EventBus
    from tuichat.store import Store
    from tuichat.xmpp.manager import ConnectionManager

    me, peer = account("scroller"), account("oldtimer")
    bodies = [f"old {i:02d}" for i in range(30)]
    await _peer_sends(prosody, peer, me.jid, bodies)
    bus, store = EventBus(), Store.memory()
    rec = Recorder(bus)
    manager = ConnectionManager(
        [account_config(prosody, me.jid, me.password)], store, bus, archive_depth=10
    )
    await manager.start()
    try:
        await asyncio.wait_for(manager.session(me.jid).synced.wait(), 20)
        assert [m.body for m in store.history(me.jid, peer.jid)] == bodies[-10:]
        assert await manager.fetch_older(me.jid, peer.jid, limit=15) == 15
        [first] = rec.of(ev.HistoryFetched)
        assert (first.count, first.complete) == (15, False)
        assert await manager.fetch_older(me.jid, peer.jid, limit=15) == 5
        assert rec.of(ev.HistoryFetched)[-1].complete
        assert await manager.fetch_older(me.jid, peer.jid, limit=15) == 0
        assert [m.body for m in store.history(me.jid, peer.jid)] == bodies
        backfilled = {m.body for e in rec.of(ev.MessageReceived) for m in [e.message]}
        assert not backfilled & set(bodies[:20])  # history is not announced as news
    finally:
        await manager.stop()


def test_send_to_an_account_that_does_not_exist_says_why_at_once(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """Our server refuses the message for a local account that does not exist (its bounce
    comes before its ack): `tuichat send` exits 1 with the reason in words, not 0 nor a
    time-out, and the row says failed, with why."""
    me = account("hopeful")
    add_account(xdg, prosody, me.jid, me.password)
    nobody = f"nobody-{me.jid.split('@')[0]}@{prosody.domain}"
    result = tuichat(xdg, "send", nobody, "anyone there?", "--timeout", "60")
    assert result.returncode == 1, result.stderr
    assert "cannot receive messages" in result.stderr and nobody in result.stderr
    assert "in time" not in result.stderr  # the reason, not a time-out
    [row] = history(xdg, nobody)
    assert row["state"] == "failed" and "cannot receive" in row["failure"]
