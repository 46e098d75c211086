"""Provides :class:`PictureDialog`: one picture as large as the screen allows.

``f`` on a message offers it for a picture file. Unlike the log, which draws pictures as lines
of half blocks, the dialog is a widget of its own (:class:`tuichat.ui.picture_view.PictureView`),
so a terminal with kitty's graphics or sixel shows the picture in full through them. The
label names the file; Escape or Enter closes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from tuichat.ui.picture_view import PictureView


class PictureDialog(ModalScreen[None]):
    """The picture ``data`` (the file's bytes) named ``name``, within the screen."""

    DEFAULT_CSS = """
    PictureDialog { align: center middle; }
    PictureDialog > Vertical {
        width: auto; height: auto; max-width: 100%; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
    ]

    def __init__(self, name: str, data: bytes) -> None:
        super().__init__()
        self._file_name = name
        self._data = data

    def compose(self) -> ComposeResult:
        """The file's name above its picture."""
        columns = max(8, self.app.size.width - 4)
        rows = max(4, self.app.size.height - 5)
        with Vertical():
            yield Label(Text(self._file_name, style="bold"))
            yield PictureView(self._data, columns=columns, rows=rows, label=self._file_name)

    def action_close(self) -> None:
        """Close the picture."""
        self.dismiss(None)
