"""Pilot tests: a search hit opens its conversation at the message, not at the newest page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.ui.conftest import UI, make_ui
from tests.ui.fakes import ME, T0
from tests.ui.helpers import main_screen
from tuichat.model import Direction, Message
from tuichat.ui.widgets.message_log import MessageLog

PEER = "historian@example.test"


async def test_search_hit_is_shown_marked_in_its_conversation(tmp_path: Path) -> None:
    """/search finds an old message; Enter shows the page around it with the hit in view."""
    ui = make_ui(tmp_path)
    base = T0 - timedelta(days=30)
    messages = [
        Message(
            ME,
            PEER,
            Direction.IN,
            f"{PEER}/r",
            f"filler line number {i}",
            base + timedelta(minutes=i),
            stanza_id=f"h{i}",
        )
        for i in range(600)
    ]
    messages[37] = Message(ME, PEER, Direction.IN, f"{PEER}/r", "the zanzibar treaty",
                           base + timedelta(minutes=37), stanza_id="h37")  # fmt: skip
    ui.store.save_messages(messages)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        composer = screen.view.composer
        composer.focus()
        composer.set_text("/search zanzibar")
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert screen.convs.current == (ME, PEER)
        log = screen.query_one(MessageLog)
        hit = next(m for m in log.messages if m.body == "the zanzibar treaty")
        assert log.highlight_id == hit.id
        assert log.messages[-1].body != "filler line number 599"  # not the newest page
        index = log.messages.index(hit)
        top = int(log.scroll_y)
        assert top <= log._starts[index] < top + log.scrollable_content_region.height


async def test_down_and_up_move_the_search_highlight_from_the_input(ui: UI) -> None:
    """The pickers share Up/Down (their base's bindings): the highlight moves, the input keeps
    the focus."""
    from textual.widgets import Input, OptionList

    from tuichat.ui.dialogs.search import SearchScreen

    async with ui.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, SearchScreen)
        screen.query_one(Input).value = "a"
        for _ in range(50):
            await pilot.pause(0.05)
            if screen.query_one(OptionList).option_count > 1:
                break
        results = screen.query_one(OptionList)
        assert results.option_count > 1 and results.highlighted == 0
        await pilot.press("down")
        assert results.highlighted == 1
        await pilot.press("up")
        assert results.highlighted == 0
        assert isinstance(pilot.app.focused, Input)
