"""Hostile peers against Prosody: stamps and stanza-ids that try to erase, block or reorder
history, and MUC markers that try to pass a message off as a room's.

The hostile side is a plain slixmpp client sending the exact stanzas by hand (``send_raw``):
Prosody relays and archives them as it would any client's.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import unquote
from xml.sax.saxutils import escape, quoteattr

import pytest

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, tuichat
from tests.integration.test_muc import room_name, running
from tuichat import events as ev
from tuichat.model import ConversationKind, Message, utcnow
from tuichat.store import Store

MUC_USER = "http://jabber.org/protocol/muc#user"

BAD_STAMPS = [
    "9999-12-31T23:59:59-14:00",  # OverflowError once converted to UTC
    "0001-01-01T00:00:00+14:00",  # the same, the other way
    "10000-01-01T00:00:00Z",  # not a date Python can hold
    "yesterday at noon",  # not a date at all
]


def raw_message(
    peer: Peer, to: str, body: str, *, kind: str = "chat", extra: str = "", msg_id: str = ""
) -> None:
    """Send a ``<message/>`` exactly as written (``extra`` is appended after the body)."""
    mid = msg_id or peer.client.new_id()
    peer.client.send_raw(
        f"<message to={quoteattr(to)} type={quoteattr(kind)} id={quoteattr(mid)}>"
        f"<body>{escape(body)}</body>{extra}</message>"
    )


def delay(stamp: str) -> str:
    """A XEP-0203 delay element with ``stamp``."""
    return f"<delay xmlns='urn:xmpp:delay' stamp={quoteattr(stamp)}/>"


def stanza_id(by: str, sid: str) -> str:
    """A XEP-0359 stanza-id element claiming ``by`` assigned ``sid``."""
    return f"<stanza-id xmlns='urn:xmpp:sid:0' by={quoteattr(by)} id={quoteattr(sid)}/>"


async def settled(peer: Peer) -> None:
    """Wait until the server handled everything ``peer`` sent (a ping answers after them)."""
    await peer.client.plugin["xep_0199"].ping(timeout=30)


def bodies(store: Store, account: str, conversation: str) -> list[str]:
    return [m.body for m in store.history(account, conversation)]


# -- 1. a stamp that cannot be read is no stamp, and never blocks catch-up ---------------------


@pytest.mark.parametrize("stamp", BAD_STAMPS)
async def test_unreadable_delay_stamp_is_no_stamp_and_never_blocks_catch_up(
    prosody: ProsodyServer, account: Callable[..., TestAccount], stamp: str
) -> None:
    """The bad message is stored live with the time it came; later catch-ups (the same device
    and a fresh one) still fetch every message, from the stranger and from a contact."""
    me, evil, friend = account("victim"), account("stranger"), account("friend")
    store = Store.memory()
    async with (
        Peer.connect(prosody, evil.jid, evil.password) as mallory,
        Peer.connect(prosody, friend.jid, friend.password) as bob,
    ):
        async with running(prosody, me, store) as (_manager, _store, rec):
            before = utcnow()
            raw_message(mallory, me.jid, "stamped out of range", extra=delay(stamp))
            mallory.send(me.jid, "after the stamp")
            for i in range(3):
                bob.send(me.jid, f"live {i}")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "live 2")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "after the stamp")
            [bad] = await rec.wait(
                ev.MessageReceived, lambda e: e.message.body == "stamped out of range"
            )
            assert before <= bad.message.timestamp <= utcnow()
        for i in range(3):
            bob.send(me.jid, f"later {i}")
        await settled(bob)

    async with running(prosody, me, store):  # the same device catches up from its position
        pass
    assert bodies(store, me.jid, friend.jid) == [*(f"live {i}" for i in range(3)), "later 0",
                                                 "later 1", "later 2"]  # fmt: skip

    fresh = Store.memory()
    async with running(prosody, me, fresh):  # a fresh device pages back through all of it
        pass
    assert bodies(fresh, me.jid, friend.jid) == bodies(store, me.jid, friend.jid)
    assert bodies(fresh, me.jid, evil.jid) == ["stamped out of range", "after the stamp"]


@pytest.mark.parametrize("stamp", BAD_STAMPS[:2])
async def test_unreadable_delay_stamp_in_a_room_never_blocks_its_history(
    prosody: ProsodyServer, account: Callable[..., TestAccount], stamp: str
) -> None:
    """One occupant's bad stamp does not block the room's history for anyone."""
    me, evil, friend = account("roomie"), account("occupant"), account("talker")
    room = room_name(prosody, "stamps")
    async with (
        Peer.connect(prosody, evil.jid, evil.password) as mallory,
        Peer.connect(prosody, friend.jid, friend.password) as bob,
    ):
        async with running(prosody, me) as (manager, store, rec):
            await manager.join_room(me.jid, room, "Me")
            await mallory.join_room(room, "Mallory")
            await bob.join_room(room, "Bob")
            raw_message(mallory, room, "bad stamp", kind="groupchat", extra=delay(stamp))
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "bad stamp")
            for i in range(3):
                bob.send_room(room, f"room {i}")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "room 2")
            assert bodies(store, me.jid, room) == ["bad stamp", "room 0", "room 1", "room 2"]

        async with running(prosody, me) as (manager, fresh, _rec):  # a fresh device joins
            await manager.join_room(me.jid, room, "Me")
            assert bodies(fresh, me.jid, room) == ["bad stamp", "room 0", "room 1", "room 2"]


def test_sync_exits_1_when_a_catch_up_failed(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """The server refuses our archive query (its archive file is damaged): sync says so, exit 1;
    once the archive is readable again, sync exits 0."""
    me, friend = account("refused"), account("sender")
    add_account(xdg, prosody, me.jid, me.password)

    async def send() -> None:
        async with Peer.connect(prosody, friend.jid, friend.password) as bob:
            bob.send(me.jid, "archived")
            await settled(bob)

    asyncio.run(send())
    [archive] = [
        path for path in prosody.data_dir.glob("*/archive/*.list") if unquote(path.stem) == me.user
    ]
    good = archive.read_bytes()
    archive.write_text("this is not Lua {")
    try:
        result = tuichat(xdg, "sync", "--timeout", "60")
    finally:
        archive.write_bytes(good)
    assert result.returncode == 1, result.stderr
    assert f"{me.jid}: catch-up of {me.jid} failed" in result.stderr
    assert "refused the archive query" in result.stderr
    again = tuichat(xdg, "sync", "--timeout", "60")
    assert again.returncode == 0, again.stderr


# -- 2. a forged stanza-id erases nothing --------------------------------------------------------


async def test_forged_room_stanza_ids_erase_no_message(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """An occupant reuses the room's real archive ids under forged ``by`` values: every real
    message stays, and every forged one is stored exactly once (live, then after catch-up)."""
    me, evil, friend = account("reader"), account("forger"), account("honest")
    room = room_name(prosody, "forge")
    service = room.partition("@")[2]
    async with (
        Peer.connect(prosody, evil.jid, evil.password) as mallory,
        Peer.connect(prosody, friend.jid, friend.password) as bob,
    ):
        await mallory.join_room(room, "Mallory")
        await bob.join_room(room, "Bob")
        async with running(prosody, me) as (manager, store, rec):
            await manager.join_room(me.jid, room, "Me")
            for i in range(6):
                bob.send_room(room, f"real {i}")
            real_ids = []
            for i in range(6):  # the forger reads the room's ids off what it receives
                seen = await mallory.wait_message(
                    lambda m, i=i: m.body == f"real {i}", queue=mallory.room_messages
                )
                real_ids.append(seen.stanza_id)
            assert all(real_ids)
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "real 5")
            forged_by = [
                f"{room}/x",  # the room's JID with a resource: an occupant, not the room
                f"{room}/",  # not a JID at all
                f"other-{room}",  # another room
                mallory.client.boundjid.full,  # the forger itself
                service,  # the service, not the room
                room.upper(),  # the room itself (RFC 7622 folds case): Prosody strips it
            ]
            for i, (by, sid) in enumerate(zip(forged_by, real_ids, strict=True)):
                raw_message(
                    mallory, room, f"forged {i}", kind="groupchat", extra=stanza_id(by, sid)
                )
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "forged 5")
            live = Counter(bodies(store, me.jid, room))

        async with running(prosody, me, store) as (manager, _store, _rec):  # catch up
            await manager.join_room(me.jid, room, "Me")
            caught_up = Counter(bodies(store, me.jid, room))

        async with running(prosody, me) as (manager, fresh, _rec):  # and a fresh device
            await manager.join_room(me.jid, room, "Me")
            from_archive = Counter(bodies(fresh, me.jid, room))

    expected = Counter([*(f"real {i}" for i in range(6)), *(f"forged {i}" for i in range(6))])
    assert live == expected
    assert caught_up == expected
    assert from_archive == expected
    stored_ids = {m.body: m.stanza_id for m in store.history(me.jid, room)}
    assert [stored_ids[f"real {i}"] for i in range(6)] == real_ids


async def test_forged_stanza_id_by_our_own_jid_in_a_chat_erases_nothing(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A stranger sends ``by=<our bare JID>`` (Prosody 0.12 passes it on, then adds its own):
    the server's id counts, so nothing is erased and nothing is stored twice."""
    me, evil = account("target"), account("pest")
    store = Store.memory()
    async with Peer.connect(prosody, evil.jid, evil.password) as mallory:
        async with running(prosody, me, store) as (_manager, _store, rec):
            mallory.send(me.jid, "first")
            [first] = await rec.wait(ev.MessageReceived, lambda e: e.message.body == "first")
            real = first.message.stanza_id
            assert real
            variants = [me.jid, me.jid.upper(), f"{me.jid}/tuichat"]
            for i, by in enumerate(variants):
                raw_message(mallory, me.jid, f"reuses {i}", extra=stanza_id(by, real))
                raw_message(mallory, me.jid, f"invents {i}", extra=stanza_id(by, f"made-up-{i}"))
            await settled(mallory)
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "invents 2")
            live = Counter(bodies(store, me.jid, evil.jid))
        async with running(prosody, me, store):
            pass
    expected = Counter(["first", *(f"{w} {i}" for w in ("reuses", "invents") for i in range(3))])
    assert live == expected
    assert Counter(bodies(store, me.jid, evil.jid)) == expected
    assert store.history(me.jid, evil.jid)[0].stanza_id == real
    assert not any(
        (m.stanza_id or "").startswith("made-up") for m in store.history(me.jid, evil.jid)
    )


