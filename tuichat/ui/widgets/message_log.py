"""Provides the message log: a virtualised, line-based view of one conversation's messages.

Only the lines in view are painted (a ``ScrollView`` with ``render_line``); the widget holds the
messages loaded so far (the newest page, plus older pages as the reader scrolls up) and their
wrapped lines at the current width. In a room it also shows traffic notices (one dim line
each, merged by time; joins/leaves/nick changes fold away with :attr:`MessageLog.show_traffic`)
and marks messages that mention our nick as it was when they came. The lines themselves are
rendered by :mod:`.message_lines`. A flood is appended a batch at a time
(:meth:`MessageLog.append_many`): one layout step and one repaint per batch.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, tzinfo
from typing import ClassVar

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message as TMessage
from textual.reactive import reactive, var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuichat.model import Direction, Message, MessageState
from tuichat.records import record
from tuichat.ui.rooms import Notice
from tuichat.ui.widgets.message_lines import (
    LineLook,
    NickHistory,
    layout,
    local_day,
    message_block,
    message_lines,
    notice_block,
    splice,
)

MAX_LOADED = 2000
"""Past this many loaded messages, jumping to the end drops all but the newest page."""
KEEP_ON_TRIM = 200
FLOOD_KEEP = 40
"""A bigger batch arriving while the reader follows the newest line shows its newest this many."""
MAX_FOLLOWED = 600
"""Following the newest line, at most this many messages stay loaded (scrolling up reloads)."""


class MessageLog(ScrollView, can_focus=True):
    """The messages of one conversation, oldest at the top, newest at the bottom."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Up", show=False),
        Binding("down", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Oldest", show=False),
        Binding("end", "scroll_end", "Newest", show=False),
    ]

    DEFAULT_CSS = """
    MessageLog {
        height: 1fr;
        background: $background;
        scrollbar-size-vertical: 1; overflow-x: hidden;
        border-left: tall $background;
        &:focus { border-left: tall $primary; background-tint: $foreground 3%; }
    }
    """

    unseen: reactive[int] = reactive(0)
    """Messages that arrived below the view while the reader was scrolled up."""

    mention_nick: var[str] = var("")
    """Our nick in the room in view now (empty: no marking).

    Rule: a message is marked when it names the nick we had when it came, read from the next
    thing after it that tells our nick: a room message we sent (it carries the nick we sent it
    with), a change of this nick seen while the room stayed in view (``/nick``: the nick
    before), or else our nick now. So ``/nick`` neither unmarks old mentions nor marks old
    messages that named the new nick."""

    @record
    class NearTop(TMessage):
        """The reader scrolled to the top: load the page before ``oldest`` if there is one."""

        log: MessageLog
        oldest: Message

    @dataclass
    class UnseenChanged(TMessage):
        """The count of messages below the view changed."""

        log: MessageLog
        count: int

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tz = tz
        """Time zone for times and day separators (``None``: the machine's local zone)."""
        self.peer_name = ""
        """Shown as the author of incoming messages (1:1 chats)."""
        self.own_name = "me"
        """Shown as the author of our own messages."""
        self.has_more = True
        """Whether older messages than the first loaded one may exist in the store."""
        self._messages: list[Message] = []
        self._lines: list[Strip] = []
        self._starts: list[int] = []
        """Line index where each loaded message's block starts."""
        self.highlight_id: int | None = None
        """A message to mark (a search hit), by store id."""
        self._width = 0
        self._follow_pending = False
        self._pinned = True
        """Whether the view holds on to the newest line: every re-layout, growth or resize
        keeps it in view, until the reader scrolls away from the bottom."""
        self._last_day: date | None = None
        """The day of the last laid-out line (a new day gets a separator)."""
        self._asked_older = False
        self._nicks = NickHistory()
        self._notices: list[Notice] = []
        self.show_traffic = True
        """Whether joins, leaves and nick changes are shown (subjects and the like always are)."""
        self._paint: tuple[Style, int] | None = None
        self._tail_only = False
        """Until the frame after :meth:`set_messages`, lay out the newest screenful only."""

    # -- public API (attributes down) ---------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        """The loaded messages, oldest first (read-only use)."""
        return self._messages

    @property
    def line_count(self) -> int:
        """Lines laid out (for tests and scrolling)."""
        return len(self._lines)

    def set_messages(self, messages: list[Message], *, has_more: bool = True) -> None:
        """Show ``messages`` (oldest first) and scroll to the newest."""
        self._messages = list(messages)
        self.has_more = has_more
        self._asked_older = False
        self.unseen = 0
        self._pinned = True
        self._tail_only = True
        self._relayout()

    def set_notices(
        self, notices: Iterable[Notice], *, show_traffic: bool = True, layout: bool = True
    ) -> None:
        """Show room traffic ``notices`` (oldest first) between the messages, by time.

        ``layout=False`` leaves the re-layout to the next :meth:`set_messages`.
        """
        self._notices = list(notices)
        self.show_traffic = show_traffic
        if layout:
            self._relayout()

    @property
    def notices(self) -> list[Notice]:
        """The notices held (shown or folded)."""
        return self._notices

    def append_notice(self, notice: Notice) -> None:
        """Add a live notice at the bottom (follows the view like a message)."""
        self._notices.append(notice)
        if not self._notice_shown(notice) or not self._width:
            return
        at_bottom = self.is_at_bottom
        look = self._look()
        self._lines.extend(notice_block(notice, self._last_day, self._width, look))
        self._last_day = local_day(notice.timestamp, look)
        self._grow(Size(self._width, len(self._lines)))
        if at_bottom:
            self._follow()
        self.refresh()

    def _notice_shown(self, notice: Notice) -> bool:
        return self.show_traffic or not notice.is_traffic

    def show_around(self, messages: list[Message], message_id: int) -> None:
        """Show ``messages`` (oldest first) with ``message_id`` marked and scrolled into view."""
        self._messages = list(messages)
        self.has_more = True
        self._asked_older = False
        self.unseen = 0
        self.highlight_id = message_id
        self._pinned = False
        self._relayout()
        index = next((i for i, m in enumerate(self._messages) if m.id == message_id), None)
        if index is not None and index < len(self._starts):
            line = self._starts[index]
            self.call_after_refresh(
                self.scroll_to, y=max(0, line - 3), animate=False, immediate=True
            )

    def _sort_key(self, message: Message) -> tuple[object, int]:
        return (message.timestamp, message.id or 0)

    def append(self, message: Message) -> None:
        """Add a new message at the bottom; follow it if the reader was at the bottom.

        A received message that sorts before the newest one shown (caught up from the archive
        after a gap) goes to its place instead; one older than everything loaded is left to
        paging. What the user just typed always goes at the bottom.
        """
        if message.id is not None and any(m.id == message.id for m in self._messages[-50:]):
            return
        just_typed = message.direction is Direction.OUT and message.state is MessageState.PENDING
        last = self._messages[-1] if self._messages else None
        if last is not None and not just_typed and self._sort_key(message) < self._sort_key(last):
            if self._sort_key(message) < self._sort_key(self._messages[0]):
                self.has_more = True
                return
            keys = [self._sort_key(m) for m in self._messages]
            self._messages.insert(bisect.bisect(keys, self._sort_key(message)), message)
            self._relayout()
            return
        at_bottom = self.is_at_bottom
        self._messages.append(message)
        if self._width:
            self._starts.append(len(self._lines))
            look = self._look()
            self._lines.extend(message_block(self._last_day, message, self._width, look))
            self._last_day = local_day(message.timestamp, look)
            self._grow(Size(self._width, len(self._lines)))
        if at_bottom or message.direction is Direction.OUT:
            self.unseen = 0
            self._follow()
        else:
            self.unseen += 1
        self.refresh()

    def append_many(self, messages: Sequence[Message]) -> None:
        """Add a batch of new messages with one layout and one repaint (a busy room).

        The rules of :meth:`append` hold for each message. A batch larger than
        :data:`FLOOD_KEEP` that arrives while the reader follows the newest line shows the
        newest :data:`FLOOD_KEEP` messages only, so a flood costs at most that much layout.
        """
        if len(messages) <= 1:
            for message in messages:
                self.append(message)
            return
        recent = self._messages[-(50 + len(messages)) :]
        known = {m.id for m in recent if m.id is not None}
        fresh: list[Message] = []
        for message in messages:
            if message.id is not None:
                if message.id in known:
                    continue
                known.add(message.id)
            fresh.append(message)
        if not fresh:
            return
        at_bottom = self.is_at_bottom
        if at_bottom and len(fresh) > FLOOD_KEEP:
            self._messages = [*self._messages, *fresh][-FLOOD_KEEP:]
            self.has_more = True
            self._asked_older = False
            self._relayout()
            self.unseen = 0
            self._follow()
            return
        if self._out_of_order(fresh):
            for message in fresh:
                self._insert(message)
            self._relayout()
        else:
            for message in fresh:
                self._messages.append(message)
                if self._width:
                    self._starts.append(len(self._lines))
                    look = self._look()
                    self._lines.extend(message_block(self._last_day, message, self._width, look))
                    self._last_day = local_day(message.timestamp, look)
            if at_bottom and len(self._messages) > MAX_FOLLOWED:
                self._drop_oldest(len(self._messages) - MAX_FOLLOWED + FLOOD_KEEP)
            if self._width:
                self._grow(Size(self._width, len(self._lines)))
        if at_bottom or any(m.direction is Direction.OUT for m in fresh):
            self.unseen = 0
            self._follow()
        else:
            self.unseen += len(fresh)
        self.refresh()

    def _drop_oldest(self, count: int) -> None:
        """Let go of the ``count`` oldest loaded messages and their lines (no re-layout)."""
        if count <= 0 or count >= len(self._messages) or len(self._starts) != len(self._messages):
            return
        cut = self._starts[count]
        self._messages = self._messages[count:]
        self._lines = self._lines[cut:]
        self._starts = [start - cut for start in self._starts[count:]]
        self.has_more = True
        self._asked_older = False

    def _out_of_order(self, fresh: list[Message]) -> bool:
        """Whether some received message of ``fresh`` sorts before the one shown above it."""
        last = self._messages[-1] if self._messages else None
        for message in fresh:
            just_typed = (
                message.direction is Direction.OUT and message.state is MessageState.PENDING
            )
            if (
                last is not None
                and not just_typed
                and self._sort_key(message) < self._sort_key(last)
            ):
                return True
            last = message
        return False

    def _insert(self, message: Message) -> None:
        """Put ``message`` in its place by time (no layout; :meth:`append`'s rules)."""
        just_typed = message.direction is Direction.OUT and message.state is MessageState.PENDING
        last = self._messages[-1] if self._messages else None
        if last is None or just_typed or self._sort_key(message) >= self._sort_key(last):
            self._messages.append(message)
        elif self._sort_key(message) < self._sort_key(self._messages[0]):
            self.has_more = True  # older than everything loaded: left to paging
        else:
            keys = [self._sort_key(m) for m in self._messages]
            self._messages.insert(bisect.bisect(keys, self._sort_key(message)), message)

    def prepend(self, older: list[Message], *, has_more: bool) -> None:
        """Add an older page (oldest first) above, keeping the view where it was."""
        self.has_more = has_more
        self._asked_older = False
        if not older:
            return
        before = len(self._lines)
        self._messages[:0] = older
        self._relayout()
        self.scroll_to(y=self.scroll_y + len(self._lines) - before, animate=False, immediate=True)

    def update_state(self, message_id: int, state: MessageState, failure: str = "") -> bool:
        """Show a new state for the stored message ``message_id`` (with why it ``failed``);
        whether it is loaded."""
        for message in reversed(self._messages):
            if message.id == message_id:
                why = (failure or message.failure) if state is MessageState.FAILED else None
                return self.replace_message(replace(message, state=state, failure=why))
        return False

    def replace_message(self, message: Message) -> bool:
        """Show ``message`` in place of the loaded one with its store id (a placeholder that
        could be decrypted, a new state); whether it is loaded."""
        for index in range(len(self._messages) - 1, -1, -1):
            if self._messages[index].id == message.id and message.id is not None:
                old, self._messages[index] = self._messages[index], message
                if not self._replace_lines(index, old):
                    self._relayout()
                return True
        return False

    def remove_message(self, message_id: int) -> bool:
        """Drop the loaded message with store id ``message_id`` (a placeholder spent on an
        action); whether it was loaded."""
        for index, loaded in enumerate(self._messages):
            if loaded.id == message_id:
                del self._messages[index]
                self._relayout()
                return True
        return False

    def _replace_lines(self, index: int, old: Message) -> bool:
        """Re-render message ``index`` alone, in place of ``old`` (same time); whether it could."""
        new, width = self._messages[index], self._width
        same = old.timestamp == new.timestamp and len(self._starts) == len(self._messages)
        if not same or not width or self._tail_only:
            return False
        look = replace(self._look(), mention_nick=self._mention_nicks()[index])
        before, after = message_lines(old, width, look), message_lines(new, width, look)
        if not splice(self._lines, self._starts, index, before, after):
            return False
        self._grow(Size(width, len(self._lines)))
        self.refresh()
        return True

    @property
    def is_at_bottom(self) -> bool:
        """Whether the newest line is in view (or will be at the next refresh: following)."""
        return self._pinned or self._follow_pending or self.scroll_y >= self.max_scroll_y - 1

    def _follow(self) -> None:
        """Scroll to the newest line after the next refresh, once however many lines came.

        Until then the log counts as at the bottom, so a burst of messages (a busy room) is
        followed, not counted as unseen below the view.
        """
        self._pinned = True
        if not self._follow_pending:
            self._follow_pending = True
            self.call_after_refresh(self._follow_now)

    def _follow_now(self) -> None:
        self._follow_pending = False
        self.scroll_end(animate=False, immediate=True)

    def action_scroll_end(self) -> None:
        """Jump to the newest message (dropping old pages if very many are loaded)."""
        if len(self._messages) > MAX_LOADED:
            self._messages = self._messages[-KEEP_ON_TRIM:]
            self.has_more = True
            self._relayout()
        self.unseen = 0
        self._pinned = True
        self.scroll_end(animate=False, immediate=True)

    # -- layout --------------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Re-render when the theme changes colours."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._relayout())

    def on_resize(self) -> None:
        """Re-wrap every loaded message at the new width."""
        self._rewrap()

    _watch_show_vertical_scrollbar = on_resize  # one column less or more to wrap in

    def _rewrap(self) -> None:
        """Lay the lines out again if the width to wrap at changed (a resize, the scrollbar)."""
        if self._wrap_width() != self._width:
            self._relayout()
        else:
            self._stick()

    def _stick(self) -> None:
        """Keep the newest line in view if the view holds on to it (:attr:`_pinned`).

        Called at once whenever the lines or the room for them changed: a scroll to the end
        scheduled after a refresh lost the race against content that came later (an archive
        catch-up inserted by time, a state re-rendered, a re-wrap, a shorter view)."""
        if self._pinned and self._width:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def _grow(self, size: Size) -> None:
        """Take a new virtual size without a layout pass of the whole screen.

        ``virtual_size`` is a layout reactive: assigning it re-lays out and repaints every
        widget, which a busy room would do for each message. Only the scrollbar changes.
        """
        if size == self.virtual_size:
            return
        self.set_reactive(ScrollView.virtual_size, size)
        self._scroll_update(size)
        self._stick()
        self.refresh()

    def _wrap_width(self) -> int:
        """The view's width, less the scrollbar's column once it must come (more messages
        than lines in view: each takes one at least), so its coming wraps nothing again."""
        region = self.scrollable_content_region
        coming = len(self._messages) > region.height + 2 and not self.show_vertical_scrollbar
        return max(region.width - (self.styles.scrollbar_size_vertical if coming else 0), 0)

    def _relayout(self) -> None:
        width = self._width = self._wrap_width()
        notices = [n for n in self._notices if self._notice_shown(n)]
        messages, nicks = self._messages, self._mention_nicks()
        height = self.scrollable_content_region.height
        tail_only = self._tail_only and self._pinned and len(messages) > height and width > 0
        if width > 0:
            self._tail_only = tail_only
        if tail_only:  # the rest after this frame (the view holds the newest line meanwhile)
            self.call_after_refresh(self._lay_out_all)
        beginning = not self.has_more and not tail_only
        fill = height if tail_only else None
        look = self._look()
        laid = layout(messages, nicks, notices, width, look, beginning=beginning, fill=fill)
        if width > 0:
            self._last_day = laid.last_day
        self._lines = laid.lines
        self._starts = laid.starts
        self._grow(Size(width, len(laid.lines)))  # not a layout of the whole screen
        self._stick()
        self.refresh()

    def _lay_out_all(self) -> None:
        if self.app._batch_count:  # Textual's start-up batch: nothing painted yet; after it
            self.set_timer(0.01, lambda: self.call_after_refresh(self._lay_out_all))
        elif self._tail_only:
            self._tail_only = False
            self._relayout()

    def _look(self) -> LineLook:
        """What the lines are rendered with (theme, names, marks), as it is now."""
        return LineLook(
            console=self.app.console,
            variables=self.app.theme_variables,
            tz=self.tz,
            own_name=self.own_name,
            peer_name=self.peer_name,
            highlight_id=self.highlight_id,
            mention_nick=self.mention_nick,
        )

    def _watch_mention_nick(self, old: str, _new: str) -> None:
        """Remember a change of our nick, as of the newest line shown (see the rule above)."""
        notice = self._notices[-1].timestamp if self._notices else None
        self._nicks.changed(old, self._messages[-1] if self._messages else None, notice)

    def _mention_nicks(self) -> list[str]:
        """Our nick when each loaded message came (the rule of :attr:`mention_nick`)."""
        return self._nicks.nicks(self._messages, self.mention_nick)

    # -- painting ------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """Paint the lines in ``crop`` (the widget's style is looked up once, not per line)."""
        self._paint = (self.rich_style, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def render_line(self, y: int) -> Strip:
        """Paint line ``y`` of the view."""
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        style, width = self._paint or (self.rich_style, self.scrollable_content_region.width)
        if index >= len(self._lines):
            return Strip.blank(width, style)
        line = self._lines[index]
        if line.cell_length < width:  # padded once: the styled copy is then cached on it
            line = self._lines[index] = line.extend_cell_length(width)
        return line.apply_style(style)

    def watch_scroll_y(self, old: float, new: float) -> None:
        """Ask for older messages at the top; clear the unseen count at the bottom."""
        super().watch_scroll_y(old, new)
        self._pinned = new >= self.max_scroll_y
        if new <= 0 and self.has_more and self._messages and not self._asked_older:
            self._asked_older = True
            self.post_message(self.NearTop(self, self._messages[0]))
        if self.unseen and self.is_at_bottom:
            self.unseen = 0

    def watch_unseen(self, count: int) -> None:
        """Tell the parent to show or hide the "N new messages" notice."""
        self.post_message(self.UnseenChanged(self, count))
