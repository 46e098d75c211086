"""Provides the conversation pane: header, message log, "new messages" notice, inline error,
occupant list and composer.

The same pane serves 1:1 chats, rooms and private chats: a room adds the occupant list on the
right (toggleable). The screen assigns :attr:`ConversationPane.state` (what is in view, as a
frozen :class:`PaneState`) and :attr:`ConversationPane.error`, and hands it messages to show;
the pane posts what the user did as messages (:class:`ConversationPane.LineSubmitted`,
:class:`ConversationPane.OlderWanted`, :class:`ConversationPane.OccupantChosen`). Nobody
outside reaches into its children.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message as TMessage
from textual.reactive import reactive
from textual.widgets import Static

from tuichat.avatars import Avatar
from tuichat.model import Direction, Message, MessageState, Occupant
from tuichat.records import record
from tuichat.ui.batching import KeysFirst
from tuichat.ui.picture_view import PictureView
from tuichat.ui.rooms import Notice
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.message_log import MessageLog
from tuichat.ui.widgets.occupant_list import OccupantList
from tuichat.ui.widgets.selection import SelectableLog

NEW_MESSAGES = "── new messages ──"
"""The divider above the first unread message."""
DIVIDER_LEAD = timedelta(microseconds=1)
"""How much earlier than the first unread message the divider is placed (so it comes first)."""
AVATAR_SIZE = (8, 4)
"""The avatar in the header: columns, rows (8 x 8 pixels in half blocks: about square)."""


@dataclass(frozen=True)
class PaneState:
    """What the pane shows around the messages: set as a whole by the screen."""

    header: Text = field(default_factory=Text)
    """The header line (built with the safe renderer)."""
    occupants: bool = False
    """The occupant list is on screen (a room in view, and F5 has not hidden it)."""
    nick_completion: bool = False
    """Tab completes nicks in plain text too (a room in view)."""
    peer_name: str = ""
    """How the log names the other side of a chat."""
    own_name: str = ""
    """How the log names us."""
    mention_nick: str = ""
    """Our nick in the room in view (its mentions are marked)."""
    avatar: Avatar | None = None
    """The contact's avatar, drawn left of the header where the terminal allows."""


