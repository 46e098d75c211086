"""Pilot tests of how the message log lays out and scrolls: re-wrapping, following the end."""

from __future__ import annotations

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME, incoming
from tests.ui.helpers import main_screen, settle
from tuichat.events import MessageReceived
from tuichat.ui.widgets.message_log import MessageLog


def the_log(pilot) -> MessageLog:  # type: ignore[no-untyped-def]
    """The main screen's message log."""
    return main_screen(pilot).query_one(MessageLog)


async def test_lines_rewrap_when_the_scrollbar_takes_a_column(ui: UI) -> None:
    """Lines laid out before the scrollbar appeared are wrapped again, none under the bar."""
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        log = the_log(pilot)
        full = "0123456789" * 12 + " tail"
        first = ui.store.save_message(incoming(ALICE, full, 100, stanza="wide"))
        assert first is not None
        ui.client.bus.publish(MessageReceived(ME, first))
        await pilot.pause()
        assert not log.show_vertical_scrollbar
        for minute in range(101, 121):
            message = ui.store.save_message(incoming(ALICE, f"line {minute}", minute))
            assert message is not None
            ui.client.bus.publish(MessageReceived(ME, message))
        await pilot.pause(0.1)
        assert log.show_vertical_scrollbar
        width = log.scrollable_content_region.width
        assert [s.text for s in log._lines if len(s.text.rstrip()) > width] == []
        texts = [s.text for s in log._lines]
        start = next(i for i, text in enumerate(texts) if "0123" in text)
        column = texts[start].index("0123")
        body = []
        for text in texts[start:]:
            body.append(text[column:].rstrip())
            if text.rstrip().endswith("tail"):
                break
        assert "".join(body).replace(" ", "") == full.replace(" ", "")
