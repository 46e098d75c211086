"""Pilot and snapshot tests of files in the log: the file line (name, size, type; the address a
link only when it is https), and ``f`` on a selected message: save, save and open (with
``$TUICHAT_OPENER``), a hostile address refused in words."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.harness import XdgDirs
from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME, incoming
from tests.ui.helpers import log_text, main_screen, settle
from tests.ui.snapshot_app import make_app
from tests.ui.test_commands import inline_error
from tuichat.files import Attachment, received
from tuichat.store import Store
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.message_log import MessageLog

CAT = Attachment("https://upload.example.org/slot/cat.png", "cat.png", 50_000, "image/png")
EVIL = "javascript:alert(1)"


def add_files(store: Store) -> None:
    """Alice sends a picture (body = its address) and a hostile 'file'."""
    evil = received(EVIL)
    assert evil is not None
    store.save_messages(
        [
            replace(incoming(ALICE, CAT.url, 7), attachments=(CAT,)),
            replace(incoming(ALICE, "look at this", 8), attachments=(evil,)),
        ]
    )


def links(pilot: Pilot[None]) -> set[str]:
    log = main_screen(pilot).query_one(MessageLog)
    return {seg.style.link for strip in log._lines for seg in strip if seg.style and seg.style.link}


async def open_alice(pilot: Pilot[None]) -> None:
    main_screen(pilot).open_conversation((ME, ALICE))
    await settle(pilot)


async def test_the_file_line_links_https_only_and_shows_the_address_once(ui: UI) -> None:
    add_files(ui.store)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot)
        text = log_text(pilot)
        assert "📎 cat.png (50.0 KB, image/png)" in text, text[-800:]
        assert text.count(CAT.url) == 1  # the body is the address: the file line alone
        assert "look at this" in text and f"📎 file {EVIL}" in text
        assert CAT.url in links(pilot)
        assert not any(link.startswith("javascript") for link in links(pilot))


async def test_control_characters_in_an_address_are_shown_as_placeholders_never_linked(
    ui: UI,
) -> None:
    """A C1 control (CSI) in an https address: shown as a visible placeholder, not a link."""
    hostile = received("https://upload.example.org/a\x9b31mred.png")
    assert hostile is not None
    ui.store.save_message(replace(incoming(ALICE, "see", 9), attachments=(hostile,)))
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot)
        text = log_text(pilot)
        assert "\x9b" not in text and "31mred.png" in text
        assert not any("upload.example.org/a" in link for link in links(pilot))


async def test_f_saves_and_opens_a_file_with_tuichat_opener(
    ui: UI, xdg: XdgDirs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Save and open: the file lands in ~/Downloads, the opener gets its path as one argument;
    saving again never overwrites (``cat (1).png``)."""
    record = tmp_path / "opened"
    script = tmp_path / "opener.py"
    script.write_text(f"import sys\nopen({str(record)!r}, 'w').write(repr(sys.argv[1:]))\n")
    monkeypatch.setenv("TUICHAT_OPENER", f"{sys.executable} {script}")
    add_files(ui.store)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot)
        await pilot.press("alt+up", "up", "f")  # the picture (the newest is the hostile one)
        await settle(pilot)
        await pilot.press("down", "enter")  # "Save and open cat.png"
        saved = xdg.home / "Downloads" / "cat.png"
        for _ in range(100):
            if record.exists():
                break
            await pilot.pause(0.05)
        assert record.read_text() == repr([str(saved)])
        assert saved.read_bytes() == b"fetched"
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("enter")  # "Save to Downloads: cat.png"
        await pilot.pause(0.3)
        assert (xdg.home / "Downloads" / "cat (1).png").read_bytes() == b"fetched"
        assert saved.read_bytes() == b"fetched"


async def test_f_on_a_hostile_address_says_it_is_not_fetched(ui: UI, xdg: XdgDirs) -> None:
    add_files(ui.store)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot)
        await pilot.press("alt+up", "f")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert "could not save file: file is not offered over https" in inline_error(pilot)
        assert not (xdg.home / "Downloads").exists()


async def test_f_without_files_says_so(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot)
        await pilot.press("alt+up", "f")
        await settle(pilot)
        assert ui.client.called("save_file") == []
        assert main_screen(pilot).query_one(MessageLog).has_focus  # no dialog opened


def test_file_lines_snapshot(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """80x24: a picture (its address once, as a link) and a hostile address as plain text."""
    app = make_app("dark", tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        add_files(screen.ctx.store)
        screen.open_conversation((ME, ALICE))
        await settle(pilot)
        screen.query_one(Composer).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
