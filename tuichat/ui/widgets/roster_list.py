"""Provides the roster list: contacts of every account, grouped, one option per line.

Built on ``OptionList`` (lines are rendered lazily, so 1,000+ contacts stay fast; every row is
one line, so none is rendered to be measured); the screen sets :attr:`RosterList.rows` and
the list re-renders. Presence is a symbol AND a colour; the contact name and status text come
from the network and go through ``safe_text``.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.geometry import Size, Spacing
from textual.message import Message
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from tuichat.records import record
from tuichat.ui.render import safe_text
from tuichat.ui.state import ConvKey, RosterRow
from tuichat.ui.themes import resolve_color
from tuichat.ui.widgets.symbols import PRESENCE_SYMBOLS, PRESENCE_VARIABLES

MIN_LABEL = 4
"""A name is never cut shorter than this to make room for the unread badge."""


NO_PADDING = Spacing()
"""A row's padding (none, by the CSS below): part of the key of ``OptionList``'s render cache."""


def one_line(text: Text) -> Text:
    """``text`` on one line: a name or status with line breaks (the peer's choice) shows them
    as spaces, as each row is one line (:meth:`RosterList._update_lines`)."""
    if "\n" in text.plain:
        text.plain = text.plain.replace("\n", " ")
    return text


def row_id(row: RosterRow) -> str:
    """A stable option id for ``row`` (NUL cannot occur in a JID)."""
    return f"{row.kind}\0{row.account}\0{row.jid or row.label}"


class RosterList(OptionList):
    """The contact list."""

    DEFAULT_CSS = """
    RosterList {
        height: 1fr;
        border: none;
        padding: 0;
        background: $surface;
        scrollbar-size-vertical: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        & > .option-list--option { padding: 0; }
        &:focus { background-tint: $foreground 4%; }
    }
    """

    @record
    class ContactChosen(Message):
        """Enter (or a click) on a contact: open its conversation."""

        roster: RosterList
        key: ConvKey

    @record
    class FoldToggled(Message):
        """Enter on the "N offline hidden" line."""

        roster: RosterList

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[RosterRow] = []
        self.current: ConvKey | None = None
        """The conversation in view (marked in the list)."""
        self._label_width = 0
        self._shown: tuple[object, ...] | None = None
        """What the options were last built from: an unchanged list is not rebuilt."""
        self._made: dict[tuple[object, ...], Option] = {}
        """Options by (row, width, current), kept while the theme stays the same: an option
        that is given again keeps its measured prompt, so a rebuild after a presence change
        re-measures the changed rows only (a presence flood over a big roster)."""

    @property
    def rows(self) -> list[RosterRow]:
        """The rows shown."""
        return self._rows

    @rows.setter
    def rows(self, rows: list[RosterRow]) -> None:
        self._rows = rows
        self._rebuild()

    def on_mount(self) -> None:
        """Re-render colours when the theme changes."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._rebuild(force=True))

    def on_resize(self) -> None:
        """Re-fit the names when the list's width changes (the badges must stay visible)."""
        if self._row_width() != self._label_width:
            self._rebuild()

    def _row_width(self) -> int:
        """Cells a row may use (a scrollbar's column is always kept free)."""
        return max(0, self.content_region.width - self.styles.scrollbar_size_vertical)

    def _rebuild(self, *, force: bool = False) -> None:
        self._label_width = self._row_width()
        if not self._label_width and not force:
            return  # not laid out yet: the first resize builds it
        signature = (tuple(self._rows), self._label_width, self.current)
        if signature == self._shown and not force:
            return
        if force or (self._shown is not None and self._shown[1] != self._label_width):
            self._made.clear()
        self._shown = signature
        highlighted = self.highlighted
        keep = (
            self.get_option_at_index(highlighted).id
            if highlighted is not None and highlighted < self.option_count
            else None
        )
        variables = self.app.theme_variables
        options = [self._cached_option(row, variables) for row in self._rows]
        self.set_options(options)
        if keep is not None:
            try:
                self.highlighted = self.get_option_index(keep)
            except OptionDoesNotExist:  # the row went away
                self.highlighted = min(highlighted or 0, max(0, self.option_count - 1))

    def _update_lines(self) -> None:
        """``OptionList``'s line map, for rows of one line each: it renders every option to
        measure its height, ~10 ms for 2,000 contacts before the first frame and again at
        each rebuild; a row here is one line (:func:`one_line`), so none is rendered unseen.
        """
        if not self.scrollable_content_region:
            return
        cache = self._line_cache
        for index in range(len(cache.lines), len(self.options)):
            cache.index_to_line[index] = index
            cache.heights[index] = 1
            cache.lines.append((index, 0))
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        virtual_size = Size(width, len(cache.lines))
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def _get_option_render(self, option: Option, style: VisualStyle) -> list[Strip]:
        """A row's line, from its rich ``Text`` straight to segments.

        ``OptionList`` turns each prompt into a Textual ``Content`` and renders that: ~2 M
        instructions a row, 70 M for a screenful of contacts before the first frame. A row is
        one line of styled spans (:meth:`_prompt`), cut with an ellipsis, on the option's style.
        """
        key = (option, style, NO_PADDING)  # the key of OptionList's cache (rows have none)
        strips = self._option_render_cache.get(key)
        if strips is None:
            width = self.scrollable_content_region.width - self._get_left_gutter_width()
            text = (
                option.prompt.copy()
                if isinstance(option.prompt, Text)
                else Text(str(option.prompt))
            )
            text.truncate(width, overflow="ellipsis")
            console, base = self.app.console, style.rich_style
            own = console.get_style(text.style)  # the prompt's own style (Text keeps it apart)
            segments = Segment.apply_style(text.render(console), base + own)
            strips = [Strip(segments).extend_cell_length(width, base)]
            self._option_render_cache[key] = strips
        return strips

    # A row's segments carry no ``{"option": index}`` meta, as ``OptionList`` gives them for
    # the mouse: it makes every segment's style unique to its row, which Rich and Textual
    # then combine, filter and turn into escape codes one by one (20 M instructions before the
    # first frame of a full list). Each row is one line: the mouse's row is its line.

    def _option_under(self, y: int) -> int | None:
        """The option on line ``y`` of the widget, if any."""
        index = self.scroll_offset.y + y
        return (
            index
            if 0 <= y < self.scrollable_content_region.height and index < len(self._rows)
            else None
        )

    async def _on_click(self, event: events.Click) -> None:
        event.prevent_default()  # not ``OptionList``'s, which reads the meta
        index = self._option_under(event.y)
        if index is not None and not self.get_option_at_index(index).disabled:
            self.highlighted = index
            self.action_select()

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        event.prevent_default()
        self._mouse_hovering_over = self._option_under(event.y)

    def _cached_option(self, row: RosterRow, variables: dict[str, str]) -> Option:
        key = (row, self._label_width, row.key == self.current)
        option = self._made.get(key)
        if option is None:
            if len(self._made) > 20_000:
                self._made.clear()
            option = Option(one_line(self._prompt(row, variables)), id=row_id(row))
            self._made[key] = option
        return option

    def _prompt(self, row: RosterRow, variables: dict[str, str]) -> Text:
        if row.kind == "account":
            return safe_text(row.label, Style(bold=True, underline=True))
        if row.kind == "group":
            return safe_text(row.label, Style(bold=True, dim=True))
        if row.kind == "folded":
            return Text(f"  · {row.label} (Enter shows)", style=Style(dim=True, italic=True))
        if row.kind in ("room", "private", "invite"):
            return self._room_prompt(row, variables)
        show = row.presence.show
        color = resolve_color(variables, PRESENCE_VARIABLES[show])
        current = row.key == self.current
        text = Text("▸" if current else " ", style=Style(bold=True))
        text.append(PRESENCE_SYMBOLS[show], style=Style(color=color, bold=True))
        text.append(" ")
        label = safe_text(row.label, Style(bold=bool(row.unread) or current))
        marks = Text()
        if row.network:
            marks.append_text(safe_text(f" ‹{row.network}›", Style(dim=True)))
        if row.unread:
            badge = resolve_color(variables, "unread-badge")
            marks.append(f" [{row.unread}]", style=Style(color=badge, bold=True))
        if row.request:
            marks.append(" ?", style=Style(color=resolve_color(variables, "presence-dnd")))
        room = self._label_width - text.cell_len - marks.cell_len
        if row.note or row.status:
            room -= 1  # the ellipsis of whatever follows takes the last cell
        if marks and room >= MIN_LABEL and label.cell_len > room:
            label.truncate(room, overflow="ellipsis")  # a long name must not hide the badge
        text.append_text(label)
        text.append_text(marks)
        if row.note:
            text.append(f" ({row.note})", style=Style(dim=True, italic=True))
        if row.status:
            text.append(" ")
            text.append_text(safe_text(row.status, Style(dim=True)))
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    def _room_prompt(self, row: RosterRow, variables: dict[str, str]) -> Text:
        """A room (``#``, green when joined), a private chat (``»``) or an invitation (``✉``)."""
        current = row.key == self.current
        text = Text("▸" if current else " ", style=Style(bold=True))
        symbol = {"room": "#", "private": "»", "invite": "✉"}[row.kind]
        joined = row.joined or row.kind == "private"
        color = resolve_color(variables, "presence-online" if joined else "presence-offline")
        if row.kind == "invite":
            color = resolve_color(variables, "unread-badge")
        text.append(symbol, style=Style(color=color, bold=True))
        text.append(" ")
        label = safe_text(row.label, Style(bold=bool(row.unread or row.mentions) or current))
        marks = Text()
        if row.unread:
            badge = resolve_color(variables, "unread-badge")
            marks.append(f" [{row.unread}]", style=Style(color=badge, bold=True))
        if row.mentions:
            mention = resolve_color(variables, "mention")
            marks.append(f" @{row.mentions}", style=Style(color=mention, bold=True, reverse=True))
        room = self._label_width - text.cell_len - marks.cell_len - (1 if row.note else 0)
        if marks and room >= MIN_LABEL and label.cell_len > room:
            label.truncate(room, overflow="ellipsis")
        text.append_text(label)
        text.append_text(marks)
        if row.note:
            text.append_text(safe_text(f" ({row.note})", Style(dim=True, italic=True)))
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    def row_at(self, index: int | None) -> RosterRow | None:
        """The row at option ``index``."""
        if index is None or not 0 <= index < len(self._rows):
            return None
        return self._rows[index]

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        row = self.row_at(event.option_index)
        if row is None:
            return
        if row.kind in ("contact", "room", "private", "invite"):
            self.post_message(self.ContactChosen(self, row.key))
        elif row.kind == "folded":
            self.post_message(self.FoldToggled(self))
