"""Rooms on IRC through a real gateway: Debian's biboumi (a Prosody component) and ngircd.

The other side is a plain socket IRC client in the channel (`tests.harness.gateway.IrcUser`).
"""

from __future__ import annotations

import asyncio
import secrets
import sys

from tests.harness import XdgDirs
from tests.harness.gateway import IrcGateway, IrcUser
from tests.integration.cli_helpers import add_account, env_for, history
from tests.integration.helpers import Recorder, account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.model import ConversationKind, Direction
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


def _channel() -> str:
    return f"#tc{secrets.token_hex(3)}"


async def test_talk_both_ways_with_an_irc_channel(irc_gateway: IrcGateway) -> None:
    """A message from tuichat reaches the IRC channel once; the IRC reply is stored once."""
    me = irc_gateway.server.new_account("ircme")
    channel = _channel()
    room = irc_gateway.channel_jid(channel)
    bus, store = EventBus(), Store.memory()
    rec = Recorder(bus)
    manager = ConnectionManager([account_config(irc_gateway.server, *me)], store, bus)
    await manager.start()
    irc = await IrcUser.connect(irc_gateway.irc.address, "ircbob")
    try:
        await manager.wait_connected(15)
        await irc.join(channel)
        joined = await asyncio.wait_for(manager.join_room(me[0], f"{room}/alice"), 30)
        assert joined.nick == "alice", irc_gateway.diagnostics()
        assert "ircbob" in {o.nick for o in manager.occupants(me[0], room)}

        await manager.send_room_message(me[0], room, "hello from xmpp")
        seen = await irc.wait_privmsg("hello from xmpp")
        assert (seen.nick, seen.target) == ("alice", channel)

        irc.say(channel, "hello from irc")
        [got] = await rec.wait(
            ev.MessageReceived, lambda e: e.message.body == "hello from irc", timeout=15
        )
        msg = got.message
        assert (msg.kind, msg.direction, msg.nick, msg.conversation) == (
            ConversationKind.GROUPCHAT,
            Direction.IN,
            "ircbob",
            room,
        )
        await manager.stop()
        expected = [("alice", "hello from xmpp"), ("ircbob", "hello from irc")]
        assert [(m.nick, m.body) for m in store.history(me[0], room)] == expected

        # Again from the same store: the gateway replays its history on join (and answers
        # archive queries); nothing is stored twice.
        bus = EventBus()
        rec = Recorder(bus)
        manager = ConnectionManager([account_config(irc_gateway.server, *me)], store, bus)
        await manager.start()
        await manager.wait_connected(15)
        await asyncio.wait_for(manager.join_room(me[0], f"{room}/alice"), 30)
        await rec.wait(ev.ArchiveSyncProgressed, lambda e: e.archive == room and e.done)
        irc.say(channel, "after the rejoin")
        await rec.wait(ev.MessageReceived, lambda e: e.message.body == "after the rejoin")
        assert [(m.nick, m.body) for m in store.history(me[0], room)] == [
            *expected,
            ("ircbob", "after the rejoin"),
        ]
    finally:
        await irc.close()
        await manager.stop()
    assert [p.text for p in irc.privmsgs if p.nick == "alice"] == ["hello from xmpp"]


async def test_channel_life_topic_nicks_arrivals_kicks(irc_gateway: IrcGateway) -> None:
    """IRC channel events become room events: the topic, an IRC user arriving, changing nick
    and leaving, our own nick change (seen on IRC), a room private message both ways (the
    answer stays in the room's private chat), and an IRC operator kicking us."""
    jid, password = irc_gateway.server.new_account("irclife")
    channel = _channel()
    room = irc_gateway.channel_jid(channel)
    bus = EventBus()
    rec = Recorder(bus)
    manager = ConnectionManager(
        [account_config(irc_gateway.server, jid, password)], Store.memory(), bus
    )
    await manager.start()
    op = await IrcUser.connect(irc_gateway.irc.address, "ircop")
    try:
        await manager.wait_connected(15)
        await op.join(channel)  # first in: channel operator
        await asyncio.wait_for(manager.join_room(jid, f"{room}/gina"), 30)
        op.send(f"TOPIC {channel} :all about tuichat")
        [topic] = await rec.wait(ev.SubjectChanged, lambda e: e.subject == "all about tuichat")
        assert (topic.room, topic.by) == (room, "ircop")

        guest = await IrcUser.connect(irc_gateway.irc.address, "ircguest")
        await guest.join(channel)
        await rec.wait(ev.OccupantChanged, lambda e: e.occupant.nick == "ircguest" and e.joined)
        guest.send("NICK ircguest2")
        await rec.wait(ev.NickChanged, lambda e: (e.old, e.new) == ("ircguest", "ircguest2"))
        await guest.close()
        await rec.wait(ev.OccupantLeft, lambda e: e.nick == "ircguest2")

        assert await manager.change_nick(jid, room, "gina2") == "gina2"
        await op.wait_line(lambda line: line.startswith(":gina!") and " NICK " in line)
        await rec.wait(ev.NickChanged, lambda e: e.own and e.new == "gina2")

        await manager.send_private_message(jid, room, "ircop", "a word in private")
        await op.wait_privmsg("a word in private")
        op.say("gina2", "private answer")
        [pm] = await rec.wait(ev.MessageReceived, lambda e: e.message.body == "private answer")
        assert (pm.message.conversation, pm.message.kind) == (
            f"{room}/ircop",
            ConversationKind.PRIVATE,
        )

        op.send(f"KICK {channel} gina2 :enough")
        [out] = await rec.wait(ev.RoomLeft, lambda e: e.room == room, timeout=15)
        assert out.kicked and "enough" in out.reason
        assert manager.joined_rooms(jid) == []
    finally:
        await op.close()
        await manager.stop()


