"""Provides :class:`SelectableLog`: the message log with a keyboard selection.

Alt+Up (the ``select_message`` command) selects the newest message and focuses the log; Up and
Down move the selection (loading older pages at the top as scrolling does), Esc leaves. On the
selected message: ``r`` reply, ``e`` correct (own), ``x`` retract (own), ``+`` react (a small
picker), ``c`` copy, ``o`` open its links, ``f`` save or open its files, ``v`` earlier
versions, ``m`` remove (moderators), ``g`` go to the message a reply quotes.
The widget only says what was asked (:class:`SelectableLog.ActionWanted`); the commands decide.
The selected message is marked with a symbol and reversed, not by colour alone.

Pictures in the log: when a message with a picture file (:func:`tuichat.previews.previewable`)
is first painted, the log asks for it once (the ``pictures`` action); the commands decide
whether to fetch it and answer through :attr:`SelectableLog.ActionWanted.answer`
(:meth:`SelectableLog.show_picture`), which re-renders that message's lines only.
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from datetime import tzinfo
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message as TMessage
from textual.strip import Strip

from tuichat.model import Message
from tuichat.pictures import Picture
from tuichat.previews import previewable
from tuichat.ui.picture_lines import ShowPicture
from tuichat.ui.widgets.message_lines import LineLook, day_line, local_day, message_block
from tuichat.ui.widgets.message_log import MessageLog

LOG_ACTIONS = {
    "r": "reply",
    "e": "correct",
    "x": "retract",
    "plus": "react",
    "c": "copy",
    "o": "open",
    "f": "files",
    "v": "versions",
    "m": "moderate",
    "g": "quoted",
}
"""Keys on a selected message → what they ask for."""


class SelectableLog(MessageLog):
    """A :class:`MessageLog` whose messages can be selected and acted on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Leave selection", show=False),
        *(
            Binding(key, f"act('{name}')", name.capitalize(), show=False)
            for key, name in LOG_ACTIONS.items()
        ),
    ]

    class ActionWanted(TMessage):
        """The reader asked for ``action`` on ``message`` (``leave``: selection ended)."""

        def __init__(
            self, action: str, message: Message | None, answer: ShowPicture | None = None
        ) -> None:
            super().__init__()
            self.action = action
            self.message = message
            self.answer = answer
            """Where a picture of the message goes (:meth:`SelectableLog.show_picture`)."""

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(tz=tz, id=id)
        self.selected_id: int | None = None
        """The selected message's store id (``None``: no selection)."""
        self._pictures: dict[str, Picture | Text] = {}
        """By file address: its picture, or the words shown instead."""
        self._asked: set[str] = set()
        """File addresses whose picture was asked for (once a session)."""

    @property
    def selected(self) -> Message | None:
        """The selected message, if it is loaded."""
        for message in reversed(self.messages):
            if message.id is not None and message.id == self.selected_id:
                return message
        return None

    def _look(self) -> LineLook:
        return replace(super()._look(), selected_id=self.selected_id, pictures=self._pictures)

    def start_selection(self) -> bool:
        """Select the newest message and take the focus; whether there is one."""
        if not self.messages:
            return False
        self._select(len(self.messages) - 1)
        self.focus()
        return True

    def _index(self) -> int | None:
        for index in range(len(self.messages) - 1, -1, -1):
            if self.messages[index].id == self.selected_id:
                return index
        return None

    def _select(self, index: int) -> None:
        self.selected_id = self.messages[index].id
        self._relayout()
        if index < len(self._starts):
            top = self._starts[index]
            end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self._lines)
            if top < self.scroll_y or end > self.scroll_y + self.scrollable_content_region.height:
                self.scroll_to(y=max(0, top - 1), animate=False, immediate=True)

    def action_scroll_up(self) -> None:
        """Up: the message above (scroll when nothing is selected)."""
        index = self._index()
        if index is None:
            super().action_scroll_up()
        elif index > 0:
            self._select(index - 1)
        else:
            super().action_scroll_up()  # at the top: older ones load as when scrolling

    def action_scroll_down(self) -> None:
        """Down: the message below (scroll when nothing is selected)."""
        index = self._index()
        if index is None:
            super().action_scroll_down()
        elif index + 1 < len(self.messages):
            self._select(index + 1)

    def action_leave(self) -> None:
        """Esc: no selection any more; the composer gets the focus back."""
        self.selected_id = None
        self._relayout()
        self.post_message(self.ActionWanted("leave", None))

    def action_act(self, name: str) -> None:
        """A key on the selected message."""
        message = self.selected
        if message is not None:
            self.post_message(self.ActionWanted(name, message, self.show_picture))

    # -- pictures ------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """Paint, then ask for the pictures of the messages in view not asked for yet."""
        lines = super().render_lines(crop)
        starts, messages = self._starts, self.messages
        if len(starts) == len(messages) and starts:
            top = int(self.scroll_y)
            index = max(0, bisect.bisect_right(starts, top) - 1)
            bottom = top + self.scrollable_content_region.height
            while index < len(starts) and starts[index] < bottom:
                self._want_pictures(messages[index])
                index += 1
        return lines

    def _want_pictures(self, message: Message) -> None:
        wanted = [a for a in message.attachments if a.url not in self._asked and previewable(a)]
        if wanted:
            self._asked.update(a.url for a in wanted)
            self.post_message(self.ActionWanted("pictures", message, self.show_picture))

    def show_picture(self, url: str, shown: Picture | Text) -> None:
        """Show ``shown`` under the file line of ``url`` (a picture, or words instead),
        re-rendering only the lines of the messages that carry it."""
        before = dict(self._pictures)
        self._pictures[url] = shown
        self._asked.add(url)
        if len(self._starts) != len(self.messages) or not self._width:
            return  # the next layout draws it
        for index, message in enumerate(self.messages):
            if any(a.url == url for a in message.attachments):
                self._redraw(index, before)

    def _redraw(self, index: int, before: dict[str, Picture | Text]) -> None:
        """Lay out message ``index`` again in place: its lines as drawn with the pictures
        ``before`` give way to those with the pictures now (their count may change)."""
        message, start, width = self.messages[index], self._starts[index], self._width
        look = replace(self._look(), mention_nick=self._mention_nicks()[index])
        day = local_day(message.timestamp, look)
        dated = start < len(self._lines) and (
            self._lines[start].text.rstrip() == day_line(day, width, look).text.rstrip()
        )
        previous_day = None if dated else day
        old = len(message_block(previous_day, message, width, replace(look, pictures=before)))
        fresh = message_block(previous_day, message, width, look)
        above = start + old <= self.scroll_y and not self._pinned  # the view keeps its lines
        self._lines[start : start + old] = fresh
        shift = len(fresh) - old
        self._starts[index + 1 :] = [s + shift for s in self._starts[index + 1 :]]
        self._grow(Size(width, len(self._lines)))
        if above and shift:
            self.scroll_to(y=self.scroll_y + shift, animate=False, immediate=True)
        self.refresh()
