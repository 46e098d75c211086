"""Provides the account form: add or edit one account (JID, password source, server, TLS).

Pure validation is :func:`build_account`; the modal returns an ``AccountConfig`` or ``None``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tuichat.client import FormFiller
from tuichat.config import AccountConfig, PasswordSource, TLSMode, normalise_account_jid
from tuichat.errors import ClientError
from tuichat.forms import Form
from tuichat.model import InvalidJID
from tuichat.ui.dialogs.data_form import DataFormScreen
from tuichat.ui.key_bar import KeyBar

PASSWORD_KINDS = (
    ("password_command (e.g. pass show xmpp)", "command"),
    ("environment variable name", "env"),
    ("password in the config file (0600)", "plain"),
)


@dataclass(frozen=True, slots=True)
class FormProblem:
    """What is wrong with the form, and the field (widget id) it is about."""

    field: str
    message: str


def build_account(
    jid: str,
    kind: str,
    secret: str,
    host: str,
    port: str,
    tls: str,
    base: AccountConfig | None = None,
    ca_file: str = "",
) -> AccountConfig | FormProblem:
    """An ``AccountConfig`` from the form's fields, or what is wrong and where."""
    ca_path: Path | None = None
    if ca_file.strip():
        ca_path = Path(ca_file.strip()).expanduser()
        if not ca_path.is_file():
            return FormProblem("ca-file", f"CA file: {ca_path} does not exist")
    try:
        bare = normalise_account_jid(jid)
    except InvalidJID as exc:
        return FormProblem("jid", f"JID: {exc}")
    if kind not in ("command", "env", "plain"):
        return FormProblem("kind", "choose where the password comes from")
    if not secret and base is None:
        return FormProblem("secret", "the password source is empty")
    port_number: int | None = None
    if port.strip():
        if not port.strip().isdigit() or not 0 < int(port) < 65536:
            return FormProblem("port", "port must be a number from 1 to 65535")
        port_number = int(port)
    try:
        mode = TLSMode(tls)
    except ValueError:
        return FormProblem("tls", "TLS must be starttls or direct")
    password = PasswordSource(kind, secret) if secret else None  # type: ignore[arg-type]
    if base is not None:
        return replace(
            base,
            password=password or base.password,
            host=host.strip() or None,
            port=port_number,
            tls=mode,
            ca_file=ca_path,
        )
    assert password is not None
    return AccountConfig(
        jid=bare,
        password=password,
        host=host.strip() or None,
        port=port_number,
        tls=mode,
        ca_file=ca_path,
    )


Registrar = Callable[[AccountConfig, str, FormFiller], Awaitable[None]]
"""Creates an account on its server with a password (the server's extra fields, such as a
CAPTCHA, asked through the form filler); raises with the refusal in words."""

SECRET_HINTS = {
    "command": "a command that prints the password, e.g. pass show xmpp/me",
    "env": "the name of an environment variable, e.g. XMPP_PASSWORD",
    "plain": "the password itself (kept in the config file, which is 0600)",
}
"""What to type in the password box, for each password source."""


