"""Provides the Accounts screen: each account's live connection state and last error, and
adding, editing, enabling/disabling and removing accounts in the config file.

Edits go through :mod:`tuichat.config` (the file keeps its comments), then the config is
re-read. The running connections only change at the next start: the screen says so.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tuichat import events as ev
from tuichat.bus import Subscription
from tuichat.config import AccountConfig, ConfigError, add_account, remove_account, update_account
from tuichat.errors import ClientError
from tuichat.model import ConnectionState
from tuichat.ui.context import UIContext
from tuichat.ui.key_bar import KeyBar
from tuichat.ui.messages import ConfigChanged
from tuichat.ui.render import safe_text
from tuichat.ui.screens.account_form import AccountForm, RegisterForm
from tuichat.ui.screens.confirm import Confirm
from tuichat.ui.themes import resolve_color
from tuichat.ui.widgets.symbols import CONNECTION_SYMBOLS, CONNECTION_VARIABLES

log = logging.getLogger(__name__)

SAVED_NOTE = "Changes are saved to the config file and applied to the connections at once."


class AccountsScreen(Screen[None]):
    """F4 or ``/account``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
        Binding("r", "register", "Register"),
        Binding("e,enter", "edit", "Edit"),
        Binding("space", "toggle_enabled", "On/off"),
        Binding("d,delete", "remove", "Remove"),
        Binding("t", "review_certificate", "Review certificate", show=False),
        Binding("escape,q", "back", "Back"),
    ]

    DEFAULT_CSS = """
    AccountsScreen #accounts-title { padding: 0 1; background: $panel; text-style: bold; }
    AccountsScreen #accounts-empty { padding: 1 2; display: none; &.-shown { display: block; } }
    AccountsScreen DataTable { height: 1fr; overflow-x: hidden; }
    AccountsScreen #accounts-note { padding: 0 1; color: $text-muted; height: auto; }
    """

    def __init__(self, ctx: UIContext) -> None:
        super().__init__(id="accounts")
        self.ctx = ctx
        self.reasons: dict[str, str] = {}
        self.states: dict[str, ConnectionState] = {}
        self.changed = False
        self.contacts: dict[str, dict[str, tuple[str, ...]]] = {}
        """Each connected account's server's contact addresses (XEP-0157), once asked."""
        self._subs: list[Subscription] = []

    def compose(self) -> ComposeResult:
        """Title, the table, the note, the footer."""
        yield Static("Accounts", id="accounts-title")
        yield Static(
            Text(
                "No account yet. Press a to add one: your JID (user@server) and where the "
                "password comes from (a command such as `pass show xmpp`, an environment "
                "variable, or the config file)."
            ),
            id="accounts-empty",
        )
        yield DataTable(id="accounts-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="accounts-note")
        yield KeyBar()

    def on_mount(self) -> None:
        """Fill the table and follow connection changes."""
        table = self.query_one(DataTable)
        table.add_columns("", "Account", "Enabled", "Connection", "Last error")
        for account in self.ctx.client.accounts:
            state, reason = self.ctx.client.state(account)
            self.states[account] = state
            self.reasons[account] = reason
            if state is ConnectionState.CONNECTED:
                self._ask_contacts(account)
        handler: Any = self._bus_connection
        self._subs = [self.ctx.client.bus.subscribe(ev.ConnectionStateChanged, handler)]
        self._fill()
        table.focus()

    def on_unmount(self) -> None:
        """Stop listening to the bus."""
        for sub in self._subs:
            sub.cancel()
        self._subs = []

    def _bus_connection(self, event: ev.ConnectionStateChanged) -> None:
        self.states[event.account] = event.state
        if event.reason or event.state is ConnectionState.CONNECTED:
            self.reasons[event.account] = event.reason
        if event.state is ConnectionState.CONNECTED and event.account not in self.contacts:
            self._ask_contacts(event.account)
        self._fill()

    def _ask_contacts(self, account: str) -> None:
        """Ask the server of ``account`` for its contact addresses, in the background."""

        async def ask() -> None:
            try:
                self.contacts[account] = await self.ctx.client.server_contacts(account)
            except ClientError as exc:  # shown as unknown; the account's state says more
                log.info("%s: no server contacts: %s", account, exc)
                return
            self._update_note()

        self.run_worker(ask(), group="accounts-contacts", exit_on_error=False)

    def _row(self, account: AccountConfig) -> tuple[Text, ...]:
        variables = self.app.theme_variables
        running = account.jid in self.ctx.client.accounts
        if running:
            state = self.states.get(account.jid, ConnectionState.DISCONNECTED)
            color = resolve_color(variables, CONNECTION_VARIABLES[state])
            symbol = Text(CONNECTION_SYMBOLS[state], style=Style(color=color, bold=True))
            words = Text(state.value)
        else:
            symbol = Text("-", style=Style(dim=True))
            words = Text(
                "disabled" if not account.enabled else "starting",
                style=Style(dim=True, italic=True),
            )
        enabled = Text("yes" if account.enabled else "no")
        last = self.reasons.get(account.jid, "") if running else ""  # a stopped one has none
        reason = safe_text(last.replace("\n", " "))
        cells = (symbol, safe_text(account.jid), enabled, words)
        # The table does not wrap: say where the error goes on (the note below has it whole)
        # instead of letting the screen's edge cut it.
        room = self.size.width - sum(c.cell_len for c in cells) - 2 * (len(cells) + 1) - 4
        reason.truncate(max(12, room), overflow="ellipsis")
        return (*cells, reason)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for account in self.ctx.config.accounts:
            table.add_row(*self._row(account), key=account.jid)
        if self.ctx.config.accounts:
            table.move_cursor(row=min(cursor, len(self.ctx.config.accounts) - 1))
        empty = not self.ctx.config.accounts
        self.query_one("#accounts-empty").set_class(empty, "-shown")
        table.display = not empty
        self._update_note()

    def on_resize(self) -> None:
        """Fit the errors to the new width."""
        self._fill()

    def _update_note(self) -> None:
        """Under the table: the selected account's whole last error, and the restart note."""
        note = Text()
        selected = self._selected()
        running = selected is not None and selected.jid in self.ctx.client.accounts
        reason = self.reasons.get(selected.jid, "") if selected and running else ""
        if selected is not None and reason:
            note.append_text(safe_text(f"{selected.jid}: {reason}", Style(bold=True)))
            note.append("\n")
        contacts = self.contacts.get(selected.jid) if selected is not None else None
        if contacts:
            note.append("Server contacts: ", style=Style(bold=True))
            words = " · ".join(f"{kind} {' '.join(found)}" for kind, found in contacts.items())
            note.append_text(safe_text(words))
            note.append("\n")
        note.append(
            SAVED_NOTE
            if self.changed
            else "a add · r register · e edit · space enable/disable · d remove"
        )
        self.query_one("#accounts-note", Static).update(note)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._update_note()

    def _selected(self) -> AccountConfig | None:
        table = self.query_one(DataTable)
        accounts = self.ctx.config.accounts
        if not accounts or table.cursor_row >= len(accounts):
            return None
        return accounts[table.cursor_row]

    def _after_edit(self, done: str) -> None:
        problem = self.ctx.reload_config()
        self.changed = True
        self._fill()
        self.post_message(ConfigChanged())
        if problem:
            self.app.notify(problem, severity="error", markup=False)
        else:
            self.app.notify(f"{done}.", markup=False, timeout=5)

    def _edit_config(self, action: Any, done: str) -> None:
        try:
            action()
        except (ConfigError, OSError, ValueError) as exc:
            problems = getattr(exc, "problems", None)
            words = "; ".join(str(p) for p in problems) if problems else str(exc)
            self.app.notify(f"not saved: {words}", severity="error", markup=False)
            return
        self._after_edit(done)

    def action_add(self) -> None:
        """Add an account through the form."""

        def added(account: AccountConfig | None) -> None:
            if account is not None:
                path = self.ctx.config.path
                self._edit_config(lambda: add_account(path, account), f"{account.jid} added")

        self.app.push_screen(AccountForm(), added)

    def action_register(self) -> None:
        """Create a new account on its server (in the form, which shows a refusal and stays
        open), then add it."""

        def registered(account: AccountConfig | None) -> None:
            if account is not None:
                path = self.ctx.config.path
                self._edit_config(lambda: add_account(path, account), f"{account.jid} registered")

        registrar = self.ctx.client.register_account
        self.app.push_screen(RegisterForm(registrar), registered)

    def action_edit(self) -> None:
        """Edit the selected account."""
        current = self._selected()
        if current is None:
            return

        def edited(account: AccountConfig | None) -> None:
            if account is None:
                return
            path = self.ctx.config.path
            changes: dict[str, object] = {
                "host": account.host,
                "port": account.port,
                "tls": account.tls.value,
                "ca_file": str(account.ca_file) if account.ca_file else None,
            }
            if account.password != current.password:
                changes["password"] = account.password
            self._edit_config(
                lambda: update_account(path, current.jid, **changes), f"{current.jid} saved"
            )

        self.app.push_screen(AccountForm(current), edited)

    def action_toggle_enabled(self) -> None:
        """Enable or disable the selected account."""
        current = self._selected()
        if current is not None:
            path = self.ctx.config.path
            state = "disabled" if current.enabled else "enabled"
            self._edit_config(
                lambda: update_account(path, current.jid, enabled=not current.enabled),
                f"{current.jid} {state}",
            )

    def action_remove(self) -> None:
        """Remove the selected account after a confirmation."""
        current = self._selected()
        if current is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                path = self.ctx.config.path
                self._edit_config(
                    lambda: remove_account(path, current.jid), f"{current.jid} removed"
                )

        question = f"Remove {current.jid} from the config? Its stored messages stay."
        self.app.push_screen(Confirm(question), confirmed)

    def action_review_certificate(self) -> None:
        """Connect the selected account again, so a refused certificate is shown for review."""
        current = self._selected()
        if current is None or current.jid not in self.ctx.client.accounts:
            return
        if self.states.get(current.jid) is ConnectionState.CERT_REJECTED:
            reconnect = self.ctx.client.reconnect(current.jid)
            self.run_worker(reconnect, group="accounts-reconnect", exit_on_error=False)

    def action_back(self) -> None:
        """Back to the main screen."""
        self.app.pop_screen()

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_edit()
