"""Pilot tests of our own presence and connection in the status bar, and /status, /reconnect."""

from __future__ import annotations

from tests.ui.conftest import UI
from tests.ui.fakes import ME
from tests.ui.helpers import main_screen, status_text
from tuichat import events as ev
from tuichat.model import ConnectionState, Show
from tuichat.ui.widgets.composer import Composer


async def run_line(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Put ``text`` in the composer and press Enter."""
    composer = main_screen(pilot).query_one(Composer)
    composer.focus()
    composer.set_text(text)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_status_text_in_quotes_is_sent_without_them(ui: UI) -> None:
    """/status away "in a meeting": the status is the words, not the quotes around them."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, '/status away "in a meeting"')
        await run_line(pilot, "/status dnd “do not disturb”")
        await run_line(pilot, '/status xa say "hi" to me')
        assert ui.client.called("set_presence") == [
            ("set_presence", None, Show.AWAY, "in a meeting"),
            ("set_presence", None, Show.DND, "do not disturb"),
            ("set_presence", None, Show.XA, 'say "hi" to me'),
        ]


async def test_status_bar_shows_our_own_presence_per_account(ui: UI) -> None:
    """Once we are away on an account, its status bar entry says so, not just "connected"."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        bus = ui.client.bus
        bus.publish(ev.ConnectionStateChanged(ME, ConnectionState.CONNECTED))
        await pilot.pause()
        assert "away" not in status_text(pilot)
        bus.publish(ev.OwnPresenceChanged(ME, Show.AWAY, "in a meeting"))
        await pilot.pause(0.1)
        assert f"{ME} connected · away" in status_text(pilot)
        bus.publish(ev.OwnPresenceChanged(ME, Show.ONLINE))
        await pilot.pause(0.1)
        assert "away" not in status_text(pilot)


async def test_status_bar_says_why_an_account_is_down_and_when_it_retries(ui: UI) -> None:
    """A dropped account shows the connection's reason and its retry delay, not just a state."""
    async with ui.app.run_test(size=(160, 40)) as pilot:
        reason = "connection refused; retrying in 12 s"
        ui.client.bus.publish(ev.ConnectionStateChanged(ME, ConnectionState.DISCONNECTED, reason))
        await pilot.pause(0.1)
        assert f"{ME} disconnected: connection refused; retrying in 12 s" in status_text(pilot)
        ui.client.bus.publish(ev.ConnectionStateChanged(ME, ConnectionState.CONNECTED))
        await pilot.pause(0.1)
        assert "retrying" not in status_text(pilot)


async def test_reconnect_retries_the_account_now(ui: UI) -> None:
    """/reconnect asks the client to connect the account again at once; a wrong name is said."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/reconnect")
        await run_line(pilot, f"/reconnect {ME}")
        assert ui.client.called("reconnect") == [("reconnect", ME), ("reconnect", ME)]
        await run_line(pilot, "/reconnect nobody@example.org")
        error = str(main_screen(pilot).query_one("#inline-error").render())
        assert "no account nobody@example.org" in error
