"""Provides the account form: add or edit one account (JID, password source, server, TLS).

Pure validation is :func:`build_account`; the modal returns an ``AccountConfig`` or ``None``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tuichat.config import AccountConfig, PasswordSource, TLSMode, normalise_account_jid
from tuichat.model import InvalidJID

PASSWORD_KINDS = (
    ("password_command (e.g. pass show xmpp)", "command"),
    ("environment variable name", "env"),
    ("password in the config file (0600)", "plain"),
)


def build_account(
    jid: str,
    kind: str,
    secret: str,
    host: str,
    port: str,
    tls: str,
    base: AccountConfig | None = None,
    ca_file: str = "",
) -> AccountConfig | str:
    """An ``AccountConfig`` from the form's fields, or what is wrong in words."""
    ca_path: Path | None = None
    if ca_file.strip():
        ca_path = Path(ca_file.strip()).expanduser()
        if not ca_path.is_file():
            return f"CA file: {ca_path} does not exist"
    try:
        bare = normalise_account_jid(jid)
    except InvalidJID as exc:
        return f"JID: {exc}"
    if kind not in ("command", "env", "plain"):
        return "choose where the password comes from"
    if not secret and base is None:
        return "the password source is empty"
    port_number: int | None = None
    if port.strip():
        if not port.strip().isdigit() or not 0 < int(port) < 65536:
            return "port must be a number from 1 to 65535"
        port_number = int(port)
    try:
        mode = TLSMode(tls)
    except ValueError:
        return "TLS must be starttls or direct"
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


class AccountForm(ModalScreen[AccountConfig | None]):
    """Add (``existing=None``) or edit an account, or (``register=True``) create one on its
    server: then the password is the new account's, kept in the 0600 config file."""

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
    AccountForm Label { margin-top: 1; }
    AccountForm #form-error { color: $error; height: auto; }
    AccountForm Horizontal { height: auto; margin-top: 1; }
    AccountForm Button { margin-right: 2; }
    """

    def __init__(self, existing: AccountConfig | None = None, *, register: bool = False) -> None:
        super().__init__()
        self.existing = existing
        self.register = register and existing is None

    def compose(self) -> ComposeResult:
        """The fields."""
        acct = self.existing
        with VerticalScroll():
            title = "Edit account" if acct else "Add account"
            if self.register:
                title = "Register a new account on its server (in-band, over TLS)"
            yield Static(title, classes="title")
            yield Label("JID (user@server)")
            yield Input(acct.jid if acct else "", id="jid", disabled=acct is not None)
            yield Label("New password" if self.register else "Password from")
            yield Select(
                PASSWORD_KINDS,
                value="plain" if self.register else (acct.password.kind if acct else "command"),
                allow_blank=False,
                id="kind",
                disabled=self.register,
            )
            hint = "leave empty to keep the current one" if acct else ""
            yield Input(
                acct.password.value if acct and acct.password.kind != "plain" else "",
                placeholder=hint,
                password=self.register or bool(acct and acct.password.kind == "plain"),
                id="secret",
            )
            yield Label("Server host (empty: from the JID via DNS)")
            yield Input(acct.host or "" if acct else "", id="host")
            yield Label("Port (empty: default)")
            yield Input(str(acct.port) if acct and acct.port else "", id="port")
            yield Label("TLS")
            yield Select(
                (("STARTTLS, required (port 5222)", "starttls"), ("direct TLS (5223)", "direct")),
                value=str(acct.tls.value) if acct else "starttls",
                allow_blank=False,
                id="tls",
            )
            yield Label("CA certificate file to trust (optional, PEM)")
            yield Input(str(acct.ca_file) if acct and acct.ca_file else "", id="ca-file")
            yield Static("", id="form-error")
            with Horizontal():
                yield Button("Save (Ctrl+S)", id="save", variant="primary")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        """Focus the first editable field."""
        self.query_one("#secret" if self.existing else "#jid", Input).focus()

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self.query_one("#secret", Input).password = event.value == "plain"

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """Validate and return the account."""
        result = build_account(
            self.query_one("#jid", Input).value,
            str(self.query_one("#kind", Select).value),
            self.query_one("#secret", Input).value,
            self.query_one("#host", Input).value,
            self.query_one("#port", Input).value,
            str(self.query_one("#tls", Select).value),
            base=self.existing,
            ca_file=self.query_one("#ca-file", Input).value,
        )
        if isinstance(result, str):
            self.query_one("#form-error", Static).update(result)
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
