"""Provides the room picker: the room browser (``/rooms``) and the bookmark list (``/bookmarks``),
and in the same shape the block list (``/blocked``).

A modal that loads its entries through a coroutine (the list of a chat service, or the
bookmarks), shows them with name, JID and a detail (occupant count, autojoin), filters as
you type, and returns the chosen room's JID on Enter. A failed load is shown in words.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
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

from tuichat.errors import ClientError
from tuichat.ui.dialogs.picker import PickerScreen
from tuichat.ui.fuzzy import rank
from tuichat.ui.render import safe_text

log = logging.getLogger(__name__)

LIMIT = 500
"""Entries shown at most for one query (type more to narrow)."""


@dataclass(frozen=True, slots=True)
class PickerEntry:
    """One room the picker offers."""

    jid: str
    name: str = ""
    detail: str = ""
    """Shown dim after the JID: "12 here", "autojoin"…"""
    description: str = ""

    @property
    def haystack(self) -> str:
        """What the filter matches against."""
        return f"{self.name} {self.jid} {self.description}".strip()


Loader = Callable[[], Awaitable[list[PickerEntry]]]


class RoomPicker(PickerScreen[str]):
    """A filterable list of rooms (or of other JIDs); Enter returns the highlighted JID."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel"),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
    ]

    DEFAULT_CSS = """
    RoomPicker { align: center top; }
    RoomPicker > Vertical {
        width: 80%;
        min-width: 40;
        max-width: 110;
        height: auto;
        max-height: 85%;
        margin-top: 2;
        border: round $primary;
        background: $surface;
    }
    RoomPicker #picker-title { padding: 0 1; text-style: bold; }
    RoomPicker #picker-status { padding: 0 1; color: $foreground-darken-2; }
    RoomPicker #picker-status.-error { color: $error; }
    RoomPicker Input, RoomPicker Input:focus { border: none; height: 1; padding: 0 1; }
    RoomPicker OptionList { height: auto; max-height: 24; border: none; }
    """

    def __init__(
        self,
        title: str,
        load: Loader,
        *,
        marker: str = "# ",
        hint: str = "type to filter; Enter joins, Esc closes",
        noun: str = "room",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.load = load
        self.marker = marker
        """Drawn before each entry (``#`` for a room)."""
        self.hint = hint
        self.noun = noun
        """What an entry is, for the count ("3 rooms")."""
        self.entries: list[PickerEntry] = []
        self.loaded = False
        self._shown: list[PickerEntry] = []

    def compose(self) -> ComposeResult:
        """Title, filter, status, list."""
        with Vertical():
            yield Static(safe_text(self.title_text), id="picker-title")
            yield Input(placeholder=self.hint, id="picker-input")
            yield Static("loading…", id="picker-status")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        """Load the entries in the background."""
        self.query_one(Input).focus()
        self.run_worker(self._load(), group="picker", exit_on_error=False)

    async def _load(self) -> None:
        status = self.query_one("#picker-status", Static)
        try:
            self.entries = sorted(await self.load(), key=lambda e: (e.name or e.jid).casefold())
        except ClientError as exc:
            log.warning("%s: %s", self.title_text, exc)
            status.update(safe_text(f"could not load: {exc}"))
            status.add_class("-error")
            return
        self.loaded = True
        self._fill(self.query_one(Input).value)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if self.loaded:
            self._fill(event.value)

    def _fill(self, query: str) -> None:
        self._shown = rank(query, self.entries, key=lambda e: e.haystack, limit=LIMIT)
        results = self.query_one(OptionList)
        results.set_options([Option(self._prompt(e)) for e in self._shown])
        if self._shown:
            results.highlighted = 0
        status = self.query_one("#picker-status", Static)
        total = len(self.entries)
        if not total:
            status.update("nothing here")
        elif query:
            status.update(f"{len(self._shown)} of {total} match")
        else:
            status.update(f"{total} {self.noun}{'s' if total != 1 else ''}")

    def _prompt(self, entry: PickerEntry) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(self.marker, style=Style(bold=True))
        if entry.name and entry.name != entry.jid:
            text.append_text(safe_text(entry.name, Style(bold=True)))
            text.append("  ")
        named = bool(entry.name) and entry.name != entry.jid
        text.append_text(safe_text(entry.jid, Style(dim=named, bold=not named)))
        if entry.detail:
            text.append_text(safe_text(f"  {entry.detail}", Style(italic=True)))
        if entry.description:
            text.append_text(safe_text(f"  {entry.description}", Style(dim=True)))
        return text

    def picked(self, index: int) -> str | None:
        """The room JID of the option at ``index``."""
        return self._shown[index].jid if index < len(self._shown) else None
