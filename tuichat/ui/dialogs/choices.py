"""Provides :class:`ChoiceDialog`: a small modal list to pick one line from, or just read.

The reaction picker, a message's earlier versions and its links use it: Up/Down move, Enter
picks (or closes a read-only list), Escape closes without a choice. Every line is plain
``Text`` built by the caller from network text through ``safe_text``, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList


class ChoiceDialog(ModalScreen[int | None]):
    """Pick one of ``lines`` (its index), or close (``None``)."""

    DEFAULT_CSS = """
    ChoiceDialog { align: center middle; }
    ChoiceDialog > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ChoiceDialog OptionList { height: auto; max-height: 16; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, title: str, lines: Sequence[Text], *, read_only: bool = False) -> None:
        super().__init__()
        self._title = title
        self._lines = list(lines)
        self._read_only = read_only

    def compose(self) -> ComposeResult:
        """The title and the list."""
        with Vertical():
            yield Label(Text(self._title, style="bold"))
            yield OptionList(*self._lines)

    def on_mount(self) -> None:
        """The list takes the keys."""
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(None if self._read_only else event.option_index)

    def action_close(self) -> None:
        """Close without a choice."""
        self.dismiss(None)
