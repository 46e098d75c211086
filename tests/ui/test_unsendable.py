"""Pilot tests: the composer never queues what XMPP cannot carry, and a set-aside message says
why it was not sent."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME
from tests.ui.helpers import log_text, main_screen
from tests.ui.room_app import ROOM
from tests.ui.test_rooms import room_ui
from tuichat.events import MessageStateChanged
from tuichat.model import MessageState
from tuichat.sendable import MAX_BODY_BYTES
from tuichat.ui.widgets.composer import Composer


def toasts(pilot: Pilot[None]) -> str:
    """Every toast shown so far, joined."""
    return "\n".join(str(n.message) for n in pilot.app._notifications)


async def _submit(pilot: Pilot[None], text: str) -> None:
    composer = main_screen(pilot).query_one(Composer)
    composer.focus()
    composer.set_text(text)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_the_composer_removes_escapes_and_says_what_it_removed(ui: UI) -> None:
    """Pasted coloured output goes out without ESC/NUL, and a notice names what went."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        await _submit(pilot, "build \x1b[32mOK\x1b[0m\x00")
        assert ui.client.called("send_message") == [("send_message", ME, ALICE, "build [32mOK[0m")]
        assert "removed what XMPP cannot carry: NUL (U+0000), ESC (U+001B) ×2" in toasts(pilot)
        assert "build [32mOK[0m" in log_text(pilot)


async def test_the_composer_refuses_a_body_too_big_and_keeps_the_text(ui: UI) -> None:
    """Over the cap: nothing is sent, the reason shows, the text stays in the composer."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        big = "x" * (MAX_BODY_BYTES + 1)
        await _submit(pilot, big)
        assert ui.client.called("send_message") == []
        error = str(main_screen(pilot).query_one("#inline-error").render())
        assert f"not sent: the message is {MAX_BODY_BYTES + 1:,} bytes" in error
        assert main_screen(pilot).query_one(Composer).text == big


async def test_a_message_of_only_control_characters_is_not_sent(ui: UI) -> None:
    """Nothing left after cleaning: nothing is sent, and the user is told why."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        await _submit(pilot, "\x07\x07")
        assert ui.client.called("send_message") == []
        error = str(main_screen(pilot).query_one("#inline-error").render())
        assert "nothing left to send: removed what XMPP cannot carry: BEL (U+0007) ×2" in error


async def test_a_room_message_is_cleaned_too(tmp_path: Path) -> None:
    """The same rule in a room: the ESC goes, the rest is sent to the room."""
    async with room_ui(tmp_path) as r:
        await _submit(r.pilot, "room \x1b[1mbold")
        assert ("send_room_message", ME, ROOM, "room [1mbold") in r.client.calls
        assert "ESC (U+001B)" in toasts(r.pilot)


async def test_a_set_aside_message_shows_why_it_was_not_sent(ui: UI) -> None:
    """A failed outgoing message is marked in the log with the reason it carries."""
    why = "the server closed the connection twice on this message (not-well-formed)"
    async with ui.app.run_test(size=(160, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        await _submit(pilot, "doomed")
        [sent] = [m for m in ui.store.history(ME, ALICE) if m.body == "doomed"]
        assert sent.id is not None
        ui.client.bus.publish(MessageStateChanged(ME, sent.id, ALICE, MessageState.FAILED, why))
        await pilot.pause(0.2)
        shown = " ".join(log_text(pilot).split())  # the reason may wrap onto several lines
        assert f"doomed ✗ not sent: {why}" in shown
