"""Provides the certificate review: trust an untrusted server certificate once, always, or not.

Shown when ``CertificateUntrusted`` arrives. The fingerprint is shown in groups of four hex
digits, eight to a line, so it can be compared by eye with the one the server's admin gives.
Nothing is trusted by default: Esc and n answer no, and No has the focus.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tuichat.certificates import groups
from tuichat.config import ConfigError, update_account
from tuichat.errors import ClientError
from tuichat.events import CertificateUntrusted
from tuichat.ui.context import UIContext
from tuichat.ui.render import safe_text


class Trust(StrEnum):
    """The user's answer."""

    ONCE = "once"
    """Until tuichat stops."""
    ALWAYS = "always"
    """Pinned in the config (``cert_fingerprint``)."""
    NO = "no"


class CertificateReview(ModalScreen[Trust]):
    """Returns how far the user trusts the certificate of ``event``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "answer('once')", "Trust once"),
        Binding("a", "answer('always')", "Always"),
        Binding("n,escape", "answer('no')", "No"),
    ]
    """o, a and n answer at once; Tab moves between the buttons, Enter presses one."""

    DEFAULT_CSS = """
    CertificateReview { align: center middle; }
    CertificateReview > Vertical {
        width: 72;
        max-width: 95%;
        height: auto;
        border: round $warning;
        background: $surface;
        padding: 1 2;
    }
    CertificateReview #certificate-fingerprint { margin: 1 0; padding: 0 2; }
    CertificateReview Horizontal { height: auto; margin-top: 1; }
    CertificateReview Button { margin-right: 2; }
    """

    def __init__(self, event: CertificateUntrusted) -> None:
        super().__init__()
        self.event = event
        """What the server offered, for which account."""

    def compose(self) -> ComposeResult:
        """What, where and why; the fingerprint; the three answers."""
        event = self.event
        head = Text("Untrusted certificate\n\n", style=Style(bold=True))
        for label, value in (("Account", event.account), ("Server", event.host)):
            head.append(f"{label:<9}")
            head.append_text(safe_text(value, Style(bold=True)))
            head.append("\n")
        head.append(f"{'Why':<9}")
        head.append_text(safe_text(event.reason))
        head.append("\n\nSHA-256 fingerprint (compare it with the one your server's admin gives):")
        shown = groups(event.fingerprint)
        lines = [" ".join(shown[i : i + 8]) for i in range(0, len(shown), 8)]
        with Vertical():
            yield Static(head)
            fingerprint = Text("\n".join(lines), style=Style(bold=True))
            yield Static(fingerprint, id="certificate-fingerprint")
            yield Static(
                "Trusting it sends your password to this server. From then on only this "
                "certificate is accepted for the account; a changed one is refused."
            )
            with Horizontal():
                yield Button("Trust once (o)", id="once")
                yield Button("Always (a)", id="always", variant="warning")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        """Focus No: the safe answer."""
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(Trust(event.button.id or "no"))

    def action_answer(self, answer: str) -> None:
        """Answer (``once``, ``always`` or ``no``)."""
        self.dismiss(Trust(answer))


async def act_on(ctx: UIContext, event: CertificateUntrusted, answer: Trust) -> str | None:
    """Do what the user answered: trust the certificate for this run (the client reconnects),
    or pin it in the config and apply it. Return what went wrong in words, else None."""
    try:
        if answer is Trust.ONCE:
            await ctx.client.trust_certificate(event.account, event.fingerprint)
        elif answer is Trust.ALWAYS:
            update_account(ctx.config.path, event.account, cert_fingerprint=event.fingerprint)
            if problem := ctx.reload_config():
                return problem
            await ctx.client.apply_accounts(ctx.config.accounts)
    except (ClientError, ConfigError) as exc:
        return str(exc)
    except OSError as exc:
        return f"{ctx.config.path}: {exc.strerror or exc}"
    return None