class ConversationPane(Vertical):
    """The right-hand side of the main screen."""

    DEFAULT_CSS = """
    ConversationPane {
        width: 1fr;
        height: 1fr;
    }
    ConversationPane > #header-row { height: auto; background: $panel; }
    ConversationPane #conversation-header {
        width: 1fr;
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    ConversationPane #avatar { margin: 0 0 0 1; }
    ConversationPane #conversation-body { height: 1fr; }
    ConversationPane #log-column { width: 1fr; height: 1fr; }
    ConversationPane OccupantList { display: none; }
    ConversationPane.-occupants OccupantList { display: block; }
    ConversationPane #new-messages {
        height: 1;
        display: none;
        background: $accent;
        color: $background;
        text-align: center;
        text-style: bold;
        &.-shown { display: block; }
    }
    ConversationPane #inline-error {
        height: auto;
        display: none;
        color: $error;
        padding: 0 1;
        &.-shown { display: block; }
    }
    """

    state: reactive[PaneState] = reactive(PaneState, init=False, layout=False, repaint=False)
    """What is in view, apart from the messages."""
    error: reactive[str] = reactive("", init=False, layout=False, repaint=False)
    """A one-line error under the log (cleared by the next line the user enters)."""

    @record
    class LineSubmitted(TMessage):
        """The user entered a line in the composer (a message or a slash command)."""

        text: str

    @record
    class OlderWanted(TMessage):
        """The log was scrolled near its top: older messages than ``oldest`` are wanted."""

        oldest: Message

    @record
    class OccupantChosen(TMessage):
        """An occupant was chosen in the list: a private chat with them is wanted."""

        nick: str

    @record
    class RecallWanted(TMessage):
        """Up in an empty composer: the last message we sent here is wanted back."""

    def __init__(
        self,
        *,
        tz: tzinfo | None = None,
        completer: Callable[[str], list[str]] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._tz = tz
        self._completer = completer
        self.keys_first = KeysFirst()
        """Told by the composer of each key and of the frame that shows it: work that can
        wait (a busy room's messages) lets that frame go first."""

    def compose(self) -> ComposeResult:
        """Header, log (with notice and error line) beside the occupant list, composer."""
        with Horizontal(id="header-row"):
            yield PictureView(columns=AVATAR_SIZE[0], rows=AVATAR_SIZE[1], id="avatar")
            yield Static("", id="conversation-header")
        with Horizontal(id="conversation-body", classes="-frame"):  # see MainScreen's CSS
            with Vertical(id="log-column", classes="-frame"):
                yield SelectableLog(tz=self._tz, id="log")
                yield Static("", id="new-messages")
                yield Static("", id="inline-error")
            yield OccupantList(id="occupants")
        yield Composer(id="composer", placeholder="Type a message, /help for commands")

    def on_mount(self) -> None:
        """Give the composer its completer and the keystroke-first gate."""
        self.composer.completer = self._completer
        self.composer.keys = self.keys_first

    # -- children (read-only, for tests and this pane) -----------------------------------------

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

    # -- attributes down -----------------------------------------------------------------------

    def _watch_state(self, old: PaneState, new: PaneState) -> None:
        if new.header != old.header:
            self.query_one("#conversation-header", Static).update(new.header)
        if new.avatar != old.avatar:
            picture = new.avatar.data if new.avatar is not None else b""
            self.query_one("#avatar", PictureView).show(picture)
        self.set_class(new.occupants, "-occupants")
        log = self.message_log
        log.peer_name = new.peer_name
        log.own_name = new.own_name
        log.mention_nick = new.mention_nick
        self.composer.nick_completion = new.nick_completion

    def _watch_error(self, words: str) -> None:
        line = self.query_one("#inline-error", Static)
        line.update(Text(words))
        line.set_class(bool(words), "-shown")

    # -- what the log and the lists show -------------------------------------------------------

    def show_page(
        self,
        messages: list[Message],
        *,
        has_more: bool,
        around: int | None = None,
        unread_from: Message | None = None,
    ) -> None:
        """Show a page of messages (``around``: the id of a message to mark and centre, a search
        hit or the first unread one; ``unread_from``: put a "new messages" divider above it)."""
        log = self.message_log
        if unread_from is not None:
            # The log has no divider of its own: a notice just before the message is one.
            divider = Notice(unread_from.timestamp - DIVIDER_LEAD, NEW_MESSAGES, "info")
            notices = sorted([*log.notices, divider], key=lambda n: n.timestamp)
            log.set_notices(notices, show_traffic=log.show_traffic, layout=False)
        if around is not None:
            log.show_around(messages, around)
        else:
            log.highlight_id = None
            log.set_messages(messages, has_more=has_more)

    def append(self, message: Message) -> None:
        """Add one message (ours, just sent or queued)."""
        self.message_log.append(message)

    def append_many(self, messages: Sequence[Message]) -> None:
        """Add a batch of received messages."""
        self.message_log.append_many(messages)

    def prepend(self, older: list[Message], *, has_more: bool) -> None:
        """Show older messages above."""
        self.message_log.prepend(older, has_more=has_more)

    def update_state(self, message_id: int, state: MessageState, reason: str = "") -> None:
        """A message of ours was acked, failed…"""
        self.message_log.update_state(message_id, state, reason)

    def replace_message(self, message: Message) -> None:
        """Show ``message`` in place of the loaded one with its store id (a placeholder that
        could be decrypted)."""
        self.message_log.replace_message(message)

    def remove_message(self, message_id: int) -> None:
        """Drop the loaded message with store id ``message_id`` (it is gone from the store)."""
        self.message_log.remove_message(message_id)

    def set_notices(
        self, notices: Iterable[Notice], *, show_traffic: bool = True, layout: bool = True
    ) -> None:
        """The room traffic lines to interleave with the messages (``layout=False``: a page
        of messages follows at once and lays them out)."""
        self.message_log.set_notices(tuple(notices), show_traffic=show_traffic, layout=layout)

    @property
    def has_notices(self) -> bool:
        """Whether the log holds room traffic lines."""
        return bool(self.message_log.notices)

    def append_notice(self, notice: Notice) -> None:
        """One more line of room traffic."""
        self.message_log.append_notice(notice)

    def show_occupants(self, occupants: Iterable[Occupant], own_nick: str, *, now: bool) -> None:
        """Fill the occupant list (coalesced unless ``now``)."""
        self.occupant_list.show(occupants, own_nick, now=now)

    @property
    def at_bottom(self) -> bool:
        """Whether the newest message is on screen."""
        return self.message_log.is_at_bottom

    def select_message(self) -> bool:
        """Select the newest message in the log (keyboard selection); whether there is one."""
        return self.query_one(SelectableLog).start_selection()

    def last_own(self) -> Message | None:
        """The newest message of ours loaded in the log."""
        own = [m for m in self.message_log.messages if m.direction is Direction.OUT]
        return own[-1] if own else None

    def last_own_body(self) -> str | None:
        """The body of the newest message of ours loaded in the log."""
        own = [m for m in self.message_log.messages if m.direction is Direction.OUT]
        return own[-1].body if own else None

    def scroll_page(self, delta: int) -> None:
        """Scroll the log a page up (``-1``) or down (``1``)."""
        if delta < 0:
            self.message_log.scroll_page_up(animate=False)
        else:
            self.message_log.scroll_page_down(animate=False)

    # -- the composer --------------------------------------------------------------------------

    @property
    def composer_text(self) -> str:
        """What the composer holds."""
        return self.composer.text

    @property
    def composing(self) -> bool:
        """The composer has the focus and holds text (digits there are text, not keys)."""
        composer = self.composer
        return composer.has_focus and bool(composer.text)

    def set_composer(self, text: str, *, focus: bool = False) -> None:
        """Put ``text`` in the composer, cursor last."""
        self.composer.set_text(text)
        if focus:
            self.composer.focus()

    def focus_composer(self) -> None:
        """Put the cursor in the composer."""
        self.composer.focus()

    # -- messages up ---------------------------------------------------------------------------

    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        event.stop()
        self.post_message(self.LineSubmitted(event.text))

    @on(Composer.RecallRequested)
    def _recall(self, event: Composer.RecallRequested) -> None:
        event.stop()
        self.post_message(self.RecallWanted())

    @on(Composer.ScrollRequested)
    def _scroll(self, event: Composer.ScrollRequested) -> None:
        event.stop()
        if event.where == "home":
            self.message_log.scroll_home(animate=False)
        else:
            self.message_log.action_scroll_end()

    @on(MessageLog.NearTop)
    def _near_top(self, event: MessageLog.NearTop) -> None:
        event.stop()
        self.post_message(self.OlderWanted(event.oldest))

    @on(OccupantList.OccupantChosen)
    def _occupant_chosen(self, event: OccupantList.OccupantChosen) -> None:
        event.stop()
        self.post_message(self.OccupantChosen(event.nick))

    @on(MessageLog.UnseenChanged)
    def _unseen(self, event: MessageLog.UnseenChanged) -> None:
        notice = self.query_one("#new-messages", Static)
        plural = "s" if event.count != 1 else ""
        notice.update(Text(f"{event.count} new message{plural} ↓  (End)"))
        notice.set_class(event.count > 0, "-shown")
