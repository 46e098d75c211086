"""Provides the subscription prompt: accept or deny someone who asks to see our presence, or
deny, block and report a stranger's request as spam."""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.style import Style
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tuichat.ui.render import safe_text

Answer = Literal["accept", "deny", "spam"]
"""What the user decided; ``spam`` denies, blocks and reports the requester."""


class SubscriptionPrompt(ModalScreen[Answer | None]):
    """Returns the :data:`Answer`, or None (decide later)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "answer('accept')", "Accept"),
        Binding("d", "answer('deny')", "Deny"),
        Binding("s", "answer('spam')", "Spam"),
        Binding("escape", "later", "Later"),
    ]

    DEFAULT_CSS = """
    SubscriptionPrompt { align: center bottom; }
    SubscriptionPrompt > Vertical {
        width: 64;
        max-width: 95%;
        height: auto;
        max-height: 50%;
        margin-bottom: 2;
        border: round $warning;
        background: $surface;
        padding: 0 2;
        overflow-y: auto;
    }
    SubscriptionPrompt Horizontal { height: auto; margin-top: 1; }
    SubscriptionPrompt Button { margin-right: 2; }
    """

    def __init__(self, account: str, jid: str, message: str = "") -> None:
        super().__init__()
        self.account = account
        self.jid = jid
        self.message = message

    def compose(self) -> ComposeResult:
        """The question and three buttons."""
        text = safe_text(self.jid, Style(bold=True))
        text.append(" asks to see your presence")
        text.append_text(safe_text(f" (account {self.account})", Style(dim=True)))
        if self.message:
            text.append("\n\n")
            text.append_text(safe_text(self.message, Style(italic=True)))
        text.append("\n\nAccepting also asks for their presence in return. ")
        text.append("Spam denies, blocks the sender and reports it to your server.")
        with Vertical():
            yield Static(text)
            with Horizontal():
                yield Button("Accept (a)", id="accept", variant="success", compact=True)
                yield Button("Deny (d)", id="deny", variant="error", compact=True)
                yield Button("Spam (s)", id="spam", variant="error", compact=True)
                yield Button("Later (Esc)", id="later", compact=True)

    def on_mount(self) -> None:
        """Focus Accept."""
        self.query_one("#accept", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        answers: dict[str, Answer] = {"accept": "accept", "deny": "deny", "spam": "spam"}
        self.dismiss(answers.get(event.button.id or ""))

    def action_answer(self, answer: Answer) -> None:
        """Accept, deny, or deny as spam."""
        self.dismiss(answer)

    def action_later(self) -> None:
        """Close without answering."""
        self.dismiss(None)
