"""Pilot tests of how a room's messages and notices look in the log: marks, labels, wrapping."""

from __future__ import annotations

from pathlib import Path

from tests.ui.helpers import log_text
from tests.ui.test_rooms import room_ui


def line_with(text: str, lines: str) -> str:
    """The one log line that holds ``text``."""
    [line] = [line for line in lines.splitlines() if text in line]
    return line


async def test_mention_marker_is_apart_from_the_time_and_keeps_the_body_aligned(
    tmp_path: Path,
) -> None:
    """The "@" of a mention stands after the time's space, inside the nick column."""
    async with room_ui(tmp_path, size=(80, 24)) as r:
        lines = log_text(r.pilot)
        mention = line_with("mia: can you post", lines)
        plain = line_with("Morning all", lines)
        assert mention.startswith("09:06 @carl ")
        assert mention.index("mia: can") == plain.index("Morning all")
