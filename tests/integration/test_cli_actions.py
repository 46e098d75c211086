"""The headless message action commands against the real Prosody: react, correct, retract,
send --reply-to, and what history --json says of each."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount, free_ports
from tests.integration.cli_helpers import add_account, config_file, history, tuichat
from tests.integration.test_message_actions import NS_REACTIONS, el, send_with


async def _with_peer(server: ProsodyServer, peer: TestAccount, me: str, xdg: XdgDirs) -> list[Any]:
    """Bob says hello and reacts to nothing yet; then the commands run while he listens."""
    seen: list[Any] = []
    async with Peer.connect(server, peer.jid, peer.password) as bob:
        bob.client.register_handler(
            Callback("all", MatchXPath("{jabber:client}message"), seen.append)
        )
        first = bob.send(me, "hello from bob")
        await bob.client.plugin["xep_0199"].ping(timeout=30)
        assert tuichat(xdg, "sync").returncode == 0
        assert tuichat(xdg, "send", peer.jid, "hi bob").returncode == 0
        rows = history(xdg, peer.jid)
        theirs, mine = rows[0], rows[1]
        assert theirs["id"] == first and theirs["edited"] is False and theirs["reply_to"] is None
        loop = asyncio.get_running_loop()

        def run(*args: str) -> None:
            result = tuichat(xdg, *args)
            assert result.returncode == 0, result.stderr

        await loop.run_in_executor(None, run, "react", peer.jid, "--", first, "👍", "🎉")
        await loop.run_in_executor(None, run, "correct", peer.jid, "hi there bob")
        await loop.run_in_executor(None, run, "send", f"--reply-to={first}", peer.jid, "yes!")
        send_with(bob, me, "", el("reactions", NS_REACTIONS, ("❤️",), id=mine["id"]))
        await bob.client.plugin["xep_0199"].ping(timeout=30)
        await loop.run_in_executor(None, run, "sync")
        await loop.run_in_executor(None, run, "retract", peer.jid, "--", mine["id"])
        await asyncio.sleep(0.5)
        missing = tuichat(xdg, "retract", peer.jid, "no-such-id")
        assert missing.returncode == 1 and "no message 'no-such-id'" in missing.stderr
    return seen


def test_react_correct_reply_retract_from_the_command_line(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    me, peer = account("cliact"), account("clibob")
    add_account(xdg, prosody, me.jid, me.password)
    seen = asyncio.run(_with_peer(prosody, peer, me.jid, xdg))
    rows = history(xdg, peer.jid)
    theirs, mine, reply = rows
    assert theirs["reactions"] == {"👍": [me.jid], "🎉": [me.jid]}
    assert mine["retracted"] is True and mine["body"] == "" and mine["reactions"] == {}
    assert reply["body"] == "yes!" and reply["reply_to"] == theirs["id"]
    corrections = [s for s in seen if s["replace"]["id"]]
    assert [s["body"] for s in corrections] == ["hi there bob"]
    assert any(s.xml.find("{urn:xmpp:message-retract:1}retract") is not None for s in seen)
    assert tuichat(xdg, "search", "bob", "--json").stdout.count("hi there") == 0


async def _in_room(server: ProsodyServer, peer: TestAccount, room: str, xdg: XdgDirs) -> list[Any]:
    seen: list[Any] = []
    loop = asyncio.get_running_loop()

    def run(*args: str) -> str:
        result = tuichat(xdg, *args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    async with Peer.connect(server, peer.jid, peer.password) as bob:
        await bob.join_room(room, "Bob")  # creates it
        await loop.run_in_executor(None, run, "send", f"{room}/Me", "first in the room")
        bob.client.register_handler(
            Callback("all", MatchXPath("{jabber:client}message"), seen.append)
        )
        [mine] = history(xdg, room)
        assert mine["id"] == mine["stanza_id"] and mine["id"]  # a room names it by stanza-id
        await loop.run_in_executor(None, run, "react", room, "--", mine["id"], "👍")
        reply_to = f"--reply-to={mine['id']}"  # an id may start with "-"
        await loop.run_in_executor(None, run, "send", reply_to, room, "and more")
        await asyncio.sleep(0.5)
    return seen


def test_react_and_reply_in_a_room_from_the_command_line(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    me, peer = account("cliroom"), account("clipeer")
    add_account(xdg, prosody, me.jid, me.password)
    room = f"cliroom-{me.jid.split('@')[0]}@{prosody.muc_domain}"
    seen = asyncio.run(_in_room(prosody, peer, room, xdg))
    reactions = [s.xml.find(f"{{{NS_REACTIONS}}}reactions") for s in seen]
    [given] = [r for r in reactions if r is not None]
    first = history(xdg, room)[0]
    assert given.get("id") == first["id"] and first["reactions"] == {"👍": [me.jid]}
    replies = [s for s in seen if s.xml.find("{urn:xmpp:reply:0}reply") is not None]
    assert [s["body"].splitlines()[-1] for s in replies] == ["and more"]
    assert history(xdg, room)[-1]["reply_to"] == first["id"]


def _point_at(xdg: XdgDirs, old: int, new: int) -> None:
    """Move the account to another port (a server gone away, then back)."""
    path = config_file(xdg)
    text = path.read_text(encoding="utf-8")
    assert f"port = {old}" in text
    path.write_text(text.replace(f"port = {old}", f"port = {new}"), encoding="utf-8")


async def _react_offline(
    server: ProsodyServer, peer: TestAccount, me: str, xdg: XdgDirs
) -> list[Any]:
    seen: list[Any] = []
    loop = asyncio.get_running_loop()
    async with Peer.connect(server, peer.jid, peer.password) as bob:
        bob.client.register_handler(
            Callback("all", MatchXPath("{jabber:client}message"), seen.append)
        )
        first = bob.send(me, "react to me later")
        await bob.client.plugin["xep_0199"].ping(timeout=30)
        synced = await loop.run_in_executor(None, tuichat, xdg, "sync")
        assert synced.returncode == 0, synced.stderr
        [dead] = free_ports(1)
        _point_at(xdg, server.starttls_port, dead)
        offline = await loop.run_in_executor(
            None, tuichat, xdg, "react", "--timeout", "5", peer.jid, "--", first, "👍"
        )
        sent = await loop.run_in_executor(
            None, tuichat, xdg, "send", peer.jid, "and this", "--timeout", "5"
        )
        # Exactly as `send` says it (the same words), and shown at once.
        assert offline.returncode == sent.returncode == 1
        assert offline.stderr.startswith("tuichat: not sent: ")
        assert offline.stderr.endswith("; kept in the outbox for the next run\n")
        assert offline.stderr.splitlines()[0].split(":")[0:2] == sent.stderr.split(":")[0:2]
        assert "Traceback" not in offline.stderr
        assert history(xdg, peer.jid)[0]["reactions"] == {"👍": [me]}
        assert not any(s.xml.find(f"{{{NS_REACTIONS}}}reactions") is not None for s in seen)
        _point_at(xdg, dead, server.starttls_port)
        for _run in range(2):  # the next run sends it; the one after has nothing to send
            synced = await loop.run_in_executor(None, tuichat, xdg, "sync")
            assert synced.returncode == 0, synced.stderr
        await bob.client.plugin["xep_0199"].ping(timeout=30)
        await asyncio.sleep(0.5)
    return [s for s in seen if s.xml.find(f"{{{NS_REACTIONS}}}reactions") is not None]


def test_react_offline_is_kept_like_send_and_goes_out_once_on_the_next_run(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    me, peer = account("clioff"), account("clioffbob")
    add_account(xdg, prosody, me.jid, me.password)
    [reaction] = asyncio.run(_react_offline(prosody, peer, me.jid, xdg))
    given = reaction.xml.find(f"{{{NS_REACTIONS}}}reactions")
    assert [r.text for r in given] == ["👍"]
    assert history(xdg, peer.jid)[0]["reactions"] == {"👍": [me.jid]}
