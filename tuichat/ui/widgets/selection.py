"""Provides :class:`SelectableLog`: the message log with a keyboard selection.

Alt+Up (the ``select_message`` command) selects the newest message and focuses the log; Up and
Down move the selection (loading older pages at the top as scrolling does), Esc leaves. On the
selected message: ``r`` reply, ``e`` correct (own), ``x`` retract (own), ``+`` react (a small
picker), ``c`` copy, ``o`` open its links, ``f`` save or open its files, ``v`` earlier
versions, ``m`` remove (moderators), ``g`` go to the message a reply quotes.
The widget only says what was asked (:class:`SelectableLog.ActionWanted`); the commands decide.
The selected message is marked with a symbol and reversed, not by colour alone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message as TMessage

from tuichat.model import Message
from tuichat.ui.widgets.message_lines import LineLook
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

        def __init__(self, action: str, message: Message | None) -> None:
            super().__init__()
            self.action = action
            self.message = message

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(tz=tz, id=id)
        self.selected_id: int | None = None
        """The selected message's store id (``None``: no selection)."""

    @property
    def selected(self) -> Message | None:
        """The selected message, if it is loaded."""
        for message in reversed(self.messages):
            if message.id is not None and message.id == self.selected_id:
                return message
        return None

    def _look(self) -> LineLook:
        return replace(super()._look(), selected_id=self.selected_id)

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
            self.post_message(self.ActionWanted(name, message))
