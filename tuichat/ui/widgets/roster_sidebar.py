"""Provides the roster sidebar: the filter line above the contact list of every account.

The screen assigns :attr:`RosterSidebar.rows` (the rows to show) and
:attr:`RosterSidebar.current` (the conversation in view); the sidebar posts what the user did:
:class:`RosterSidebar.FilterChanged`, :class:`RosterSidebar.FirstMatchChosen`, and the list's
own ``RosterList.ContactChosen`` and ``RosterList.FoldToggled``.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input

from tuichat.records import record
from tuichat.ui.state import ConvKey, RosterRow
from tuichat.ui.widgets.roster_list import RosterList

CHOOSABLE = ("contact", "room", "private")
"""Rows Enter in the filter can open."""


class RosterSidebar(Vertical):
    """The left-hand side of the main screen."""

    DEFAULT_CSS = """
    RosterSidebar {
        width: 30;
        max-width: 40%;
        background: $surface;
        border-right: vkey $pane-separator;
        &.-hidden { display: none; }
    }
    RosterSidebar #roster-filter {
        height: 1;
        border: none;
        padding: 0 1;
        background: $panel;
        &:focus { border: none; background: $primary 30%; }
    }
    """

    rows: reactive[tuple[RosterRow, ...]] = reactive(
        tuple, init=False, always_update=True, layout=False, repaint=False
    )
    """The rows to show (the list re-measures only the rows that changed)."""
    current: reactive[ConvKey | None] = reactive(None, init=False, layout=False, repaint=False)
    """The conversation in view (marked in the list)."""

    @record
    class FilterChanged(Message):
        """The filter text changed."""

        text: str

    @record
    class FirstMatchChosen(Message):
        """Enter in the filter: open the first row it leaves."""

        key: ConvKey

    def compose(self) -> ComposeResult:
        """The filter line and the list."""
        yield Input(placeholder="filter contacts (Ctrl+F)", id="roster-filter")
        yield RosterList(id="roster")

    def _watch_rows(self, rows: tuple[RosterRow, ...]) -> None:
        roster = self.query_one(RosterList)
        roster.current = self.current
        roster.rows = list(rows)

    def toggle(self) -> None:
        """Show or hide the sidebar."""
        self.toggle_class("-hidden")

    def focus_filter(self) -> None:
        """Show the sidebar and put the cursor in the filter."""
        self.remove_class("-hidden")
        self.query_one("#roster-filter", Input).focus()

    @on(Input.Changed, "#roster-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    @on(Input.Submitted, "#roster-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        first = next((r for r in self.rows if r.kind in CHOOSABLE), None)
        if first is not None:
            self.query_one("#roster-filter", Input).value = ""
            self.post_message(self.FirstMatchChosen(first.key))