# -- 3. a far-future (or ancient) stamp reorders nothing ------------------------------------------


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
async def test_absurd_live_stamp_does_not_reorder_what_is_caught_up(
    prosody: ProsodyServer, account: Callable[..., TestAccount], stamp: str
) -> None:
    """A stranger's live message stamped far away is filed at the time it came; messages
    caught up afterwards keep their real times and their order."""
    me, evil, friend = account("orderly"), account("timetraveller"), account("steady")
    store = Store.memory()
    async with (
        Peer.connect(prosody, evil.jid, evil.password) as mallory,
        Peer.connect(prosody, friend.jid, friend.password) as bob,
    ):
        async with running(prosody, me, store) as (_manager, _store, rec):
            before = utcnow()
            raw_message(mallory, me.jid, "from far away", extra=delay(stamp))
            [far] = await rec.wait(ev.MessageReceived, lambda e: e.message.body == "from far away")
            assert before <= far.message.timestamp <= utcnow()
        sent_from = utcnow()
        for i in range(5):
            bob.send(me.jid, f"caught up {i}")
        await settled(bob)
        sent_until = utcnow()
        async with running(prosody, me, store):
            pass
    caught: list[Message] = store.history(me.jid, friend.jid)
    assert [m.body for m in caught] == [f"caught up {i}" for i in range(5)]
    slack = timedelta(seconds=2)  # archive stamps have whole seconds
    for m in caught:
        assert sent_from - slack <= m.timestamp <= sent_until + slack, m
    assert [m.timestamp for m in caught] == sorted(m.timestamp for m in caught)
    [newest] = store.conversations(me.jid)[:1]
    assert newest.last_timestamp < datetime.now(newest.last_timestamp.tzinfo) + slack


