"""Pilot and snapshot tests of /upload: the file picker, progress and speed in the status bar,
cancel, and the file shared when it is up (encrypted files: ``test_encrypted_files_ui.py``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME
from tests.ui.helpers import main_screen
from tests.ui.snapshot_app import make_app
from tests.ui.test_commands import inline_error, run_line
from tests.ui.test_snapshots import steady
from tuichat.events import UploadProgressed
from tuichat.files import Attachment, UploadState
from tuichat.ui.dialogs.file_picker import FilePicker
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.status_bar import StatusBar, upload_words

URL = "https://upload.example.org/abc/notes.txt"


def status(pilot: Pilot[None]) -> str:
    return str(main_screen(pilot).query_one(StatusBar).render())


def test_upload_words_tell_progress_and_speed() -> None:
    assert upload_words("a.jpg", 0, 2_000_000, 0.0) == "a.jpg 0%"
    assert upload_words("a.jpg", 1_000_000, 2_000_000, 2.0) == "a.jpg 50% 500.0 KB/s"
    assert upload_words("empty", 0, 0, 1.0) == "empty"


async def test_upload_shows_progress_then_shares_the_file(ui: UI) -> None:
    ui.client.uploads["/tmp/notes.txt"] = Attachment(URL, "notes.txt", 4000, "text/plain")
    ui.client.upload_gate = asyncio.Event()
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/msg {ALICE}")
        await run_line(pilot, "/upload /tmp/notes.txt")
        await pilot.pause(0.2)
        assert "↑ notes.txt 50% 2.0 KB/s" in status(pilot)
        ui.client.upload_gate.set()
        await pilot.pause(0.3)
        assert "↑" not in status(pilot)
        assert ui.client.called("share_file")[-1] == ("share_file", ME, ALICE, URL)


async def test_upload_cancel_stops_it_and_sends_nothing(ui: UI) -> None:
    ui.client.uploads["/tmp/big.iso"] = Attachment(URL, "big.iso", 4_000_000_000)
    ui.client.upload_gate = asyncio.Event()
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/msg {ALICE}")
        await run_line(pilot, "/upload /tmp/big.iso")
        await pilot.pause(0.2)
        assert "↑ big.iso" in status(pilot)
        await run_line(pilot, "/upload cancel")
        await pilot.pause(0.3)
        assert "↑" not in status(pilot)
        assert ui.client.called("share_file") == []
        toasts = [str(n.message) for n in pilot.app._notifications]
        assert "upload of big.iso cancelled" in toasts


async def test_a_failed_upload_says_why(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/msg {ALICE}")
        await run_line(pilot, "/upload /nowhere/x.txt")
        await pilot.pause(0.3)
        assert "No such file" in inline_error(pilot)
        assert ui.client.called("share_file") == []


async def test_upload_without_a_path_opens_the_file_picker(ui: UI, tmp_path: Path) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/msg {ALICE}")
        await run_line(pilot, "/upload")
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, FilePicker)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not isinstance(pilot.app.screen, FilePicker)
        assert ui.client.called("upload_file") == []


def test_upload_progress_snapshot(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """80x24: an upload at 37% with its speed in the status bar."""
    app = make_app("dark", tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        event = UploadProgressed(
            ME, "u1", "holiday.jpg", 1_850_000, 5_000_000, 1.5, UploadState.UPLOADING
        )
        app.ctx.client.bus.publish(event)
        await steady(pilot)
        screen.query_one(Composer).cursor_blink = False

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
