"""Pilot test of the real app in an IRC channel through biboumi (real Prosody, ngircd).

The user types ``/join #channel%IRCHOST@biboumi…/nick`` in the composer, talks with a plain
socket IRC client in the channel, and sees an IRC contact labelled with its network.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from tests.harness.gateway import IrcGateway, IrcUser
from tests.harness.prosody import TestAccount
from tests.ui.helpers import log_text, main_screen, roster_text
from tests.ui.test_live_prosody import live_app, until


async def test_talk_in_an_irc_channel_from_the_app(tmp_path: Path, irc_gateway: IrcGateway) -> None:
    """/join an IRC channel, the IRC user's line shows in the log once, ours reaches IRC once
    and is acked by the channel's echo; an IRC contact is labelled ‹irc› in the roster, and so
    is the IRC server that speaks to us through the gateway (its notices)."""
    me = TestAccount(*irc_gateway.server.new_account("ircapp"))
    channel = f"#ui{secrets.token_hex(3)}"
    room = irc_gateway.channel_jid(channel)
    irc = await IrcUser.connect(irc_gateway.irc.address, "ircnora")
    try:
        await irc.join(channel)
        async with live_app(tmp_path, irc_gateway.server, me) as live:
            pilot = live.pilot
            screen = main_screen(pilot)
            await live.line(f"/join {room}/hugo")
            await until(pilot, lambda: screen.convs.current == (me.jid, room), what="room view")

            irc.say(channel, "hello from nora on irc")
            await until(pilot, lambda: "hello from nora on irc" in log_text(pilot), what="IRC")
            await live.line("hi nora, from the app")
            seen = await irc.wait_privmsg("hi nora, from the app")
            assert (seen.nick, seen.target) == ("hugo", channel)
            await until(
                pilot, lambda: "hi nora, from the app ✓" in log_text(pilot), what="acked by echo"
            )
            assert log_text(pilot).count("hello from nora on irc") == 1
            assert log_text(pilot).count("hi nora, from the app") == 1

            nora = f"ircnora%{irc_gateway.irc.address}@{irc_gateway.biboumi.domain}"
            await live.line(f"/add {nora} Nora")
            await pilot.press("ctrl+o")  # no presence from an IRC user yet: show the offline
            await until(pilot, lambda: "Nora ‹irc›" in roster_text(pilot), what="the label")
            server_line = [line for line in roster_text(pilot).splitlines() if "Nora" not in line]
            assert any(irc_gateway.irc.address[:8] in x and "‹irc›" in x for x in server_line)
    finally:
        await irc.close()
    assert [p.text for p in irc.privmsgs] == ["hi nora, from the app"]
