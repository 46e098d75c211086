"""Integration tests of message actions against Prosody with slixmpp peers: corrections,
retractions, reactions and replies arrive and are applied, forged ones from someone else are
ignored, ours reach the peer; moderation in a room with Debian's ``mod_muc_moderation``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.test_muc import room_name, running
from tuichat import events as ev
from tuichat.model import Direction
from tuichat.store import Store

NS_REACTIONS = "urn:xmpp:reactions:0"
NS_RETRACT = "urn:xmpp:message-retract:1"


def send_with(peer: Peer, to: str, body: str, *elements: Element, mtype: str = "chat") -> str:
    """Send a message carrying ``elements``; return its id."""
    msg = peer.client.make_message(mto=to, mbody=body or None, mtype=mtype)
    msg_id = peer.client.new_id()
    msg["id"] = msg_id
    msg["origin_id"]["id"] = msg_id
    for element in elements:
        msg.xml.append(element)
    msg.send()
    return msg_id


def el(tag: str, ns: str, children: tuple[str, ...] = (), **attrs: str) -> Element:
    element = Element(f"{{{ns}}}{tag}", attrs)
    for child in children:
        SubElement(element, f"{{{ns}}}reaction").text = child
    return element


def capture(peer: Peer) -> list[Any]:
    """Every ``<message/>`` the peer receives, as slixmpp stanzas."""
    seen: list[Any] = []
    matcher = MatchXPath("{jabber:client}message")  # the "message" event needs a body
    peer.client.register_handler(Callback("capture", matcher, seen.append))
    return seen


async def until(cond: Callable[[], object], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.05)


async def test_one_to_one_actions_both_ways_and_forgeries_ignored(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    a, b, e = account("actme"), account("actbob"), account("acteve")
    async with (
        running(prosody, a) as (manager, store, rec),
        Peer.connect(prosody, b.jid, b.password) as bob,
        Peer.connect(prosody, e.jid, e.password) as eve,
    ):
        seen = capture(bob)
        first = bob.send(a.jid, "helo wrold")
        await rec.wait(ev.MessageReceived, lambda x: x.message.body == "helo wrold")
        # Eve tries to correct and retract Bob's message: her own conversation, nothing changes.
        eve.send(a.jid, "evil", replace_id=first)
        send_with(eve, a.jid, "", el("retract", NS_RETRACT, id=first))
        bob.send(a.jid, "hello world", replace_id=first)
        changed = await rec.wait(ev.MessageChanged)
        assert changed[0].message.body == "hello world"
        assert changed[0].message.marks is not None and changed[0].message.marks.edited
        [row] = store.history(a.jid, b.jid)
        assert row.body == "hello world" and store.versions(row.id or 0)[0][1] == "helo wrold"
        assert [m.body for m in store.history(a.jid, e.jid)] == []  # nothing stored from Eve

        # Bob reacts, then changes his mind: his full set replaces the first.
        send_with(bob, a.jid, "", el("reactions", NS_REACTIONS, ("👍", "❤️"), id=first))
        send_with(bob, a.jid, "", el("reactions", NS_REACTIONS, ("❤️",), id=first))

        await until(lambda: len(rec.of(ev.MessageChanged)) >= 3)
        [row] = store.history(a.jid, b.jid)
        assert row.marks is not None and row.marks.reactions == (("❤️", (b.jid,)),)

        # Ours: send, correct, react, reply, retract; Bob sees each.
        mine = await manager.send_message(a.jid, b.jid, "tuichat says hi")
        await until(lambda: any(s["body"] == "tuichat says hi" for s in seen))
        await manager.correct_message(a.jid, mine, "tuichat says hello")
        await until(lambda: any(s["replace"]["id"] == mine.message_id for s in seen))
        await manager.react(a.jid, row, ("🎉",))
        await until(
            lambda: any(s.xml.find(f"{{{NS_REACTIONS}}}reactions") is not None for s in seen)
        )
        reply = await manager.reply(a.jid, row, "agreed")
        await until(lambda: any(s.xml.find("{urn:xmpp:reply:0}reply") is not None for s in seen))
        got = next(s for s in seen if s.xml.find("{urn:xmpp:reply:0}reply") is not None)
        assert got["body"].endswith("agreed") and got["body"].startswith("> ")
        assert got.xml.find("{urn:xmpp:reply:0}reply").get("id") == first
        fresh = store.get_message(mine.id or 0)
        assert fresh is not None and fresh.body == "tuichat says hello"
        await manager.retract_message(a.jid, fresh)
        await until(lambda: any(s.xml.find(f"{{{NS_RETRACT}}}retract") is not None for s in seen))
        assert store.search("tuichat") == []
        assert reply.marks is not None and reply.marks.reply_to == first

        # Bob replies to ours with a fallback quote; it is cut, the quote comes from the store.
        quote = "> helo\n"
        fallback = Element("{urn:xmpp:fallback:0}fallback", {"for": "urn:xmpp:reply:0"})
        SubElement(fallback, "{urn:xmpp:fallback:0}body", {"start": "0", "end": str(len(quote))})
        send_with(bob, a.jid, quote + "yes!", el("reply", "urn:xmpp:reply:0", id=first), fallback)
        [got_reply] = await rec.wait(ev.MessageReceived, lambda x: x.message.body == "yes!")
        marks = got_reply.message.marks
        assert marks is not None and marks.quote.endswith("hello world")

        # Bob retracts his first message: a tombstone, gone from search; Eve's attempt did nothing.
        send_with(bob, a.jid, "", el("retract", NS_RETRACT, id=first))
        await until(lambda: store.search("world") == [])
        tomb = store.get_message(row.id or 0)
        assert tomb is not None and tomb.body == "" and tomb.marks is not None
        assert tomb.marks.retracted and store.versions(row.id or 0) == []


def spam_in(store: Store, account: str, room: str) -> bool:
    return any(m.body == "buy cheap pills" for m in store.history(account, room))


async def test_moderation_shows_the_tombstone_live_and_from_the_archive(
    prosody_factory: Callable[..., ProsodyServer],
) -> None:
    server = prosody_factory(muc_modules=("muc_moderation",))
    owner, reader = server.new_account("modowner"), server.new_account("modreader")
    spammer = server.new_account("modspam")
    room = room_name(server)
    async with (
        running(server, TestAccount(*owner)) as (manager, store, _rec),
        running(server, TestAccount(*reader)) as (rmanager, rstore, rrec),
        Peer.connect(server, *spammer) as peer,
    ):
        await manager.join_room(owner[0], f"{room}/Owner")
        await rmanager.join_room(reader[0], f"{room}/Reader")
        await peer.join_room(room, "Spammer")
        peer.send_room(room, "buy cheap pills")
        await until(lambda: spam_in(store, owner[0], room) and spam_in(rstore, reader[0], room))
        spam = next(m for m in store.history(owner[0], room) if m.body == "buy cheap pills")
        await manager.moderate(owner[0], spam, "spam")
        await rrec.wait(ev.MessageChanged, timeout=15)
        [seen] = [m for m in rstore.history(reader[0], room) if m.direction is Direction.IN]
        assert seen.body == "" and seen.marks is not None and seen.marks.retracted
        assert seen.marks.reason == "spam"
        await until(lambda: not spam_in(store, owner[0], room))
        # Another occupant cannot correct or retract the owner's message.
        said = await manager.send_room_message(owner[0], room, "the rules")
        await until(lambda: any(m.body == "the rules" for m in rstore.history(reader[0], room)))
        acked = store.get_message(said.id or 0)
        assert acked is not None and acked.stanza_id
        retract = el("retract", NS_RETRACT, id=acked.stanza_id)
        send_with(peer, room, "", retract, mtype="groupchat")
        fix = Element("{urn:xmpp:message-correct:0}replace", {"id": said.message_id or ""})
        send_with(peer, room, "no rules", fix, mtype="groupchat")
        send_with(peer, room, "marker", mtype="groupchat")
        await until(lambda: any(m.body == "marker" for m in rstore.history(reader[0], room)))
        assert [m.body for m in rstore.history(reader[0], room)][-2:] == ["the rules", "marker"]
    # Rejoining with an empty store: the room archive holds the tombstone, never the text.
    fresh = Store.memory()
    async with running(server, TestAccount(*reader), fresh) as (again, store2, _r):
        await again.join_room(reader[0], f"{room}/Reader")
        await until(lambda: bool(store2.history(reader[0], room)), 20)
        await asyncio.sleep(1)
        rows = store2.history(reader[0], room)
        assert not spam_in(store2, reader[0], room)
        assert any(m.marks is not None and m.marks.retracted for m in rows)
