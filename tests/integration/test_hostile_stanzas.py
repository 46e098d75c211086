"""Hostile peers against Prosody: stamps and stanza-ids that try to erase, block or reorder
history, and MUC markers that try to pass a message off as a room's.

The hostile side is a plain slixmpp client sending the exact stanzas by hand (``send_raw``):
Prosody relays and archives them as it would any client's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.test_muc import room_name, running
from tuichat import events as ev
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
            for i in range(5):
                bob.send_room(room, f"real {i}")
            real_ids = []
            for i in range(5):  # the forger reads the room's ids off what it receives
                seen = await mallory.wait_message(
                    lambda m, i=i: m.body == f"real {i}", queue=mallory.room_messages
                )
                real_ids.append(seen.stanza_id)
            assert all(real_ids)
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "real 4")
            forged_by = [
                f"{room}/x",  # the room's JID with a resource: an occupant, not the room
                f"{room}/",  # not a JID at all
                f"other-{room}",  # another room
                mallory.client.boundjid.full,  # the forger itself
                service,  # the service, not the room
            ]
            for i, (by, sid) in enumerate(zip(forged_by, real_ids, strict=True)):
                raw_message(
                    mallory, room, f"forged {i}", kind="groupchat", extra=stanza_id(by, sid)
                )
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "forged 4")
            live = Counter(bodies(store, me.jid, room))

        async with running(prosody, me, store) as (manager, _store, _rec):  # catch up
            await manager.join_room(me.jid, room, "Me")
            caught_up = Counter(bodies(store, me.jid, room))

        async with running(prosody, me) as (manager, fresh, _rec):  # and a fresh device
            await manager.join_room(me.jid, room, "Me")
            from_archive = Counter(bodies(fresh, me.jid, room))

    expected = Counter([*(f"real {i}" for i in range(5)), *(f"forged {i}" for i in range(5))])
    assert live == expected
    assert caught_up == expected
    assert from_archive == expected
    stored_ids = {m.body: m.stanza_id for m in store.history(me.jid, room)}
    assert [stored_ids[f"real {i}"] for i in range(5)] == real_ids


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
