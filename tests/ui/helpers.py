"""Provides small helpers for Pilot tests: reading the main screen's state and text."""

from __future__ import annotations

from textual.pilot import Pilot

from tuichat.ui.key_bar import SEPARATOR, KeyBar
from tuichat.ui.screens.main import MainScreen
from tuichat.ui.widgets.message_log import MessageLog
from tuichat.ui.widgets.roster_list import RosterList
from tuichat.ui.widgets.status_bar import StatusBar


def main_screen(pilot: Pilot[None]) -> MainScreen:
    """The main screen (wherever it is in the stack)."""
    for screen in pilot.app.screen_stack:
        if isinstance(screen, MainScreen):
            return screen
    raise AssertionError("no main screen")


def log_text(pilot: Pilot[None]) -> str:
    """Every laid-out line of the message log, as plain text."""
    log = main_screen(pilot).query_one(MessageLog)
    return "\n".join(strip.text for strip in log._lines)


def roster_text(pilot: Pilot[None]) -> str:
    """Every roster option's prompt, as plain text."""
    roster = main_screen(pilot).query_one(RosterList)
    lines = []
    for index in range(roster.option_count):
        prompt = roster.get_option_at_index(index).prompt
        lines.append(getattr(prompt, "plain", str(prompt)))
    return "\n".join(lines)


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Type ``text`` key by key (spaces and punctuation included)."""
    names = {" ": "space", "/": "slash", "@": "at", ".": "full_stop", "[": "left_square_bracket"}
    for ch in text:
        await pilot.press(names.get(ch, ch))


async def settle(pilot: Pilot[None], timeout: float = 3.0) -> None:
    """Wait until the screen's coalesced roster rebuild has run and the log has laid out all
    of its page, not only the newest screenful (no fixed sleeps)."""
    screen = main_screen(pilot)
    log = screen.query_one(MessageLog)
    waited = 0.0
    await pilot.pause()
    while (screen._roster_timer is not None or log._tail_only) and waited < timeout:
        await pilot.pause(0.02)
        waited += 0.02
    await pilot.pause()


async def received(
    pilot: Pilot[None], key: tuple[str, str], unread: int, timeout: float = 5.0
) -> None:
    """Wait until the conversation ``key`` counts ``unread`` messages: a received message is
    shown by a batch after a frame, which a fixed pause may miss on a loaded machine."""
    waited = 0.0
    while main_screen(pilot).convs.unread.get(key) != unread and waited < timeout:
        await pilot.pause(0.02)
        waited += 0.02


def status_text(pilot: Pilot[None]) -> str:
    """The status bar line, as plain text."""
    return str(main_screen(pilot).query_one(StatusBar).render())


def assert_hints_whole(bar: KeyBar, *, wanted: tuple[str, ...] | None = None) -> None:
    """The key bar shows its hints whole (`` key description ``), left of the command
    palette's key, from the first on; ``wanted``: descriptions that must be among them
    (None: every hint)."""
    hints, palette = bar.hints()
    assert palette is not None
    line = str(bar.render())
    left, separator, right = line.rpartition(SEPARATOR)
    assert separator and f"{palette.display} {palette.description}" in right, line
    shown = [h for h in hints if f" {h.display} {h.description} " in left + " "]
    assert shown and shown == hints[: len(shown)], (hints, line)
    if wanted is None:
        assert shown == hints, line
    assert set(wanted or ()) <= {hint.description for hint in shown}, (wanted, line)
    cut = left.rstrip().rsplit("  ", 1)[-1].strip()
    assert any(cut == f"{h.display} {h.description}" for h in shown), (cut, line)