async def test_irc_contacts_are_labelled_and_private_messages_arrive(
    irc_gateway: IrcGateway,
) -> None:
    """An IRC user in the roster is labelled "irc" (biboumi's conference/irc identity); a
    private message from them arrives in a conversation of its own, once."""
    jid, password = irc_gateway.server.new_account("irclabel")
    channel = _channel()
    room = irc_gateway.channel_jid(channel)
    ircdave = f"ircdave%{irc_gateway.irc.address}@{irc_gateway.biboumi.domain}"
    bus, store = EventBus(), Store.memory()
    rec = Recorder(bus)
    manager = ConnectionManager([account_config(irc_gateway.server, jid, password)], store, bus)
    await manager.start()
    irc = await IrcUser.connect(irc_gateway.irc.address, "ircdave")
    try:
        await manager.wait_connected(15)
        await irc.join(channel)
        await manager.add_contact(jid, ircdave, name="Dave")
        [label] = await rec.wait(ev.GatewayIdentified, timeout=15)
        assert (label.domain, label.network) == (irc_gateway.biboumi.domain, "irc")
        await asyncio.wait_for(manager.join_room(jid, f"{room}/frank"), 30)
        irc.say("frank", "psst, frank")
        [got] = await rec.wait(ev.MessageReceived, lambda e: e.message.body == "psst, frank")
        assert (got.message.conversation, got.message.kind) == (ircdave, ConversationKind.CHAT)
        await manager.send_message(jid, got.message.conversation, "hi dave")
        seen = await irc.wait_privmsg("hi dave")
        assert (seen.nick, seen.target) == ("frank", "ircdave")
    finally:
        await irc.close()
        await manager.stop()
    assert [m.body for m in store.history(jid, ircdave)] == ["psst, frank", "hi dave"]
    assert [p.text for p in irc.privmsgs if p.target == "ircdave"] == ["hi dave"]


def test_tuichat_send_reaches_the_irc_channel_once(irc_gateway: IrcGateway, xdg: XdgDirs) -> None:
    """`tuichat send '#chan%IRCHOST@biboumi…' TEXT` exits 0; the channel reads it once."""
    jid, password = irc_gateway.server.new_account("irccli")
    channel = _channel()
    room = irc_gateway.channel_jid(channel)
    add_account(xdg, irc_gateway.server, jid, password)

    async def scenario() -> list[str]:
        irc = await IrcUser.connect(irc_gateway.irc.address, "irccarol")
        try:
            await irc.join(channel)
            proc = await asyncio.create_subprocess_exec(
                *_cmd("send", "--timeout", "30", room, "hello", "from", "the", "cli"),
                env=_env(xdg),
                stderr=asyncio.subprocess.PIPE,
            )
            _out, err = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 0, err.decode() + irc_gateway.diagnostics()
            await irc.wait_privmsg("hello from the cli")
            await irc.wait_line(lambda line: " PART " in line or " QUIT " in line)
        finally:
            await irc.close()
        return [p.text for p in irc.privmsgs]

    assert asyncio.run(scenario()) == ["hello from the cli"]
    rows = history(xdg, room)
    assert [(r["body"], r["direction"], r["state"], r["kind"]) for r in rows] == [
        ("hello from the cli", "out", "acked", "groupchat")
    ]


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "tuichat", *args]


def _env(xdg: XdgDirs) -> dict[str, str]:
    return env_for(xdg)
