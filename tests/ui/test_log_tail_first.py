"""The message log lays out the newest screenful first, the rest after that frame."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult

from tests.ui.fakes import ALICE, incoming
from tuichat.ui.widgets.message_log import MessageLog

MESSAGES = [replace(incoming(ALICE, f"message {i}", i), id=i + 1) for i in range(300)]


class LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MessageLog()


async def test_a_long_conversation_shows_its_newest_lines_before_laying_out_the_rest() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(MessageLog)
        await pilot.pause()
        log.set_messages(MESSAGES, has_more=False)
        first = [s.text.rstrip() for s in log._lines]
        # Only the newest screenful and a little more: the 300 messages are 300+ lines.
        assert log.size.height < len(first) < 40
        assert first[-1].endswith("message 299")
        await pilot.pause()
        await pilot.pause()
        every = [s.text.rstrip() for s in log._lines]
        assert "beginning of the conversation" in every[0]
        assert len(every) > 300
        assert every[-len(first) + 1 :] == first[1:]  # the same newest lines (bar a day line)
        assert log.scroll_y == log.max_scroll_y  # still at the newest line


async def test_a_conversation_opened_away_from_its_end_is_laid_out_whole_at_once() -> None:
    """A search hit is shown in the middle: nothing is left for later."""
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(MessageLog)
        await pilot.pause()
        log.show_around(MESSAGES, 150)
        assert len(log._lines) > 300


async def test_a_long_conversation_is_wrapped_for_its_scrollbar_once_not_when_it_comes() -> None:
    """More messages than lines in view: the scrollbar will come, so the lines are wrapped
    without its column at once; its coming does not wrap them all again."""
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(MessageLog)
        await pilot.pause()
        width = log.scrollable_content_region.width
        laid: list[int] = []
        relayout = log._relayout

        def counted() -> None:
            relayout()
            laid.append(log._width)

        log._relayout = counted  # type: ignore[method-assign]
        log.set_messages(MESSAGES, has_more=False)
        for _ in range(4):
            await pilot.pause()
        assert log.show_vertical_scrollbar
        assert laid == [width - 1, width - 1]  # the newest screenful, then the rest
        assert log.scrollable_content_region.width == width - 1


async def test_the_rest_waits_for_the_end_of_textuals_batch_as_at_start_up() -> None:
    """Textual holds its first frame until the refresh callbacks of its start-up batch have
    run: laying out the whole page there delayed that frame (~25 ms for a page of a
    1,000,000-message chat). While a batch is open the rest waits; it follows the frame."""
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(MessageLog)
        await pilot.pause()
        with app.batch_update():
            log.set_messages(MESSAGES, has_more=False)
            for _ in range(4):
                await pilot.pause()
            assert log._tail_only and len(log._lines) < 40  # the newest screenful only
        for _ in range(4):
            await pilot.pause()
        assert not log._tail_only and len(log._lines) > 300
