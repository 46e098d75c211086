"""Provides the occupant list of a room: grouped by role, affiliation marks, presence symbols.

Built on ``OptionList`` (one option per line, painted lazily), so a room of 1,000 occupants
is one list, not 1,000 widgets. Updates are coalesced: :meth:`OccupantList.show` records the
occupants and rebuilds at most once per :data:`COALESCE` seconds, whatever the burst of
presence. Nicks are network text and go through ``safe_text``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tuichat.model import Occupant, Show
from tuichat.ui.nickcolor import nick_color
from tuichat.ui.render import safe_text
from tuichat.ui.rooms import AFFILIATION_MARKS, OccupantRow, occupant_rows
from tuichat.ui.themes import resolve_color
from tuichat.ui.widgets.symbols import PRESENCE_SYMBOLS, PRESENCE_VARIABLES

COALESCE = 0.05
"""Seconds between two rebuilds at most (bursts of presence become one rebuild)."""


class OccupantList(OptionList):
    """Who is in the room in view."""

    DEFAULT_CSS = """
    OccupantList {
        width: 24;
        height: 1fr;
        border: none;
        border-left: vkey $panel;
        padding: 0;
        background: $surface;
        scrollbar-size-vertical: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        & > .option-list--option { padding: 0; }
        &:focus { background-tint: $foreground 4%; }
    }
    """

    @dataclass
    class OccupantChosen(Message):
        """Enter (or a click) on an occupant: talk to them privately."""

        occupants: OccupantList
        nick: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[OccupantRow] = []
        self._pending: tuple[list[Occupant], str] | None = None
        self._scheduled = False
        self.rebuilds = 0
        """How many times the options were rebuilt (tests check the coalescing)."""

    @property
    def rows(self) -> list[OccupantRow]:
        """The rows shown."""
        return self._rows

    @property
    def pending(self) -> bool:
        """Whether a rebuild is waiting for its turn."""
        return self._scheduled

    def on_mount(self) -> None:
        """Re-render colours when the theme changes."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._rebuild())

    def show(self, occupants: Iterable[Occupant], own_nick: str = "", *, now: bool = False) -> None:
        """Show ``occupants`` (rebuilt within :data:`COALESCE` s, or at once with ``now``)."""
        self._pending = (list(occupants), own_nick)
        if now:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            self.set_timer(COALESCE, self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, None
        if pending is not None:
            occupants, own = pending
            self._rows = occupant_rows(occupants, own)
            self._rebuild()

    def _rebuild(self) -> None:
        self.rebuilds += 1
        highlighted = self.highlighted
        variables = self.app.theme_variables
        colors = {show: resolve_color(variables, var) for show, var in PRESENCE_VARIABLES.items()}
        self.set_options([Option(self._prompt(row, colors)) for row in self._rows])
        if highlighted is not None and self.option_count:
            self.highlighted = min(highlighted, self.option_count - 1)

    def _prompt(self, row: OccupantRow, colors: dict[Show, str]) -> Text:
        if row.kind == "heading" or row.occupant is None:
            return Text(row.label, style=Style(bold=True, dim=True), no_wrap=True)
        occupant = row.occupant
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(PRESENCE_SYMBOLS[occupant.show], style=Style(color=colors[occupant.show]))
        text.append(" ")
        text.append(AFFILIATION_MARKS[occupant.affiliation], style=Style(bold=True))
        style = Style(color=nick_color(occupant.nick), bold=row.own, underline=row.own)
        text.append_text(safe_text(occupant.nick, style))
        return text

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._rows):
            row = self._rows[event.option_index]
            if row.occupant is not None and not row.own:
                self.post_message(self.OccupantChosen(self, row.occupant.nick))
