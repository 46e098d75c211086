"""Provides the help screen: every command of the registry with its keys and slash form."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tuichat.ui.commands import Command, CommandRegistry
from tuichat.ui.trust import LEGEND as TRUST_MARKS

EXTRA_KEYS: tuple[tuple[str, str], ...] = (
    ("Enter", "send the message (or run the /command)"),
    ("Ctrl+J / Alt+Enter", "new line in the composer"),
    ("Up", "in the empty composer: recall the last message you sent here"),
    ("Tab", "complete /commands and JIDs; otherwise next field"),
    ("Home / End", "in the empty composer: oldest loaded / newest message"),
    ("//text", "send a message that starts with /"),
)
"""Keys that are not commands of the registry. The keys cell stays short: conditions go in
the words, which wrap (the keys and command columns never wrap nor cut)."""

MESSAGE_MARKS: tuple[tuple[str, str], ...] = (
    (
        "✓ ✓✓ ✓✓ seen",
        "after your messages: on the server; on their device (a delivery receipt); read "
        "(a chat marker). Three dots: still waiting to go out",
    ),
)
"""What the marks in the log mean (``symbols.MESSAGE_MARKERS``), shown under the keys."""


class HelpScreen(ModalScreen[None]):
    """F1, ``?`` outside the composer, or ``/help [CMD]``: the keys and commands, from the one
    registry."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 95%;
        max-width: 110;
        height: 90%;
        border: round $primary;
        background: $surface;
    }
    HelpScreen #help-title { padding: 0 1; text-style: bold; background: $panel; }
    HelpScreen VerticalScroll { padding: 0 1; }
    """

    def __init__(self, registry: CommandRegistry, topic: Command | None = None) -> None:
        super().__init__()
        self.registry = registry
        self.topic = topic
        """The one command to explain (``/help CMD``), or ``None`` for all of them."""

    def compose(self) -> ComposeResult:
        """Title and the table (or the one command asked about)."""
        with Vertical():
            if self.topic is None:
                yield Static("tuichat help: Esc closes, arrows scroll", id="help-title")
            else:
                yield Static(
                    f"help: {self.topic.title} (Esc closes, F1 lists all)", id="help-title"
                )
            with VerticalScroll():
                body = self._table() if self.topic is None else self._one(self.topic)
                yield Static(body, id="help-table")

    def on_mount(self) -> None:
        """Let the arrow keys scroll."""
        self.query_one(VerticalScroll).focus()

    def _keys(self, keys: str) -> str:
        from textual.binding import Binding as B

        shown = [self.app.get_key_display(B(k.strip(), "")) for k in keys.split(",") if k]
        return " / ".join(shown)

    def _table(self) -> Table:
        table = Table(box=None, expand=True, pad_edge=False, show_header=True)
        # Keys and titles take the width they need; the words wrap in what is left.
        table.add_column("Keys", style=Style(bold=True), no_wrap=True)
        table.add_column("Command", no_wrap=True)
        table.add_column("What it does", ratio=1, overflow="fold")
        for command in self.registry.commands:
            if command.name.startswith("switch_") and command.name != "switch_1":
                continue
            keys = self._keys(command.keys)
            title = command.title
            what = Text(command.help)
            if command.name == "switch_1":
                keys = keys.replace("1", "1…9")
                title = "Chat 1…9"
                what = Text("Go to open conversation number 1…9.")
            if command.slash_usage:
                what = Text(command.slash_usage + "  ", style=Style(italic=True)) + what
            table.add_row(keys, title, what)
        for extra_keys, extra_what in EXTRA_KEYS:
            table.add_row(extra_keys, "", extra_what)
        table.add_row("", "", "")
        table.add_row("Marks", "", Text("what the marks in the log mean", style=Style(dim=True)))
        for mark, words in (*MESSAGE_MARKS, *TRUST_MARKS):
            table.add_row(Text(mark, style=Style(bold=False)), "", words)
        return table

    def _one(self, command: Command) -> Text:
        """Everything about one command: its slash form, keys and what it does."""
        text = Text()
        if command.slash_usage:
            text.append(command.slash_usage, Style(bold=True))
            text.append("\n")
        keys = self._keys(command.keys)
        if keys:
            text.append("keys: ", Style(dim=True))
            text.append(keys, Style(bold=True))
            text.append("\n")
        text.append("\n")
        text.append(command.help)
        if command.usage:
            text.append("\n\n")
            text.append(
                "Words in [brackets] may be left out; a|b means one of them; the last word "
                "takes the rest of the line.",
                Style(dim=True),
            )
        return text

    def action_close(self) -> None:
        """Close help."""
        self.dismiss(None)
