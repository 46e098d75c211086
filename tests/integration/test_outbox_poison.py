"""An outbox item that kills the stream is set aside; the rest of the outbox flows.

Rows like these can no longer be queued (``tuichat.sendable`` refuses them), but an outbox
written by an older version may hold one: here it is written straight into the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import replace

import pytest

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, history, tuichat
from tests.integration.helpers import Recorder, account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.model import (
    ConnectionState,
    ConversationKind,
    Direction,
    Message,
    MessageState,
    Show,
)
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager

POISON = {
    "esc": "build \x1b[32mOK\x1b[0m",
    "nul": "a\x00b",
    "fffe": "not a character: \ufffe",
    "5mb": "x" * 5_000_000,
}


def _poison_row(me: str, to: str, body: str) -> Message:
    stable = str(uuid.uuid4())
    return Message(
        account=me,
        conversation=to,
        direction=Direction.OUT,
        sender=f"{me}/tuichat",
        body=body,
        state=MessageState.PENDING,
        origin_id=stable,
        message_id=stable,
    )


@pytest.mark.parametrize("kind", sorted(POISON))
async def test_a_poison_outbox_item_is_set_aside_and_the_rest_flows(
    prosody: ProsodyServer, account: Callable[..., TestAccount], kind: str
) -> None:
    """At most two stream closes, then the item is failed with its reason; a normal message
    queued after it reaches the peer exactly once, and the connection stays up."""
    me, other = account("poisoned"), account("listener")
    bus, store = EventBus(), Store.memory()
    rec = Recorder(bus)
    poison = store.save_message(_poison_row(me.jid, other.jid, POISON[kind]))
    assert poison is not None and poison.id is not None
    manager = ConnectionManager([account_config(prosody, me.jid, me.password)], store, bus)
    async with Peer.connect(prosody, other.jid, other.password) as peer:
        normal = await manager.send_message(me.jid, other.jid, "after the poison")
        await manager.start()
        try:
            failed = await rec.wait(
                ev.MessageStateChanged,
                lambda e: e.message_id == poison.id and e.state is MessageState.FAILED,
                timeout=60,
            )
            await peer.wait_message(lambda m: m.body == "after the poison", timeout=30)
            row = store.get_message(poison.id)
            assert row is not None and row.state is MessageState.FAILED
            assert row.failure and "closed the connection twice" in row.failure
            assert failed[0].reason == row.failure
            connects = rec.of(
                ev.ConnectionStateChanged, lambda e: e.state is ConnectionState.CONNECTED
            )
            assert len(connects) <= 3, connects  # two closes at most, then it stays up
            await asyncio.sleep(3)
            assert manager.state(me.jid)[0] is ConnectionState.CONNECTED
            drops = rec.of(
                ev.ConnectionStateChanged, lambda e: e.state is ConnectionState.DISCONNECTED
            )
            assert len(drops) <= 2, drops
            assert [m.body for m in peer.messages] == ["after the poison"]
            sent = store.get_message(normal.id or 0)
            assert sent is not None
            assert sent.state in (MessageState.ACKED, MessageState.DELIVERED)  # peer's receipt
            assert store.outbox(me.jid) == []
        finally:
            await manager.stop()


def test_sync_sets_a_poison_row_aside_and_history_shows_why(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """The real command: an older version's ESC row no longer keeps `sync` reconnecting; once
    the rest of the outbox is acked it exits 1 saying which message was set aside and why (the
    next sync exits 0), and `history --json` shows the failure."""
    me, other = account("oldoutbox"), account("reader")
    add_account(xdg, prosody, me.jid, me.password)
    with contextlib.closing(Store.open(xdg.data / "tuichat" / "messages.sqlite3")) as store:
        store.save_message(_poison_row(me.jid, other.jid, POISON["esc"]))
        store.save_message(_poison_row(me.jid, other.jid, "queued behind it"))
    result = tuichat(xdg, "sync", "--timeout", "60")
    assert result.returncode == 1, result.stderr
    assert f"a message to {other.jid} was not sent: the server closed the connection twice" in (
        result.stderr
    )
    again = tuichat(xdg, "sync", "--timeout", "60")  # set aside for good: nothing left to do
    assert again.returncode == 0, again.stderr
    rows = {r["body"]: r for r in history(xdg, other.jid)}
    assert rows[POISON["esc"]]["state"] == "failed"
    assert "closed the connection twice" in rows[POISON["esc"]]["failure"]
    assert (rows["queued behind it"]["state"], rows["queued behind it"]["failure"]) == (
        "acked",
        None,
    )


async def test_a_poison_room_message_is_set_aside_and_the_room_outbox_flows(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """The same guard for a room: the ESC row ends failed after two closes, the room message
    queued behind it is reflected to the other occupant once."""
    me, other = account("roomer"), account("occupant")
    room = f"poison-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"
    bus, store = EventBus(), Store.memory()
    rec = Recorder(bus)
    manager = ConnectionManager([account_config(prosody, me.jid, me.password)], store, bus)
    await manager.start()
    try:
        await asyncio.wait_for(manager.session(me.jid).synced.wait(), 30)
        await manager.join_room(me.jid, f"{room}/Alice")
        async with Peer.connect(prosody, other.jid, other.password) as bob:
            await bob.join_room(room, "Bob")
            await manager.leave_room(me.jid, room)
            rows = [
                replace(
                    _poison_row(me.jid, room, body),
                    kind=ConversationKind.GROUPCHAT,
                    sender=f"{room}/Alice",
                    nick="Alice",
                )
                for body in (POISON["esc"], "room message behind it")
            ]
            poison, normal = (store.save_message(row) for row in rows)
            assert poison is not None and poison.id is not None and normal is not None
            await manager.join_room(me.jid, f"{room}/Alice")  # flushes the room's outbox
            failed = await rec.wait(
                ev.MessageStateChanged,
                lambda e: e.message_id == poison.id and e.state is MessageState.FAILED,
                timeout=60,
            )
            assert "closed the connection twice" in failed[0].reason
            seen = await bob.wait_message(
                lambda m: m.body == "room message behind it", queue=bob.room_messages, timeout=30
            )
            assert seen.from_ == f"{room}/Alice"
            await rec.wait(
                ev.MessageStateChanged,
                lambda e: e.message_id == normal.id and e.state is MessageState.ACKED,
                timeout=15,
            )
            assert store.outbox(me.jid) == []
    finally:
        await manager.stop()


async def test_a_status_with_an_escape_does_not_close_every_stream(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Our status is sent again on every connect: it goes out without the ESC, and the
    connection stays up."""
    me = account("status")
    bus, store = EventBus(), Store.memory()
    rec = Recorder(bus)
    manager = ConnectionManager([account_config(prosody, me.jid, me.password)], store, bus)
    await manager.start()
    try:
        await asyncio.wait_for(manager.session(me.jid).synced.wait(), 30)
        await manager.set_presence(me.jid, Show.AWAY, "back \x1b[1msoon")
        echoed = await rec.wait(
            ev.PresenceChanged, lambda e: e.jid.startswith(me.jid) and e.show is Show.AWAY
        )
        assert echoed[0].status == "back [1msoon"
        await asyncio.sleep(2)
        assert (
            rec.of(ev.ConnectionStateChanged, lambda e: e.state is ConnectionState.DISCONNECTED)
            == []
        )
    finally:
        await manager.stop()
