"""Provides the composer: the multi-line text area where messages and slash commands are typed.

Enter sends; Alt+Enter and Ctrl+J insert a new line (terminals without the kitty keyboard
protocol send Alt+Enter as ESC CR, which :mod:`tuichat.ui.terminal_keys` maps to Ctrl+J).
Up in an empty composer asks for the last sent message; Tab completes slash commands and JIDs
through the ``completer`` attribute the screen sets (in a room, with ``nick_completion`` on,
it also completes the nicks of plain text). Home/End in an empty composer scroll the log.
Every character typed is text: a message may start with ``?`` (help is F1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea

from tuichat.records import record
from tuichat.ui.batching import KeysFirst
from tuichat.ui.terminal_keys import ALT_DIGIT_CHARACTERS

Completer = Callable[[str], list[str]]

NEWLINE_KEYS = ("ctrl+j", "alt+enter")
"""Keys that insert a line break (ESC CR from tmux/xterm arrives as ctrl+j)."""


class Composer(TextArea):
    """The message input."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(",".join(NEWLINE_KEYS), "newline", "New line", show=False),
    ]

    DEFAULT_CSS = """
    Composer {
        height: auto;
        min-height: 3;
        max-height: 10;
        border: tall $panel;
        background: $surface;
        padding: 0 1;
        &:focus { border: tall $primary; }
    }
    """

    @record
    class Submitted(Message):
        """The user pressed Enter on non-empty text."""

        composer: Composer
        text: str

    @record
    class RecallRequested(Message):
        """Up was pressed in an empty composer: the screen may put the last message back."""

        composer: Composer

    @record
    class ScrollRequested(Message):
        """Home/End in an empty composer: scroll the log to the ``where`` end."""

        composer: Composer
        where: str

    def __init__(self, *, id: str | None = None, placeholder: str = "") -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=placeholder,
            highlight_cursor_line=False,
        )
        self.completer: Completer | None = None
        """Returns completions (whole new lines) of the text; set by the screen."""
        self.nick_completion = False
        """Tab completes nicks in plain text too (set while a room is in view)."""
        self._completions: list[str] = []
        self._completion_index = -1
        self.keys: KeysFirst | None = None
        """Told of each key and of the frame that shows it (set by the screen): work that
        can wait (a busy room's messages) lets that frame go first."""

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        """Let Alt+digit fallback characters reach the screen while the composer is empty."""
        if character is not None and character in ALT_DIGIT_CHARACTERS and not self.text:
            return False
        return super().check_consume_key(key, character)

    def set_text(self, text: str) -> None:
        """Replace the text and put the cursor at its end."""
        self.text = text
        self.move_cursor(self.document.end)

    def action_newline(self) -> None:
        """Insert a line break at the cursor."""
        start, end = self.selection
        self.replace("\n", start, end, maintain_selection_offset=False)

    def post_message(self, message: Message) -> bool:
        """Queue ``message``; a key (forwarded by the app) is told to :attr:`keys` at once, so
        work due before the key is handled already lets its frame go first."""
        if self.keys is not None and isinstance(message, events.Key):
            self.keys.key()
            # Twice: this widget's repaint reaches the screen only once it is idle, after a
            # first registration, which the screen may run before the frame that shows the key.
            self.call_after_refresh(self.call_after_refresh, self.keys.painted)
        return super().post_message(message)

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        empty = not self.text
        if key != "tab":
            self._completions = []
        if key in NEWLINE_KEYS:  # here, not as a binding: it must land before the next key
            event.stop()
            event.prevent_default()
            self.action_newline()
            return
        if key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip():
                self.text = ""
                self.post_message(self.Submitted(self, text))
            return
        completes = self.text.startswith("/") or (self.nick_completion and bool(self.text))
        if key == "tab" and self.completer is not None and completes:
            event.stop()
            event.prevent_default()
            self._complete()
            return
        if empty and key == "up":
            event.stop()
            event.prevent_default()
            self.post_message(self.RecallRequested(self))
            return
        if empty and key in ("home", "end"):
            event.stop()
            event.prevent_default()
            self.post_message(self.ScrollRequested(self, key))
            return
        await super()._on_key(event)

    def _complete(self) -> None:
        assert self.completer is not None
        if self._completions and self.text == self._completions[self._completion_index]:
            self._completion_index = (self._completion_index + 1) % len(self._completions)
        else:
            self._completions = self.completer(self.text)
            self._completion_index = 0
            if not self._completions:
                self.app.bell()
                return
        self.set_text(self._completions[self._completion_index])
