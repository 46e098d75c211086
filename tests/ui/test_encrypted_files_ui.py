"""Pilot and snapshot tests of encrypted files (XEP-0454) on the screen: ``/upload`` in an
OMEMO conversation asks for an encrypted upload and shares its ``aesgcm://`` link; the log's
file line says "encrypted" and never shows the link (no OSC 8 target, no text with the key);
``f`` offers to save it (fetched from its https address)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.pilot import Pilot

from tests.harness import XdgDirs
from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME, incoming
from tests.ui.helpers import log_text, main_screen, settle
from tests.ui.snapshot_app import make_app
from tests.ui.test_commands import run_line
from tests.ui.test_files_ui import links
from tuichat.file_crypto import AesgcmKey, aesgcm_url
from tuichat.files import Attachment, encrypted_file
from tuichat.model import Encryption
from tuichat.store import Store
from tuichat.ui.widgets.composer import Composer

LINK = aesgcm_url("https://upload.example.org/slot/secret%20plan.pdf", AesgcmKey.new())
KEY = LINK.partition("#")[2]


def add_encrypted_file(store: Store) -> None:
    """Alice sends an encrypted file: a decrypted OMEMO message whose text is its link."""
    shared = encrypted_file(LINK)
    assert shared is not None
    message = replace(incoming(ALICE, LINK, 7), encryption=Encryption.OMEMO, attachments=(shared,))
    store.save_message(message)


async def test_upload_in_an_encrypted_conversation_encrypts_and_shares_the_link(ui: UI) -> None:
    ui.client.encryptions[(ME, ALICE)] = Encryption.OMEMO
    ui.client.uploads["/tmp/notes.txt"] = Attachment(LINK, "notes.txt", 4000)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/msg {ALICE}")
        await run_line(pilot, "/upload /tmp/notes.txt")
        await pilot.pause(0.3)
        assert ui.client.called("upload_file") == [("upload_file", ME, "/tmp/notes.txt", True)]
        assert ui.client.called("share_file")[-1] == ("share_file", ME, ALICE, LINK)
        await settle(pilot)
        text = log_text(pilot)
        assert "notes.txt" in text and "encrypted" in text
        assert KEY not in text and "aesgcm" not in text
        assert not any(link.startswith("aesgcm") for link in links(pilot))


async def test_a_received_encrypted_file_shows_no_link_and_f_saves_it(ui: UI, xdg: XdgDirs) -> None:
    add_encrypted_file(ui.store)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await settle(pilot)
        text = log_text(pilot)
        assert "📎 secret plan.pdf (application/pdf) 🔒 encrypted" in text, text[-600:]
        assert KEY not in text and "aesgcm" not in text.lower()
        assert links(pilot) == set()
        svg = pilot.app.export_screenshot()
        assert "encrypted" in svg and "aesgcm" not in svg.lower() and KEY not in svg
        await pilot.press("alt+up", "f")
        await settle(pilot)
        await pilot.press("enter")  # "Save to Downloads: secret plan.pdf"
        await pilot.pause(0.3)
        assert ui.client.called("save_file") == [("save_file", ME, LINK)]
        assert (xdg.home / "Downloads" / "secret plan.pdf").read_bytes() == b"fetched"


async def test_copy_and_open_links_never_hand_out_the_key(ui: UI) -> None:
    """``c`` copies the file in words (the clipboard goes through the terminal); ``o`` finds
    no link to open."""
    add_encrypted_file(ui.store)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await settle(pilot)
        await pilot.press("alt+up", "c")
        await settle(pilot)
        assert pilot.app.clipboard == "📎 secret plan.pdf (encrypted file)"
        await pilot.press("alt+up", "o")
        await settle(pilot)
        toasts = [str(n.message) for n in pilot.app._notifications]
        assert "no link in this message" in toasts


def test_encrypted_file_line_snapshot(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """80x24: an encrypted file's line: name, type, "encrypted"; no link, no key."""
    app = make_app("dark", tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        add_encrypted_file(screen.ctx.store)
        screen.open_conversation((ME, ALICE))
        await settle(pilot)
        screen.query_one(Composer).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
