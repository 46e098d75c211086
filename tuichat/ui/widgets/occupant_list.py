"""Provides the occupant list of a room: grouped by role, affiliation marks, presence symbols.

Virtual: a ``ScrollView`` that paints only the lines in view (``render_line``), each built on
first paint and cached, so a room of 1,000 occupants costs a sort and a screenful of lines,
not 1,000 widgets or options. Updates are coalesced: :meth:`OccupantList.show` records the
occupants and rebuilds at most once per :data:`COALESCE` seconds, whatever the burst of
presence. Nicks are network text and go through ``safe_text``. Up/Down move a cursor when
the list has focus; Enter (or a click) on an occupant asks for a private chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuichat.model import Occupant, Show
from tuichat.records import record
from tuichat.ui.nickcolor import nick_color
from tuichat.ui.render import safe_text
from tuichat.ui.rooms import AFFILIATION_MARKS, OccupantRow, occupant_rows
from tuichat.ui.themes import resolve_color
from tuichat.ui.widgets.symbols import PRESENCE_SYMBOLS, PRESENCE_VARIABLES

COALESCE = 0.05
"""Seconds between two rebuilds at most (bursts of presence become one rebuild)."""


class OccupantList(ScrollView, can_focus=True):
    """Who is in the room in view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "move(-1000000)", "First", show=False),
        Binding("end", "move(1000000)", "Last", show=False),
        Binding("enter", "choose", "Private chat", show=False),
    ]

    DEFAULT_CSS = """
    OccupantList {
        width: 24;
        height: 1fr;
        border-left: vkey $pane-separator;
        background: $surface;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
        &:focus { background-tint: $foreground 4%; }
    }
    """

    @record
    class OccupantChosen(Message):
        """Enter (or a click) on an occupant: talk to them privately."""

        occupants: OccupantList
        nick: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[OccupantRow] = []
        self._lines: dict[int, Strip] = {}
        self._colors: dict[str, str] = {}
        self._pending: tuple[list[Occupant], str] | None = None
        self._scheduled = False
        self.cursor = 0
        """The highlighted row (shown while the list has focus)."""
        self.rebuilds = 0
        """How many times the rows were rebuilt (tests check the coalescing)."""

    # -- public API ----------------------------------------------------------------------------

    @property
    def rows(self) -> list[OccupantRow]:
        """The rows shown (role headings and occupants)."""
        return self._rows

    @property
    def pending(self) -> bool:
        """Whether a rebuild is waiting for its turn."""
        return self._scheduled

    def prompt(self, index: int) -> Text:
        """The text of row ``index`` as painted (without the cursor)."""
        return self._prompt(self._rows[index], self._presence_colors())

    def show(self, occupants: Iterable[Occupant], own_nick: str = "", *, now: bool = False) -> None:
        """Show ``occupants`` (rebuilt within :data:`COALESCE` s, or at once with ``now``)."""
        self._pending = (list(occupants), own_nick)
        if now:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            self.set_timer(COALESCE, self._flush)

    # -- building ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Re-render colours when the theme changes."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._invalidate())

    def on_resize(self) -> None:
        """Lines are cut to the width: build them again."""
        self._invalidate()

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, None
        if pending is None:
            return
        occupants, own = pending
        self.rebuilds += 1
        self._rows = occupant_rows(occupants, own)
        self.cursor = min(self.cursor, max(0, len(self._rows) - 1))
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))
        self._invalidate()

    def _invalidate(self) -> None:
        self._lines.clear()
        self.refresh()

    def _presence_colors(self) -> dict[Show, str]:
        variables = self.app.theme_variables
        return {show: resolve_color(variables, var) for show, var in PRESENCE_VARIABLES.items()}

    def _nick_color(self, nick: str) -> str:
        color = self._colors.get(nick)
        if color is None:
            color = self._colors[nick] = nick_color(nick)
        return color

    def _prompt(self, row: OccupantRow, colors: dict[Show, str]) -> Text:
        if row.kind == "heading" or row.occupant is None:
            return Text(row.label, style=Style(bold=True, dim=True), no_wrap=True)
        occupant = row.occupant
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(PRESENCE_SYMBOLS[occupant.show], style=Style(color=colors[occupant.show]))
        text.append(" ")
        text.append(AFFILIATION_MARKS[occupant.affiliation], style=Style(bold=True))
        style = Style(color=self._nick_color(occupant.nick), bold=row.own, underline=row.own)
        text.append_text(safe_text(occupant.nick, style))
        return text

    # -- painting ------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Paint line ``y`` of the view (built on first paint, then cached)."""
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        strip = self._lines.get(index)
        if strip is None:
            text = self._prompt(self._rows[index], self._presence_colors())
            text.truncate(width, overflow="ellipsis")
            strip = Strip(list(text.render(self.app.console)), text.cell_len)
            self._lines[index] = strip
        strip = strip.extend_cell_length(width).crop(0, width).apply_style(self.rich_style)
        if index == self.cursor and self.has_focus:
            strip = strip.apply_style(Style(reverse=True))
        return strip

    def on_focus(self) -> None:
        """Show the cursor."""
        self.refresh()

    def on_blur(self) -> None:
        """Hide the cursor."""
        self.refresh()

    # -- moving and choosing -------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows and keep it in view."""
        if not self._rows:
            return
        self.cursor = max(0, min(len(self._rows) - 1, self.cursor + delta))
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True)
        self.refresh()

    def action_choose(self) -> None:
        """Ask for a private chat with the occupant under the cursor."""
        if 0 <= self.cursor < len(self._rows):
            row = self._rows[self.cursor]
            if row.occupant is not None and not row.own:
                self.post_message(self.OccupantChosen(self, row.occupant.nick))

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on the row and chooses it."""
        self.cursor = self.scroll_offset.y + event.y
        self.action_choose()
        self.refresh()
