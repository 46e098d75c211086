"""Provides :class:`PickerScreen`: a modal list under a filter input, picked with the keyboard.

The quick switcher, the room browser and the search results share it: Up/Down move the
highlight without leaving the input, Enter or a click picks, Escape closes without a choice.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual import on
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList

ResultT = TypeVar("ResultT")


class PickerScreen(ModalScreen[ResultT | None]):
    """Base of the pickers; a subclass says what the option at an index stands for (and
    names its Escape binding: Close, Cancel…)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def picked(self, index: int) -> ResultT | None:
        """What choosing option ``index`` returns (``None``: nothing to choose there)."""
        raise NotImplementedError

    def action_move(self, delta: int) -> None:
        """Move the highlight without leaving the input."""
        results = self.query_one(OptionList)
        if results.option_count:
            current = results.highlighted or 0
            results.highlighted = max(0, min(results.option_count - 1, current + delta))

    def _pick(self, index: int | None) -> None:
        choice = self.picked(index) if index is not None else None
        if choice is not None:
            self.dismiss(choice)

    @on(Input.Submitted)
    def _submitted(self, _event: Input.Submitted) -> None:
        self._pick(self.query_one(OptionList).highlighted)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option_index)

    def action_dismiss_none(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
