"""Provides the conversation pane: header, message log, "new messages" notice, composer.

The same pane serves 1:1 chats, rooms and private chats: a room adds the occupant list on
the right (toggleable). The pane only arranges its children and shows the notice; the screen
fills the log and the occupant list and handles the composer's messages.
"""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.message_log import MessageLog
from tuichat.ui.widgets.occupant_list import OccupantList


class ConversationView(Vertical):
    """The right-hand side of the main screen."""

    DEFAULT_CSS = """
    ConversationView {
        width: 1fr;
        height: 1fr;
    }
    ConversationView > #conversation-header {
        height: 1;
        background: $panel;
        padding: 0 1;
        text-style: bold;
    }
    ConversationView #conversation-body { height: 1fr; }
    ConversationView #log-column { width: 1fr; height: 1fr; }
    ConversationView OccupantList { display: none; }
    ConversationView.-occupants OccupantList { display: block; }
    ConversationView #new-messages {
        height: 1;
        display: none;
        background: $accent;
        color: $background;
        text-align: center;
        text-style: bold;
        &.-shown { display: block; }
    }
    ConversationView #inline-error {
        height: auto;
        display: none;
        color: $error;
        padding: 0 1;
        &.-shown { display: block; }
    }
    """

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tz = tz

    def compose(self) -> ComposeResult:
        """Header, log (with notice and error line) beside the occupant list, composer."""
        yield Static("", id="conversation-header")
        with Horizontal(id="conversation-body"):
            with Vertical(id="log-column"):
                yield MessageLog(tz=self._tz, id="log")
                yield Static("", id="new-messages")
                yield Static("", id="inline-error")
            yield OccupantList(id="occupants")
        yield Composer(id="composer", placeholder="Type a message, /help for commands")

    @property
    def message_log(self) -> MessageLog:
        """The message log."""
        return self.query_one(MessageLog)

    @property
    def composer(self) -> Composer:
        """The composer."""
        return self.query_one(Composer)

    @property
    def occupant_list(self) -> OccupantList:
        """The occupant list (shown for rooms only)."""
        return self.query_one(OccupantList)

    @property
    def occupants_shown(self) -> bool:
        """Whether the occupant list is on screen."""
        return self.has_class("-occupants")

    def show_occupants(self, shown: bool) -> None:
        """Show or hide the occupant list."""
        self.set_class(shown, "-occupants")

    def set_header(self, text: Text) -> None:
        """Show ``text`` (built with the safe renderer) in the header line."""
        self.query_one("#conversation-header", Static).update(text)

    def show_error(self, message: str) -> None:
        """Show a one-line error under the log (cleared by the next successful send)."""
        error = self.query_one("#inline-error", Static)
        error.update(Text(message))
        error.set_class(bool(message), "-shown")

    @on(MessageLog.UnseenChanged)
    def _unseen(self, event: MessageLog.UnseenChanged) -> None:
        notice = self.query_one("#new-messages", Static)
        plural = "s" if event.count != 1 else ""
        notice.update(Text(f"{event.count} new message{plural} ↓  (End)"))
        notice.set_class(event.count > 0, "-shown")
