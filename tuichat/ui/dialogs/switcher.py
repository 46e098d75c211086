"""Provides the quick switcher: a modal with an input and a fuzzy-ranked list of conversations.

Covers every contact, room, bookmark and open/recent conversation of ALL accounts; returns
the chosen ``(account, jid)`` or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tuichat.ui.dialogs.picker import PickerScreen
from tuichat.ui.fuzzy import rank
from tuichat.ui.render import safe_text
from tuichat.ui.state import ConvKey


@dataclass(frozen=True, slots=True)
class Target:
    """One thing the switcher can jump to."""

    account: str
    jid: str
    name: str
    room: bool = False
    """A room (joined, known or bookmarked): shown with ``#``."""

    @property
    def key(self) -> ConvKey:
        """The conversation key."""
        return (self.account, self.jid)

    @property
    def haystack(self) -> str:
        """What the query is matched against."""
        return self.jid if self.name == self.jid else f"{self.name} {self.jid}"


class QuickSwitcher(PickerScreen[ConvKey]):
    """Ctrl+K: type a few letters of a name or JID, Enter jumps there."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel"),
    ]

    DEFAULT_CSS = """
    QuickSwitcher { align: center top; }
    QuickSwitcher > Vertical {
        width: 70%;
        min-width: 40;
        max-width: 90;
        height: auto;
        max-height: 80%;
        margin-top: 2;
        border: round $primary;
        background: $surface;
    }
    QuickSwitcher #switcher-title { padding: 0 1; text-style: bold; }
    QuickSwitcher Input, QuickSwitcher Input:focus { border: none; height: 1; padding: 0 1; }
    QuickSwitcher OptionList { height: auto; max-height: 20; border: none; }
    """

    def __init__(
        self, targets: list[Target], *, unread: dict[ConvKey, int], multi: bool = False
    ) -> None:
        super().__init__()
        self.targets = targets
        self.unread = unread
        self.multi = multi
        self._shown: list[Target] = []

    def compose(self) -> ComposeResult:
        """Title, input, results."""
        with Vertical():
            yield Static("Go to conversation", id="switcher-title")
            yield Input(placeholder="name or JID…", id="switcher-input")
            yield OptionList(id="switcher-list")

    def on_mount(self) -> None:
        """Show every target until something is typed."""
        self._fill("")
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        self._shown = rank(query, self.targets, key=lambda t: t.haystack, limit=50)
        options = [Option(self._prompt(t)) for t in self._shown]
        results = self.query_one(OptionList)
        results.set_options(options)
        if options:
            results.highlighted = 0

    def _prompt(self, target: Target) -> Text:
        text = Text("# " if target.room else "", style=Style(bold=True))
        text.append_text(safe_text(target.name, Style(bold=True)))
        if target.name != target.jid:
            text.append_text(safe_text(f"  {target.jid}", Style(dim=True)))
        unread = self.unread.get(target.key, 0)
        if unread:
            text.append(f"  [{unread}]", style=Style(bold=True))
        if self.multi:
            text.append_text(safe_text(f"  ({target.account})", Style(dim=True, italic=True)))
        return text

    def picked(self, index: int) -> ConvKey | None:
        """The conversation of the option at ``index``."""
        return self._shown[index].key if index < len(self._shown) else None
