"""Pilot tests of delivery and read state in the UI: "typing…" in the header, the delivered
and displayed marks, another device's read clearing the unread count, and reading or typing
reaching the client."""

from __future__ import annotations

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, BOB, ME, incoming
from tests.ui.helpers import log_text, main_screen, settle
from tuichat.events import ChatStateChanged, MessageReceived, MessageStateChanged, ReadUpTo
from tuichat.model import ChatState, MessageState
from tuichat.ui.read_state import Typing
from tuichat.ui.widgets.message_log import MessageLog


def header(pilot) -> str:  # type: ignore[no-untyped-def]
    return str(main_screen(pilot).query_one("#conversation-header").render())


async def test_header_says_typing_then_stopped_and_a_message_clears_it(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        assert "typing" not in header(pilot)
        bus = ui.client.bus
        bus.publish(ChatStateChanged(ME, f"{ALICE}/phone", ChatState.COMPOSING))
        await settle(pilot)
        assert "typing…" in header(pilot)
        bus.publish(ChatStateChanged(ME, f"{ALICE}/phone", ChatState.PAUSED))
        await settle(pilot)
        assert "stopped typing" in header(pilot)
        bus.publish(ChatStateChanged(ME, f"{ALICE}/phone", ChatState.ACTIVE))
        await settle(pilot)
        assert "typing" not in header(pilot)
        bus.publish(ChatStateChanged(ME, BOB, ChatState.COMPOSING))  # not the one in view
        await settle(pilot)
        assert "typing" not in header(pilot)


async def test_outgoing_marks_go_from_sent_to_delivered_to_displayed(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        await pilot.press("y", "o", "enter")
        await pilot.pause(0.2)
        log = main_screen(pilot).query_one(MessageLog)
        sent = log.messages[-1]
        assert sent.id is not None
        bus = ui.client.bus
        for state, mark in (
            (MessageState.ACKED, "yo ✓"),
            (MessageState.DELIVERED, "yo ✓✓"),
            (MessageState.DISPLAYED, "yo ✓✓ seen"),
        ):
            bus.publish(MessageStateChanged(ME, sent.id, ALICE, state))
            await pilot.pause(0.1)
            assert mark in log_text(pilot), state
        assert "yo ✓✓ seen" in log_text(pilot)


async def test_read_on_another_device_clears_the_unread_count(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        message = ui.store.save_message(incoming(BOB, "psst", 60))
        assert message is not None
        ui.client.bus.publish(MessageReceived(ME, message))
        await settle(pilot)
        screen = main_screen(pilot)
        assert screen.convs.unread[(ME, BOB)] == 1
        assert ui.app.title == "(1) tuichat"
        ui.client.bus.publish(ReadUpTo(ME, BOB, 0))
        await settle(pilot)
        assert (ME, BOB) not in screen.convs.unread
        assert ui.app.title == "tuichat"


async def test_reading_and_typing_reach_the_client(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        assert ("mark_read", ME, ALICE) in ui.client.calls
        await pilot.press("h", "i")
        await pilot.pause()
        typed = ui.client.called("draft_changed")
        assert typed[-1] == ("draft_changed", ME, ALICE, False)
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert ui.client.called("draft_changed")[-1] == ("draft_changed", ME, ALICE, True)


def test_typing_words_expire() -> None:
    typing, key, now = Typing(), (ME, ALICE), 100.0
    typing.set(key, ChatState.COMPOSING, now)
    assert typing.words(key, now + 5) == "typing…"
    assert typing.words(key, now + 31) == ""
    typing.set(key, ChatState.GONE, now)
    assert typing.words(key, now) == ""
