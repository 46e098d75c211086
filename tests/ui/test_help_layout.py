"""Pilot tests of the help screen's layout at the smallest supported terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from textual.widgets import Static

from tests.ui.conftest import UI
from tuichat.ui.screens.help import EXTRA_KEYS, MESSAGE_MARKS, HelpScreen


async def test_help_keys_and_titles_are_whole_at_80_columns(ui: UI) -> None:
    """No key or command title is cut ("Ctrl+J / Alt+E…"): the words column wraps instead."""
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        table_widget = pilot.app.screen.query_one("#help-table", Static)
        table = table_widget.content
        assert isinstance(table, Table)
        console = Console(width=table_widget.content_region.width, record=True)
        console.print(table)
        shown = console.export_text()
        assert "…" not in shown.replace("1…9", "")
        for keys, _what in (*EXTRA_KEYS, *MESSAGE_MARKS):
            assert keys in shown
        assert "on their device" in " ".join(shown.split())  # our messages' marks, in words
        for command in ui.app.ctx.registry.commands:
            if not command.name.startswith("switch_"):
                assert command.title in shown
