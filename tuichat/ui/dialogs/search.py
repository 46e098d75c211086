"""Provides message search: type, see matches newest first, Enter opens the conversation.

The store query runs in a worker, ``exclusive`` in its own group (the latest query wins),
after a short pause in typing.
"""

from __future__ import annotations

import asyncio
from datetime import tzinfo
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tuichat.model import Message
from tuichat.store import Store
from tuichat.ui.dialogs.picker import PickerScreen
from tuichat.ui.render import safe_text
from tuichat.ui.trust import shown_body

SHOWN = 100
"""The newest matches listed."""
COUNT_CAP = 10_000
"""Matches are counted up to this many."""


def count_words(query: str, shown: int, total: int) -> str:
    """The line above the results: "type to search", "12 found", "100 of 2,000 (newest
    first; add words to narrow)"."""
    if not query.strip():
        return "type to search"
    if total <= shown:
        return f"{shown:,} found"
    more = f"{COUNT_CAP:,}+" if total >= COUNT_CAP else f"{total:,}"
    return f"{shown:,} of {more} (newest first; add words to narrow)"


class SearchScreen(PickerScreen[Message]):
    """Full-text search over every stored message."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Close"),
    ]

    DEFAULT_CSS = """
    SearchScreen { align: center top; }
    SearchScreen > Vertical {
        width: 90%;
        height: 80%;
        margin-top: 1;
        border: round $primary;
        background: $surface;
    }
    SearchScreen Input, SearchScreen Input:focus { border: none; height: 1; padding: 0 1; }
    SearchScreen #search-count { padding: 0 1; color: $text-muted; }
    SearchScreen OptionList { height: 1fr; border: none; }
    """

    def __init__(self, store: Store, query: str = "", *, tz: tzinfo | None = None) -> None:
        super().__init__()
        self.store = store
        self.initial = query
        self.tz = tz
        self.results: list[Message] = []

    def compose(self) -> ComposeResult:
        """Input, count, results."""
        with Vertical():
            yield Input(value=self.initial, placeholder="search messages…", id="search-input")
            yield Static("", id="search-count")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        """Run the initial query."""
        self.query_one(Input).focus()
        if self.initial:
            self._search(self.initial)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @work(exclusive=True, group="search")
    async def _search(self, query: str) -> None:
        # Debounce typing; the store's connection belongs to this thread, so the (indexed,
        # limited) query runs here once the user pauses.
        await asyncio.sleep(0.15)
        results = self.store.search(query, limit=SHOWN) if query.strip() else []
        total = len(results)
        if total == SHOWN:  # there may be more: say how many
            total = self.store.search_count(query, cap=COUNT_CAP)
        self._show(query, results, total)

    def _show(self, query: str, results: list[Message], total: int) -> None:
        self.results = results
        listing = self.query_one(OptionList)
        listing.set_options([Option(self._prompt(m)) for m in results])
        if results:
            listing.highlighted = 0
        self.query_one("#search-count", Static).update(
            Text(count_words(query, len(results), total))
        )

    def _prompt(self, message: Message) -> Text:
        when = message.timestamp.astimezone(self.tz).strftime("%Y-%m-%d %H:%M ")
        text = Text(when, style=Style(dim=True))
        text.append_text(safe_text(message.conversation, Style(bold=True)))
        text.append(": ")
        text.append_text(safe_text(shown_body(message).replace("\n", " ")[:200]))
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    def picked(self, index: int) -> Message | None:
        """The message of the result at ``index``."""
        return self.results[index] if index < len(self.results) else None
