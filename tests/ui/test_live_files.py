"""Pilot test of files in the whole app against the real Prosody: a peer's file message
(XEP-0066, an https address on the server's mod_http_file_share) shows its file line live,
and ``f`` on it saves the very bytes into ~/Downloads over https with the test CA; a
contact's picture is drawn in the log."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rich.color import ColorSystem

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer
from tests.pngs import rgb_png
from tests.ui.helpers import log_text, main_screen
from tests.ui.test_live_prosody import MakeAccount, befriend, live_app, until


async def test_a_peers_file_shows_live_and_f_saves_it(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount, xdg: XdgDirs
) -> None:
    me, bob = account("me"), account("bob")
    data = os.urandom(40_000)
    source = tmp_path / "plan.pdf"
    source.write_bytes(data)
    saved = xdg.home / "Downloads" / "plan.pdf"
    async with Peer.connect(prosody, bob.jid, bob.password) as pb:
        await befriend(prosody, me, pb, "Bob")
        async with live_app(tmp_path, prosody, me) as live:
            pilot = live.pilot
            url = (await live.manager.upload_file(me.jid, str(source))).url
            main_screen(pilot).open_conversation((me.jid, bob.jid))
            await pilot.pause()
            pb.send(me.jid, url, oob_urls=(url,))
            shown = "📎 plan.pdf (application/pdf)"
            await until(pilot, lambda: shown in log_text(pilot), what="the file line")
            assert log_text(pilot).count(url) == 1  # the body is the address: shown once
            await pilot.press("alt+up", "f")
            await pilot.pause(0.2)
            await pilot.press("enter")  # "Save to Downloads: plan.pdf"
            await until(
                pilot,
                lambda: saved.exists() and saved.stat().st_size == len(data),
                what="the saved file",
            )
            assert saved.read_bytes() == data


async def test_a_contacts_picture_is_drawn_in_the_log_live(
    tmp_path: Path,
    prosody: ProsodyServer,
    account: MakeAccount,
    xdg: XdgDirs,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bob (a contact) shares a PNG on the server: the log draws it in half blocks under its
    file line, fetched over https with the test CA into the private cache."""
    monkeypatch.setenv("TUICHAT_PICTURES", "blocks")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg.home / "cache"))
    me, bob = account("me"), account("bob")
    source = tmp_path / "flag.png"
    source.write_bytes(rgb_png([[(250, 0, 0)] * 8 + [(0, 0, 250)] * 8] * 8))
    async with Peer.connect(prosody, bob.jid, bob.password) as pb:
        await befriend(prosody, me, pb, "Bob")
        async with live_app(tmp_path, prosody, me) as live:
            pilot = live.pilot
            pilot.app.console._color_system = ColorSystem.TRUECOLOR  # TERM=xterm in tests: 16
            url = (await live.manager.upload_file(me.jid, str(source))).url
            main_screen(pilot).open_conversation((me.jid, bob.jid))
            await pilot.pause()
            pb.send(me.jid, url, oob_urls=(url,))
            await until(
                pilot,
                lambda: sum("▀" in line for line in log_text(pilot).splitlines()) == 4,
                what="the picture drawn",
            )
            assert "📎 flag.png (image/png)" in log_text(pilot)
            assert list((xdg.home / "cache" / "tuichat" / "pictures").iterdir())
