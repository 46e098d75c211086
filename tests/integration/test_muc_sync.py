"""Integration tests of staying in rooms: bookmarks with autojoin, reconnects, history catch-up."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.harness.proxy import RecordingProxy
from tests.integration.helpers import Recorder, account_config
from tests.integration.test_muc import room_name, running
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.model import ConnectionState
from tuichat.store import Store
from tuichat.xmpp.features import muc_join
from tuichat.xmpp.manager import ConnectionManager


async def test_autojoin_bookmark_survives_a_restart_and_history_arrives_once(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Bookmarked rooms are rejoined by a new manager; what we missed is stored exactly once."""
    a, b = account("sleeper"), account("talker")
    room = room_name(prosody, "history")
    store = Store.memory()
    async with Peer.connect(prosody, b.jid, b.password) as bob:
        async with running(prosody, a, store) as (manager, _store, rec):
            await manager.join_room(a.jid, room, "Sleeper")
            mark = await manager.add_bookmark(a.jid, room, name="History", nick="Sleeper")
            marks = await manager.bookmarks(a.jid)
            assert mark in marks and marks[0].autojoin
            await bob.join_room(room, "Talker")
            bob.send_room(room, "before the nap")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "before the nap")
            await manager.send_room_message(a.jid, room, "going offline")
            await bob.wait_message(lambda m: m.body == "going offline", queue=bob.room_messages)
        for i in range(30):
            bob.send_room(room, f"missed {i}")
        await bob.wait_message(lambda m: m.body == "missed 29", queue=bob.room_messages)

        async with running(prosody, a, store) as (manager, _store, rec):
            [joined] = await rec.wait(ev.RoomJoined, lambda e: e.room == room)
            assert joined.nick == "Sleeper" and "Talker" in {o.nick for o in joined.occupants}
            assert manager.joined_rooms(a.jid) == [room]
            bob.send_room(room, "welcome back")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "welcome back")
        async with running(prosody, a, store) as (manager, _store, rec):
            await rec.wait(ev.RoomJoined, lambda e: e.room == room)
            assert await manager.remove_bookmark(a.jid, room)
            assert await manager.bookmarks(a.jid) == []

    bodies = [m.body for m in store.history(a.jid, room)]
    expected = ["before the nap", "going offline", *(f"missed {i}" for i in range(30))]
    # Exactly once each. (Archive stamps have whole seconds, live ones microseconds, so within
    # one second the store may order a live message after archived ones: not checked here.)
    assert Counter(bodies) == Counter([*expected, "welcome back"]), bodies
    missed = [b for b in bodies if b.startswith("missed")]
    assert missed == [f"missed {i}" for i in range(30)]


async def test_rejoins_after_a_server_restart_and_resumes_after_a_cut(
    prosody_factory: Callable[..., ProsodyServer],
) -> None:
    """A fresh session rejoins rooms without duplicates; a resumed one self-pings and stays."""
    server = prosody_factory()
    a_jid, a_pw = server.new_account("stayer")
    b_jid, b_pw = server.new_account("poster")
    room = room_name(server, "stay")
    proxy = await RecordingProxy(server.host, server.starttls_port).start()
    bus, store = EventBus(), Store.memory()
    rec = Recorder(bus)
    manager = ConnectionManager([account_config(server, a_jid, a_pw, port=proxy.port)], store, bus)
    await manager.start()
    try:
        await manager.wait_connected(15)
        await manager.join_room(a_jid, room, "Stayer")
        async with Peer.connect(server, b_jid, b_pw) as bob:
            await bob.join_room(room, "Poster")
            bob.send_room(room, "one")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "one")

            proxy.cut()  # the stream resumes (XEP-0198): the room never saw us leave
            await rec.wait(ev.ConnectionStateChanged, lambda e: e.resumed, timeout=30)
            rooms = manager.session(a_jid).rooms
            assert rooms is not None
            outcome = await rooms.pinger.check(all_rooms=True)
            assert outcome == {room: "joined"}
            bob.send_room(room, "two")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "two")

        await asyncio.to_thread(server.restart)  # sessions and room presence are gone
        await rec.wait(ev.RoomJoined, lambda e: e.room == room and e.rejoined, timeout=40)
        assert manager.state(a_jid)[0] == ConnectionState.CONNECTED
        async with Peer.connect(server, b_jid, b_pw) as bob:
            await bob.join_room(room, "Poster")
            bob.send_room(room, "three")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "three")
            stanza_id = await muc_join.send_to_room(manager.session(a_jid), room, "scripted")
            assert stanza_id
            await bob.wait_message(lambda m: m.body == "scripted", queue=bob.room_messages)
        result = await muc_join.sync_rooms(manager.session(a_jid))
        assert result == {room: "joined"}
    finally:
        await manager.stop()
        await proxy.stop()
    assert Counter(m.body for m in store.history(a_jid, room)) == Counter(
        ["one", "two", "three", "scripted"]
    )


async def test_bookmark_of_a_password_room_keeps_the_password_and_autojoins(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Bookmarking a room we joined with a password keeps it (XEP-0402 allows it), so the
    autojoin after a restart gets in instead of failing with "the room needs a password"."""
    a, b = account("owner"), account("member")
    room = room_name(prosody, "vault")
    async with running(prosody, a, Store.memory()) as (owner, _store, _rec):
        await owner.join_room(a.jid, room, "Owner")
        await owner.configure_room(a.jid, room, password="sesame")
        async with running(prosody, b, Store.memory()) as (manager, _store, _rec):
            await manager.join_room(b.jid, room, "Member", password="sesame")
            await manager.add_bookmark(b.jid, room, nick="Member", autojoin=True)  # no password
            [mark] = await manager.bookmarks(b.jid)
            assert mark.password == "sesame"
        async with running(prosody, b, Store.memory()) as (manager, _store, rec):
            [joined] = await rec.wait(ev.RoomJoined, lambda e: e.room == room, timeout=15)
            assert joined.nick == "Member"
            assert not rec.of(ev.RoomJoinFailed)
