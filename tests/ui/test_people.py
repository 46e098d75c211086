"""Pilot tests of the commands about other people: /block, /spam, /unblock, the /blocked list,
and /info."""

from __future__ import annotations

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME
from tests.ui.test_commands import inline_error, run_line
from tuichat.events import SubscriptionRequested
from tuichat.model import ClientSoftware, ContactInfo
from tuichat.ui.dialogs.contact_info import ContactInfoScreen
from tuichat.ui.dialogs.room_picker import RoomPicker
from tuichat.ui.dialogs.subscription import SubscriptionPrompt


async def test_block_without_a_jid_blocks_the_contact_in_view(ui: UI) -> None:
    """/block in a chat blocks its contact and says how to undo it."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/msg {ALICE}")
        await run_line(pilot, "/block")
        assert ui.client.called("block") == [("block", ME, ALICE, None)]
        toasts = [str(n.message) for n in pilot.app._notifications]
        assert any(f"/unblock {ALICE}" in t for t in toasts), toasts


async def test_spam_reports_while_blocking(ui: UI) -> None:
    """/spam JID blocks JID with a spam report."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/spam pest@spam.example")
        assert ui.client.called("block") == [("block", ME, "pest@spam.example", "spam")]


async def test_blocked_lists_and_enter_unblocks(ui: UI) -> None:
    """/blocked lists the block list; Enter on one unblocks it."""
    ui.client.block_list[ME] = ["pest@spam.example", "zz@example.net"]
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/blocked")
        await pilot.pause(0.2)
        picker = pilot.app.screen
        assert isinstance(picker, RoomPicker)
        assert [e.jid for e in picker.entries] == ["pest@spam.example", "zz@example.net"]
        assert "2 blocked JIDs" in str(picker.query_one("#picker-status").render())
        await pilot.press("z", "z")
        await pilot.pause(0.1)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert ui.client.called("unblock") == [("unblock", ME, "zz@example.net")]
        assert ui.client.block_list[ME] == ["pest@spam.example"]


async def test_a_failed_block_says_why(ui: UI) -> None:
    """The server's refusal reaches the user in words."""
    ui.client.fail["block"] = "the server does not support blocking"
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/msg {ALICE}")
        await run_line(pilot, "/block")
        await pilot.pause(0.2)
        assert "does not support blocking" in inline_error(pilot)


async def test_block_in_a_room_needs_the_room_named(ui: UI) -> None:
    """In a room, /block alone refuses: blocking a whole room must be asked for by name."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/join lobby@conference.example.org")
        await pilot.pause(0.2)
        await run_line(pilot, "/block")
        assert ui.client.called("block") == []
        assert "/block lobby@conference.example.org" in inline_error(pilot)


async def test_a_strangers_subscription_request_can_be_reported_as_spam(ui: UI) -> None:
    """Alt+A, s: the request is denied, and its sender blocked and reported as spam."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        ui.client.bus.publish(SubscriptionRequested(ME, "pest@spam.example"))
        await pilot.pause(0.1)
        await pilot.press("alt+a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SubscriptionPrompt)
        await pilot.press("s")
        await pilot.pause(0.3)
        assert ui.client.called("answer_subscription") == [
            ("answer_subscription", ME, "pest@spam.example", False)
        ]
        assert ui.client.called("block") == [("block", ME, "pest@spam.example", "spam")]


async def test_info_shows_what_the_contact_tells(ui: UI) -> None:
    """/info in a chat loads the contact's info and shows it as plain text; Esc closes."""
    ui.client.infos[ALICE] = ContactInfo(
        ALICE,
        full_name="Alice [i]Liddell[/i]",
        clients=(ClientSoftware("phone", "Conversations", "2.17"),),
    )
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/msg {ALICE}")
        await run_line(pilot, "/info")
        await pilot.pause(0.2)
        screen = pilot.app.screen
        assert isinstance(screen, ContactInfoScreen)
        body = str(screen.query_one("#info-body").render())
        assert "Alice [i]Liddell[/i]" in body
        assert "Client (phone): Conversations 2.17" in body
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not isinstance(pilot.app.screen, ContactInfoScreen)


async def test_info_that_cannot_be_asked_says_why(ui: UI) -> None:
    ui.client.fail["contact_info"] = "you are not connected"
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/info zed@example.net")
        await pilot.pause(0.2)
        body = str(pilot.app.screen.query_one("#info-body").render())
        assert "could not ask: you are not connected" in body