# -- 10. an empty MUC <x/> does not make a stranger a room ----------------------------------------


async def test_empty_muc_marker_from_a_stranger_is_an_ordinary_chat(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A plain account's chat message with an empty muc#user ``<x/>`` is a one-to-one message
    from a non-contact (live and from the archive), not a room private message."""
    me, evil = account("plain"), account("masquerade")
    store = Store.memory()
    async with (
        Peer.connect(prosody, evil.jid, evil.password) as mallory,
        running(prosody, me, store) as (_manager, _store, rec),
    ):
        raw_message(mallory, me.jid, "am I a room?", extra=f"<x xmlns='{MUC_USER}'/>")
        [got] = await rec.wait(ev.MessageReceived, lambda e: e.message.body == "am I a room?")
    assert (got.message.conversation, got.message.kind) == (evil.jid, ConversationKind.CHAT)
    fresh = Store.memory()
    async with running(prosody, me, fresh):
        pass
    for held in (store, fresh):
        [summary] = held.conversations(me.jid)
        assert (summary.conversation, summary.kind) == (evil.jid, ConversationKind.CHAT)


async def test_a_real_room_private_message_stays_one_on_a_fresh_device(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """An occupant's private message is a room PM live, and also from the archive on a fresh
    device that knows no room yet (the server's chat service is known from disco)."""
    me, friend = account("pmreader"), account("pmsender")
    room = room_name(prosody, "pm")
    async with Peer.connect(prosody, friend.jid, friend.password) as bob:
        async with running(prosody, me) as (manager, _store, rec):
            await manager.join_room(me.jid, room, "Me")
            await bob.join_room(room, "Bob")
            bob.send(f"{room}/Me", "psst")
            [got] = await rec.wait(ev.MessageReceived, lambda e: e.message.body == "psst")
        async with running(prosody, me) as (_manager, fresh, _rec):
            archived = fresh.history(me.jid, f"{room}/Bob")
    assert (got.message.conversation, got.message.kind) == (f"{room}/Bob", ConversationKind.PRIVATE)
    assert [(m.body, m.kind) for m in archived] == [("psst", ConversationKind.PRIVATE)]
