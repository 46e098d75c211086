"""Pilot tests of attention: notifications and bell when not looking, sanitised payloads."""

from __future__ import annotations

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, BOB, ME, incoming
from tests.ui.helpers import main_screen, received
from tuichat.events import MessageReceived


async def test_unfocused_terminal_counts_unread_and_notifies(ui: UI) -> None:
    """With the terminal unfocused, a message in view still counts and notifies (OSC 9/777)."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        pilot.app.app_focus = False
        message = ui.store.save_message(incoming(ALICE, "ping\x1b]0;pwned\x07", 80))
        assert message is not None
        ui.client.bus.publish(MessageReceived(ME, message))
        await received(pilot, (ME, ALICE), 1)
        assert main_screen(pilot).convs.unread[(ME, ALICE)] == 1
        notes = [s for s in ui.app.terminal.written if s.startswith("\x1b]9;")]
        assert len(notes) == 1
        payload = notes[0][len("\x1b]9;") :]
        body = payload[: payload.index("\x07")]
        assert "\x1b" not in body and "ping" in body
        pilot.app.app_focus = True
        await pilot.pause(0.1)
        assert (ME, ALICE) not in main_screen(pilot).convs.unread


async def test_muted_conversation_is_silent_but_counted(ui: UI) -> None:
    """A muted conversation gets no notification, but its unread count still grows."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        main_screen(pilot).open_conversation((ME, BOB))
        await pilot.pause()
        composer = main_screen(pilot).view.composer
        composer.set_text("/mute")
        composer.focus()
        await pilot.press("enter")
        await pilot.pause(0.1)
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        before = len(ui.app.terminal.written)
        message = ui.store.save_message(incoming(BOB, "quiet", 81))
        assert message is not None
        ui.client.bus.publish(MessageReceived(ME, message))
        await received(pilot, (ME, BOB), 1)
        assert main_screen(pilot).convs.unread[(ME, BOB)] == 1
        notes = [s for s in ui.app.terminal.written[before:] if "\x1b]9;" in s]
        assert notes == []
