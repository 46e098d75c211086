"""Integration tests of group chat (XEP-0045) against Prosody's MUC component: rooms and talk."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import Recorder, account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.errors import RoomError
from tuichat.model import ConversationKind, Direction, MessageState, Role, Show
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


def room_name(server: ProsodyServer, prefix: str = "room") -> str:
    """A fresh room JID on the server's MUC service."""
    return f"{prefix}-{secrets.token_hex(4)}@{server.muc_domain}"


@asynccontextmanager
async def running(
    server: ProsodyServer, acct: TestAccount, store: Store | None = None
) -> AsyncIterator[tuple[ConnectionManager, Store, Recorder]]:
    """A started manager for one account, connected and synced; stopped afterwards."""
    bus, store = EventBus(), store or Store.memory()
    rec = Recorder(bus)
    manager = ConnectionManager([account_config(server, acct.jid, acct.password)], store, bus)
    await manager.start()
    try:
        await manager.wait_connected(15)
        await asyncio.wait_for(manager.session(acct.jid).synced.wait(), 30)
        yield manager, store, rec
    finally:
        await manager.stop()


async def test_join_talk_both_ways_private_message_and_nick_change(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """We create a room, a peer joins; messages flow both ways, a PM and a nick change too."""
    a, b = account("mucme"), account("mucpeer")
    room = room_name(prosody)
    async with running(prosody, a) as (manager, store, rec):
        joined = await manager.join_room(a.jid, f"{room}/Alice")
        assert joined.nick == "Alice"
        assert [o.nick for o in joined.occupants] == ["Alice"]
        assert joined.occupants[0].role == Role.MODERATOR
        async with Peer.connect(prosody, b.jid, b.password) as bob:
            await bob.join_room(room, "Bob")
            arrived = await rec.wait(ev.OccupantChanged, lambda e: e.occupant.nick == "Bob")
            assert arrived[0].joined
            assert {o.nick for o in manager.occupants(a.jid, room)} == {"Alice", "Bob"}

            sent = await manager.send_room_message(a.jid, room, "hello room")
            seen = await bob.wait_message(lambda m: m.body == "hello room", queue=bob.room_messages)
            assert seen.from_ == f"{room}/Alice"
            await rec.wait(
                ev.MessageStateChanged,
                lambda e: e.message_id == sent.id and e.state == MessageState.ACKED,
            )

            bob.send_room(room, "hi Alice, welcome")
            got = await rec.wait(ev.MessageReceived, lambda e: e.message.body.startswith("hi Al"))
            msg = got[0].message
            assert (msg.kind, msg.direction, msg.nick) == (
                ConversationKind.GROUPCHAT,
                Direction.IN,
                "Bob",
            )
            assert msg.sender == f"{room}/Bob" and msg.stanza_id
            await rec.wait(ev.RoomMentioned, lambda e: e.message.id == msg.id)

            bob.send(f"{room}/Alice", "psst, private")
            pm = await rec.wait(
                ev.MessageReceived, lambda e: e.message.kind == ConversationKind.PRIVATE
            )
            assert pm[0].message.conversation == f"{room}/Bob"
            await manager.send_private_message(a.jid, room, "Bob", "private back")
            back = await bob.wait_message(lambda m: m.body == "private back")
            assert back.from_ == f"{room}/Alice"

            new = await manager.change_nick(a.jid, room, "Alicia")
            assert new == "Alicia"
            await rec.wait(ev.NickChanged, lambda e: e.old == "Alice" and e.own)
            await manager.send_room_message(a.jid, room, "renamed")
            echoed = await bob.wait_message(lambda m: m.body == "renamed", queue=bob.room_messages)
            assert echoed.from_ == f"{room}/Alicia"
        left = await rec.wait(ev.OccupantLeft, lambda e: e.nick == "Bob")
        assert not left[0].kicked
        history = [(m.nick, m.body) for m in store.history(a.jid, room)]
        assert history == [
            ("Alice", "hello room"),
            ("Bob", "hi Alice, welcome"),
            ("Alicia", "renamed"),
        ]
        assert all(m.state != MessageState.PENDING for m in store.history(a.jid, room))
        await manager.leave_room(a.jid, room)
        assert manager.joined_rooms(a.jid) == []
        await rec.wait(ev.RoomLeft, lambda e: e.room == room)


async def test_kick_ban_and_the_ban_keeps_them_out(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """As owner we kick an occupant, ban them, and their rejoin is refused in words."""
    a, b = account("owner"), account("victim")
    room = room_name(prosody)
    bus, store = EventBus(), Store.memory()
    rec = Recorder(bus)
    manager = ConnectionManager(
        [account_config(prosody, a.jid, a.password), account_config(prosody, b.jid, b.password)],
        store,
        bus,
    )
    await manager.start()
    try:
        await manager.wait_connected(15)
        await manager.join_room(a.jid, room, "Boss")
        await manager.join_room(b.jid, room, "Mallory")
        await rec.wait(
            ev.OccupantChanged, lambda e: e.account == a.jid and e.occupant.nick == "Mallory"
        )
        await manager.kick(a.jid, room, "Mallory", "spam")
        [kicked] = await rec.wait(ev.OccupantLeft, lambda e: e.nick == "Mallory")
        assert kicked.kicked and "spam" in kicked.reason
        [out] = await rec.wait(ev.RoomLeft, lambda e: e.account == b.jid)
        assert out.kicked and "kicked" in out.reason and "spam" in out.reason
        assert manager.joined_rooms(b.jid) == []

        await manager.join_room(b.jid, room, "Mallory")
        await manager.ban(a.jid, room, b.jid, "again")
        [banned] = await rec.wait(ev.RoomLeft, lambda e: e.account == b.jid and e.banned)
        assert "banned" in banned.reason and "again" in banned.reason
        with pytest.raises(RoomError, match="banned"):
            await manager.join_room(b.jid, room, "Mallory")
        failed = await rec.wait(ev.RoomJoinFailed, lambda e: e.account == b.jid)
        assert "banned" in failed[0].reason
        with pytest.raises(RoomError, match="kick Boss"):
            await manager.kick(b.jid, room, "Boss")
    finally:
        await manager.stop()


async def test_our_presence_reaches_the_rooms(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Setting away on the account shows us as away in the rooms we are in."""
    a, b = account("presencer"), account("watcher")
    room = room_name(prosody)
    async with running(prosody, a) as (manager, _store, _rec):
        await manager.join_room(a.jid, room, "Away")
        bus = EventBus()
        rec_b = Recorder(bus)
        other = ConnectionManager([account_config(prosody, b.jid, b.password)], Store.memory(), bus)
        await other.start()
        try:
            await other.wait_connected(15)
            await other.join_room(b.jid, room, "Watcher")
            await manager.set_presence(a.jid, Show.AWAY, "lunch")
            [changed] = await rec_b.wait(
                ev.OccupantChanged,
                lambda e: e.occupant.nick == "Away" and e.occupant.show == Show.AWAY,
            )
            assert changed.occupant.status == "lunch" and not changed.joined
        finally:
            await other.stop()
