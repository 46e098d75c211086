"""Provides the file picker of ``/upload``: a directory tree from the home folder, keyboard only.

Up/Down move, Enter opens a folder or picks a file, Escape closes without a choice. Hidden
files and folders are left out until ``.`` shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Static

from tuichat.ui.render import safe_text


class FilesTree(DirectoryTree):
    """A directory tree that can hide dot files."""

    show_hidden = False

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        """Everything, or everything but dot files."""
        return paths if self.show_hidden else [p for p in paths if not p.name.startswith(".")]


class FilePicker(ModalScreen[Path | None]):
    """Returns the chosen file, or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose_nothing", "Cancel"),
        Binding("full_stop", "toggle_hidden", "Hidden files"),
    ]

    DEFAULT_CSS = """
    FilePicker { align: center middle; }
    FilePicker > Vertical {
        width: 80%;
        max-width: 100;
        height: 80%;
        border: round $primary;
        background: $surface;
    }
    FilePicker #picker-title { padding: 0 1; text-style: bold; }
    FilePicker FilesTree { height: 1fr; }
    """

    def __init__(self, title: str, root: Path) -> None:
        super().__init__()
        self.title_text = title
        self.root = root

    def compose(self) -> ComposeResult:
        """Title and tree."""
        with Vertical():
            yield Static(safe_text(self.title_text), id="picker-title")
            yield FilesTree(self.root)

    def on_mount(self) -> None:
        """Keys go to the tree."""
        self.query_one(FilesTree).focus()

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(event.path)

    def action_choose_nothing(self) -> None:
        """Close without a file."""
        self.dismiss(None)

    def action_toggle_hidden(self) -> None:
        """Show or hide dot files."""
        tree = self.query_one(FilesTree)
        tree.show_hidden = not tree.show_hidden
        tree.reload()