class AccountForm(ModalScreen[AccountConfig | None]):
    """Add (``existing=None``) or edit an account; with a ``registrar``, create a new one on
    its server first: then the password is the new account's, kept in the 0600 config file,
    and the form stays open (with the server's words) until the server said yes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    DEFAULT_CSS = """
    AccountForm { align: center middle; }
    AccountForm > VerticalScroll {
        width: 72;
        max-width: 98%;
        height: auto;
        max-height: 95%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    AccountForm .title { text-style: bold; }
    AccountForm Label { color: $text-muted; }
    AccountForm Input, AccountForm SelectCurrent { background: $boost; }
    AccountForm Select { margin: 0; }
    AccountForm #form-error { color: $error; height: auto; display: none; margin-bottom: 1; }
    AccountForm #form-error.-shown { display: block; }
    AccountForm Horizontal { height: auto; margin-top: 1; }
    AccountForm Button { margin-right: 2; }
    """

    def __init__(
        self, existing: AccountConfig | None = None, *, registrar: Registrar | None = None
    ) -> None:
        super().__init__()
        self.existing = existing
        self.registrar = registrar if existing is None else None

    @property
    def registering(self) -> bool:
        """Whether this form creates the account on its server."""
        return self.registrar is not None

    def compose(self) -> ComposeResult:
        """The fields (one line each, so the whole form fits 80x24), then the buttons."""
        acct = self.existing
        with VerticalScroll():
            title = "Edit account" if acct else "Add account"
            if self.registering:
                title = "Register a new account on its server (in-band, over TLS)"
            yield Static(title, classes="title")
            yield Static("", id="form-error")
            yield Label("JID (user@server)")
            yield Input(acct.jid if acct else "", id="jid", disabled=acct is not None, compact=True)
            kind = "plain" if self.registering else (acct.password.kind if acct else "command")
            if self.registering:
                yield Label("New password")
                yield Input(password=True, id="secret", compact=True)
                yield Label("Repeat the password")
                yield Input(password=True, id="secret2", compact=True)
            else:
                yield Label("Password from")
                yield Select(PASSWORD_KINDS, value=kind, allow_blank=False, id="kind", compact=True)
                yield Input(
                    acct.password.value if acct and acct.password.kind != "plain" else "",
                    placeholder=self._hint(kind),
                    password=kind == "plain",
                    id="secret",
                    compact=True,
                )
            yield Label("Server host (empty: from the JID via DNS)")
            yield Input(acct.host or "" if acct else "", id="host", compact=True)
            yield Label("Port (empty: default)")
            yield Input(str(acct.port) if acct and acct.port else "", id="port", compact=True)
            yield Label("TLS")
            yield Select(
                (("STARTTLS, required (port 5222)", "starttls"), ("direct TLS (5223)", "direct")),
                value=str(acct.tls.value) if acct else "starttls",
                allow_blank=False,
                id="tls",
                compact=True,
            )
            yield Label("CA certificate file to trust (optional, PEM)")
            yield Input(
                str(acct.ca_file) if acct and acct.ca_file else "", id="ca-file", compact=True
            )
            with Horizontal():
                label = "Register (Ctrl+S)" if self.registering else "Save (Ctrl+S)"
                yield Button(label, id="save", variant="primary", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)
        yield KeyBar()

    def _hint(self, kind: str) -> str:
        if self.existing is not None:
            return f"empty: keep the current one; or {SECRET_HINTS[kind]}"
        return SECRET_HINTS[kind]

    def on_mount(self) -> None:
        """Focus the first editable field."""
        self.query_one("#secret" if self.existing else "#jid", Input).focus()

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        secret = self.query_one("#secret", Input)
        secret.password = event.value == "plain"
        secret.placeholder = self._hint(str(event.value))

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    def _show_error(self, problem: FormProblem | None) -> None:
        """Show what is wrong at the top of the form, and put the cursor on that field."""
        error = self.query_one("#form-error", Static)
        error.update(problem.message if problem else "")
        error.set_class(problem is not None, "-shown")
        if problem is None:
            return
        error.scroll_visible(animate=False)
        field = self.query(f"#{problem.field}")
        if field and field.first().focusable:
            field.first().focus()

    def action_save(self) -> None:
        """Validate, then return the account (registering it on its server first)."""
        if self.query_one("#save", Button).disabled:
            return  # a registration is under way
        kind = "plain" if self.registering else str(self.query_one("#kind", Select).value)
        result = build_account(
            self._value("jid"),
            kind,
            self._value("secret"),
            self._value("host"),
            self._value("port"),
            str(self.query_one("#tls", Select).value),
            base=self.existing,
            ca_file=self._value("ca-file"),
        )
        if isinstance(result, FormProblem):
            self._show_error(result)
            return
        if self.registrar is not None:
            if self._value("secret") != self._value("secret2"):
                self._show_error(FormProblem("secret2", "the two passwords differ"))
                return
            self.run_worker(self._register(self.registrar, result), group="register")
            return
        self.dismiss(result)

    async def _register(self, registrar: Registrar, account: AccountConfig) -> None:
        save = self.query_one("#save", Button)
        save.disabled = True
        save.label = "Registering…"
        self._show_error(None)
        try:
            await registrar(account, account.password.value, self._fill)
        except ClientError as exc:  # the server's refusal, in words; the form stays filled in
            self._show_error(FormProblem("jid", f"not registered: {exc}"))
            return
        finally:
            save.disabled = False
            save.label = "Register (Ctrl+S)"
        self.dismiss(account)

    async def _fill(self, form: Form) -> Form | None:
        """The server's extra registration fields in the generic form screen."""
        heading = form.title or f"Registering {self._value('jid')}"
        screen = DataFormScreen(heading, form, save="Register")
        return await self.app.push_screen_wait(screen)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


class RegisterForm(AccountForm):
    """The account form in its registering role: Ctrl+S says what it does."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "save", "Register")]

    def __init__(self, registrar: Registrar) -> None:
        super().__init__(registrar=registrar)
