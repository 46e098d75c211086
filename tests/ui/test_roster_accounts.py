"""Pilot tests of the roster (presence, subscriptions, filter) and the Accounts screen."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Select, Static

from tests.ui.conftest import UI, make_ui
from tests.ui.fakes import ALICE, ME
from tests.ui.helpers import assert_hints_whole, main_screen, roster_text, settle
from tuichat.events import (
    ConnectionStateChanged,
    ContactChanged,
    MessageReceived,
    PresenceChanged,
    SubscriptionRequested,
)
from tuichat.model import ConnectionState, Contact, Show, Subscription
from tuichat.ui.dialogs.subscription import SubscriptionPrompt
from tuichat.ui.key_bar import KeyBar
from tuichat.ui.screens.accounts import AccountsScreen
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.status_bar import StatusBar


async def fill_form(pilot: Pilot[None], key: str, **fields: str) -> Screen[object]:
    """Open the form of ``key`` (``a`` add, ``r`` register), fill ``fields`` (widget id →
    text; ``secret2`` is ``#secret2``), press Ctrl+S and settle; return the form."""
    await pilot.pause()
    await pilot.press(key)
    await pilot.pause()
    form = pilot.app.screen
    for field, value in fields.items():
        form.query_one(f"#{field.replace('_', '-')}", Input).value = value
    await pilot.press("ctrl+s")
    await settle(pilot)
    return form


async def test_presence_change_updates_roster_row(ui: UI) -> None:
    """An offline contact going online moves out of the fold and shows the online symbol."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        assert "Carol" not in roster_text(pilot)
        ui.client.bus.publish(
            PresenceChanged(ME, "carol@example.org/laptop", Show.ONLINE, "coffee")
        )
        await settle(pilot)
        assert "● Carol" in roster_text(pilot)
        assert "coffee" in roster_text(pilot)
        ui.client.bus.publish(PresenceChanged(ME, "carol@example.org/laptop", Show.DND))
        await settle(pilot)
        assert "⊘ Carol" in roster_text(pilot)


async def test_contact_change_renames_row(ui: UI) -> None:
    """A roster push with a new name shows at once."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).show_offline = True
        contact = Contact(ALICE, "Alice Cooper", ("Friends",), Subscription.BOTH)
        ui.client.bus.publish(ContactChanged(ME, contact))
        await settle(pilot)
        assert "Alice Cooper" in roster_text(pilot)


async def test_subscription_request_shown_and_accepted(ui: UI) -> None:
    """A request appears in the roster and as a notification; /accept answers it."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        ui.client.bus.publish(SubscriptionRequested(ME, "zed@example.com", "hi, it's Zed"))
        await settle(pilot)
        assert "zed@example.com ? (asks to subscribe)" in roster_text(pilot)
        assert any("zed@example.com" in str(n.message) for n in pilot.app._notifications)
        composer = main_screen(pilot).query_one(Composer)
        composer.set_text("/accept zed@example.com")
        composer.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert ui.client.called("answer_subscription") == [
            ("answer_subscription", ME, "zed@example.com", True)
        ]
        assert "asks to subscribe" not in roster_text(pilot)


async def test_subscription_prompt_denies(ui: UI) -> None:
    """Alt+A opens the prompt for the pending request; d denies."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        ui.client.bus.publish(SubscriptionRequested(ME, "spam@example.com"))
        await pilot.pause(0.1)
        await pilot.press("alt+a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SubscriptionPrompt)
        await pilot.press("d")
        await settle(pilot)
        assert ui.client.called("answer_subscription") == [
            ("answer_subscription", ME, "spam@example.com", False)
        ]


async def test_roster_filter_as_you_type(ui: UI) -> None:
    """Typing in the filter keeps only matching contacts (offline ones too); Enter opens."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+f")
        await pilot.press("e", "r", "i")
        await settle(pilot)
        text = roster_text(pilot)
        assert "Erin" in text and "Alice" not in text
        await pilot.press("enter")
        await pilot.pause()
        assert main_screen(pilot).convs.current == (ME, "erin@example.org")


async def test_pending_and_one_way_subscriptions_visible(ui: UI) -> None:
    """Contacts without presence subscription say so in the roster."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+o")
        await settle(pilot)
        text = roster_text(pilot)
        assert "dave@example.org (awaiting answer)" in text


async def test_stranger_message_appears_in_roster(ui: UI) -> None:
    """A message from someone not in the roster shows them under "Not in roster" with unread."""
    from tests.ui.fakes import incoming

    async with ui.app.run_test(size=(120, 40)) as pilot:
        message = ui.store.save_message(incoming("eve@evil.example", "psst", 3))
        assert message is not None
        ui.client.bus.publish(MessageReceived(ME, message))
        await settle(pilot)
        text = roster_text(pilot)
        assert "Not in roster" in text and "eve@evil.example [1]" in text


async def test_status_bar_shows_connection_state_in_words(ui: UI) -> None:
    """The status bar shows each account's state with a symbol and words."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        ui.client.bus.publish(
            ConnectionStateChanged(ME, ConnectionState.AUTH_FAILED, "not-authorized")
        )
        await pilot.pause(0.1)
        rendered = str(main_screen(pilot).query_one(StatusBar).render())
        assert "✗ me@example.org authentication failed" in rendered


async def test_first_run_without_accounts_opens_accounts_screen(tmp_path: Path) -> None:
    """With no account configured the app opens the Accounts screen (no traceback)."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(pilot.app.screen, AccountsScreen)
        assert pilot.app.screen.query_one("#accounts-empty").has_class("-shown")


async def test_accounts_screen_adds_account_to_config(tmp_path: Path) -> None:
    """a → form → Ctrl+S appends the account to the config file and lists it."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    async with ui.app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        for ch in "new@example.org":
            await pilot.press({"@": "at", ".": "full_stop"}.get(ch, ch))
        form = pilot.app.screen
        form.query_one("#secret", Input).value = "pass show xmpp"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AccountsScreen)
        text = ui.config_path.read_text()
        assert 'jid = "new@example.org"' in text
        assert "pass show xmpp" in text
        assert [a.jid for a in ui.app.ctx.config.accounts] == ["new@example.org"]


async def test_accounts_screen_toggles_enabled(ui: UI) -> None:
    """Space on an account disables it in the config file."""
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AccountsScreen)
        await pilot.press("space")
        await settle(pilot)
        assert "enabled = false" in ui.config_path.read_text()
        assert ui.app.ctx.config.accounts[0].enabled is False


async def test_accounts_screen_registers_a_new_account(tmp_path: Path) -> None:
    """r → form → Ctrl+S creates the account on the server, then adds it (applied at once)."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    async with ui.app.run_test(size=(100, 40)) as pilot:
        await fill_form(
            pilot, "r", jid="fresh@example.org", secret="n3w-secret", secret2="n3w-secret"
        )
        await pilot.pause(0.2)
        assert ui.client.called("register_account") == [
            ("register_account", "fresh@example.org", "n3w-secret")
        ]
        text = ui.config_path.read_text()
        assert 'jid = "fresh@example.org"' in text
        assert ui.config_path.stat().st_mode & 0o777 == 0o600
        assert ("apply_accounts", ("fresh@example.org",)) in ui.client.calls


async def test_refused_registration_is_shown_and_nothing_is_added(tmp_path: Path) -> None:
    """The server's refusal is shown in words in the form, which stays open and filled in, and
    the config stays as it was."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    async with ui.app.run_test(size=(100, 40)) as pilot:
        form = await fill_form(
            pilot, "r", jid="taken@example.org", secret="whatever", secret2="whatever"
        )
        await pilot.pause(0.2)
        assert pilot.app.screen is form
        error = form.query_one("#form-error", Static)
        assert "already taken" in str(error.render()) and error.display
        assert form.query_one("#jid", Input).value == "taken@example.org"
        assert form.query_one("#secret", Input).value == "whatever"
        assert not ui.config_path.exists() or "taken@" not in ui.config_path.read_text()
        assert ui.client.called("apply_accounts") == []


async def test_register_form_asks_for_the_password_twice(tmp_path: Path) -> None:
    """Two different passwords are refused in the form; nothing goes to the server."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        form = await fill_form(pilot, "r", jid="fresh@example.org", secret="one", secret2="two")
        assert "Register" in str(form.query_one("#save", Button).label)
        assert pilot.app.screen is form
        assert "differ" in str(form.query_one("#form-error", Static).render())
        assert pilot.app.focused is form.query_one("#secret2", Input)
        assert ui.client.called("register_account") == []
        bar = form.query_one(KeyBar)
        assert bar.region.bottom == 24  # the form's own keys, not the Accounts screen's


async def test_form_error_is_visible_at_80x24_and_focuses_the_field(tmp_path: Path) -> None:
    """A bad port with Ctrl+S shows its error where it can be seen, on the field at fault."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        form = await fill_form(
            pilot, "a", jid="new@example.org", secret="pass show xmpp", port="99999"
        )
        error = form.query_one("#form-error", Static)
        assert "port must be" in str(error.render())
        region = error.region
        assert region.height >= 1 and region.y >= 0 and region.bottom <= 24, region
        assert pilot.app.focused is form.query_one("#port", Input)


async def test_password_box_hint_follows_the_password_source(tmp_path: Path) -> None:
    """The password box says what to type for the chosen source."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = pilot.app.screen
        secret = form.query_one("#secret", Input)
        assert "command" in secret.placeholder
        form.query_one("#kind", Select).value = "env"
        await pilot.pause()
        assert "environment variable" in secret.placeholder and not secret.password
        form.query_one("#kind", Select).value = "plain"
        await pilot.pause()
        assert "password itself" in secret.placeholder and secret.password


async def test_accounts_footer_fits_80_columns_and_disabled_has_no_error(ui: UI) -> None:
    """At 80 columns the footer shows "esc Back"; a disabled account shows no last error."""
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, AccountsScreen)
        screen.reasons[ME] = "disconnected"
        await pilot.press("space")  # disable it
        await settle(pilot)
        ui.client.account_list = ()
        screen._fill()
        await pilot.pause()
        table = screen.query_one(DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert "disconnected" not in row[-1], row
        assert_hints_whole(screen.query_one(KeyBar), wanted=("Back",))  # not cut to "esc"


async def test_a_long_last_error_ends_in_an_ellipsis_and_the_note_has_it_whole(ui: UI) -> None:
    """At 80 columns a long error is not cut by the screen's edge: its cell ends in "…" and
    the line under the table says it whole."""
    why = "certificate of example.org rejected: " + "a very long explanation " * 4 + "END"
    ui.client.states[ME] = (ConnectionState.CERT_REJECTED, why)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AccountsScreen)
        cell = str(screen.query_one(DataTable).get_row_at(0)[-1])
        assert cell.endswith("…") and "END" not in cell, cell
        region = screen.query_one(DataTable).region
        assert len(cell) < region.width
        assert "END" in str(screen.query_one("#accounts-note", Static).render())
