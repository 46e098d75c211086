"""Snapshot tests of the accounts, roster and conversation views, per shipped theme and size.

Data and time are pinned (FakeClient, fixed UTC timestamps), so the SVGs are stable.
Update on purpose with ``pytest tests/ui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.ui.fakes import ALICE, ME
from tests.ui.helpers import main_screen, settle
from tests.ui.snapshot_app import make_app
from tuichat.ui.widgets.composer import Composer

THEMES = ["dark", "light", "high-contrast"]
SIZES = [(80, 24), (120, 40)]


async def steady(pilot: Pilot[None]) -> None:
    """No blinking cursor (the composer's, the roster filter's), roster rebuilt, no animation
    left. A blinking cursor would show or not by how long the steps before took."""
    await settle(pilot)
    screen = main_screen(pilot)
    screen.query_one(Composer).cursor_blink = False
    for box in screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES)
def test_conversation_view(snap_compare, tmp_path: Path, theme: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    """The main screen with Alice's conversation: day separator, own/acked, wide chars."""

    async def run_before(pilot: Pilot[None]) -> None:
        main_screen(pilot).open_conversation((ME, ALICE))
        main_screen(pilot).query_one(Composer).set_text("draft in progress")
        await steady(pilot)

    assert snap_compare(make_app(theme, tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES)
def test_roster_view(snap_compare, tmp_path: Path, theme: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    """The roster with offline contacts unfolded, presence symbols, notes and unread."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+o")
        await pilot.press("ctrl+f")
        await steady(pilot)

    assert snap_compare(make_app(theme, tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES)
def test_accounts_view(snap_compare, tmp_path: Path, theme: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    """The Accounts screen: one connected account, one that failed to authenticate."""

    async def run_before(pilot: Pilot[None]) -> None:
        await steady(pilot)
        await pilot.press("f4")
        await pilot.pause(0.1)

    app = make_app(theme, tmp_path, accounts=(ME, "work@corp.example"))
    assert snap_compare(app, terminal_size=size, run_before=run_before)
