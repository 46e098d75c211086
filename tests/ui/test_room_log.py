"""Pilot tests of how a room's messages and notices look in the log: marks, labels, wrapping."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.ui.fakes import ALICE, ME, T0
from tests.ui.helpers import log_text, main_screen
from tests.ui.room_app import NICK, ROOM, room_message
from tests.ui.test_rooms import room_ui
from tuichat import events as ev


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


async def test_nick_change_keeps_earlier_labels_and_mentions(tmp_path: Path) -> None:
    """After /nick, earlier messages keep what they had: our own keep the nick we sent them
    with, mentions of the old nick stay marked, and an old message naming the new nick is not
    marked, even after a re-layout and after reopening the room; new mentions are marked."""
    async with room_ui(tmp_path, size=(80, 24)) as r:
        bus, store, screen = r.client.bus, r.client.store, main_screen(r.pilot)
        early = store.save_message(room_message("Bea", "selma joins us next week", 10))
        assert early is not None
        bus.publish(ev.MessageReceived(ME, early))
        await r.pilot.pause()
        r.clock.now = T0 + timedelta(minutes=11)
        bus.publish(ev.NickChanged(ME, ROOM, NICK, "selma", own=True))
        await r.pilot.pause()
        late = store.save_message(room_message("Olga", "selma: welcome back", 12))
        assert late is not None
        bus.publish(ev.MessageReceived(ME, late))
        await r.pilot.pause()

        async def check() -> None:
            lines = log_text(r.pilot)
            assert line_with("Sounds good", lines).startswith(f"09:04 {NICK} ")
            assert line_with("mia: can you post", lines).startswith("09:06 @carl ")
            assert line_with("selma joins", lines).startswith("09:10 Bea ")
            assert line_with("selma: welcome", lines).startswith("09:12 @Olga ")

        await check()
        await r.pilot.resize_terminal(81, 24)  # every line laid out again
        await r.pilot.pause(0.1)
        await check()
        screen.open_conversation((ME, ALICE))
        await r.pilot.pause()
        screen.open_conversation((ME, ROOM))
        await r.pilot.pause()
        await check()


async def test_long_notice_wraps_instead_of_being_cut(tmp_path: Path) -> None:
    """A notice longer than the log is wide (a kick's reason) is read whole, wrapped under
    its own text."""
    reason = "off to the quarterly planning meeting, back after lunch"
    async with room_ui(tmp_path, size=(80, 24)) as r:
        r.clock.now = T0 + timedelta(minutes=12)
        r.client.bus.publish(ev.OccupantLeft(ME, ROOM, "carl", reason))
        await r.pilot.pause()
        lines = log_text(r.pilot).splitlines()
        start = next(i for i, line in enumerate(lines) if "carl left" in line)
        column = lines[start].index("←")
        words = [lines[start][column:].strip()]
        words += [line[column:].strip() for line in lines[start + 1 :] if not line[:column].strip()]
        assert "…" not in lines[start]
        assert reason in " ".join(words)
