"""Provides the rendering of the message log's lines: messages, room notices, day separators.

Pure rendering: each function turns one item into ``Strip`` s at a width, with what it needs
in a :class:`LineLook` (the console, the theme's colours, names and marks). Every piece of
network text goes through :mod:`tuichat.ui.render`; nothing here parses markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tuichat.model import (
    ConversationKind,
    Direction,
    Message,
    MessageState,
    mention_pattern,
)
from tuichat.pictures import Picture
from tuichat.ui.nickcolor import nick_color
from tuichat.ui.picture_lines import with_pictures
from tuichat.ui.render import render_body, safe_text
from tuichat.ui.rooms import Notice
from tuichat.ui.themes import resolve_color
from tuichat.ui.trust import LOG_MARKS, TRUST_VARIABLES, undecrypted_text
from tuichat.ui.widgets.action_lines import SELECTED_MARK, decorate, tombstone
from tuichat.ui.widgets.file_lines import with_files
from tuichat.ui.widgets.symbols import MESSAGE_MARKERS

NICK_COLUMN_MAX = 24
"""The nick column takes a sixth of the log's width, between 6 and this many cells: it grows
with the terminal, so a JID shown as the author is cut only where space is short."""


@dataclass(frozen=True, slots=True)
class LineLook:
    """What lines are rendered with."""

    console: Console
    variables: dict[str, str]
    """The theme's variables (colours)."""
    tz: tzinfo | None
    own_name: str
    peer_name: str
    highlight_id: int | None
    mention_nick: str
    selected_id: int | None = None
    """The message selected with the keyboard (marked with a symbol, not colour alone)."""
    pictures: Mapping[str, Picture | Text] = field(default_factory=dict)
    """By file address: the picture drawn under its file line, or what is said instead."""


def nicks_when_they_came(
    messages: Sequence[Message], nick_now: str, changes: Sequence[tuple[datetime, str]]
) -> list[str]:
    """Our nick in a room when each of ``messages`` (oldest first) came, for mention marks.

    Read from the next thing after each message that tells our nick: a room message we sent
    (it carries the nick we sent it with), a change in ``changes`` (``(when, nick before)``,
    by time), or else ``nick_now``. One pass from the newest message back.
    """
    nicks = [""] * len(messages)
    nick = nick_now
    pending = len(changes)
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        while pending and changes[pending - 1][0] > message.timestamp:
            pending -= 1
            nick = changes[pending][1]
        nicks[index] = nick
        sent_in_room = (
            message.direction is Direction.OUT and message.kind is ConversationKind.GROUPCHAT
        )
        if sent_in_room and message.nick:
            nick = message.nick
    return nicks


class NickHistory:
    """Our nick changes in each room shown, as ``(when, the nick we had before)`` by time, kept
    for the session (reopening a room keeps its marks): what :func:`nicks_when_they_came`
    reads besides the messages."""

    def __init__(self) -> None:
        self._changes: dict[tuple[str, str], list[tuple[datetime, str]]] = {}

    def changed(self, old: str, newest: Message | None, notice_time: datetime | None) -> None:
        """Our nick was ``old`` until now, as of the newest line shown (``newest`` message, the
        newest notice's time)."""
        if not old or newest is None:
            return
        when = max(newest.timestamp, notice_time) if notice_time else newest.timestamp
        changes = self._changes.setdefault((newest.account, newest.conversation), [])
        if not changes or changes[-1][1] != old or changes[-1][0] < when:
            changes.append((when, old))
            changes.sort(key=lambda change: change[0])

    def nicks(self, messages: Sequence[Message], nick_now: str) -> list[str]:
        """Our nick when each of ``messages`` (one room's, oldest first) came."""
        if not messages:
            return []
        key = (messages[-1].account, messages[-1].conversation)
        return nicks_when_they_came(messages, nick_now, self._changes.get(key, []))


def center(label: str, width: int, style: str, console: Console) -> Strip:
    """``label`` centred in a rule of ``width`` cells."""
    text = Text(f" {label} ", style=style)
    side = max(0, (width - text.cell_len) // 2)
    line = Text("─" * side, style=style) + text
    line.append("─" * max(0, width - line.cell_len), style=style)
    line.truncate(width)
    return Strip(list(line.render(console)), width).crop(0, width)


def day_line(day: date, width: int, look: LineLook) -> Strip:
    """The separator before the first line of a new day."""
    label = f"{day:%A} {day.day} {day:%B %Y}"
    return center(label, width, resolve_color(look.variables, "day-separator"), look.console)


def notice_lines(notice: Notice, width: int, look: LineLook) -> list[Strip]:
    """A room notice: dim italic words after the time, wrapped under themselves (a kick's
    reason or a long subject is read whole, not cut)."""
    time_text = Text(
        notice.timestamp.astimezone(look.tz).strftime("%H:%M   "),
        style=resolve_color(look.variables, "message-time"),
    )
    style = Style(color=resolve_color(look.variables, "room-notice"), italic=True)
    words = safe_text(notice.text.replace("\n", " "), style)
    return _hanging(time_text, words, width, look.console)


def _hanging(prefix: Text, body: Text, width: int, console: Console) -> list[Strip]:
    """``body`` wrapped in the columns right of ``prefix``, which stands on the first line.

    Each wrapped line is rendered on its own and joined to the prefix's segments in one
    ``Strip`` (not through ``console.render_lines``, which joins the lines into one text,
    renders it and splits it again: most of a message's layout when it was used)."""
    prefix_width = prefix.cell_len
    body.expand_tabs()
    room = max(10, width - prefix_width)
    plain = body.plain
    if "\n" not in plain and cell_len(plain) <= room:  # one line (most chat lines): no wrap
        lines: list[Text] = [body]
    else:
        lines = list(body.wrap(console, room)) or [Text()]
    head = list(prefix.render(console))
    blank = [Segment(" " * prefix_width)] if prefix_width else []
    out = []
    for line in lines:
        if line.style:  # rendered with its spans only: the base style becomes the first span
            line.stylize_before(line.style)
            line.style = ""
        segments = [*head, *(segment for segment in line.render(console) if segment.text)]
        out.append(Strip(segments, prefix_width + line.cell_len).crop(0, width))
        head = blank
    return out


def message_lines(message: Message, width: int, look: LineLook) -> list[Strip]:
    """A message: time, author, then its body wrapped under the author's column."""
    variables = look.variables
    own = message.direction is Direction.OUT
    waiting = own and message.state in (MessageState.PENDING, MessageState.SENT)
    time_text = Text(
        message.timestamp.astimezone(look.tz).strftime("%H:%M "),
        style=resolve_color(variables, "message-time"),
    )
    if own:  # in a room, the nick we sent it with; a later /nick does not rename it
        in_room = message.kind is ConversationKind.GROUPCHAT
        name = (message.nick if in_room else None) or look.own_name
    else:
        name = message.nick or look.peer_name or message.sender
    color = resolve_color(variables, "message-own") if own else nick_color(name)
    nick_width = max(6, min(NICK_COLUMN_MAX, width // 6))
    pattern = mention_pattern(look.mention_nick) if not own else None
    mentioned = pattern is not None and pattern.search(message.body) is not None
    nick = safe_text(name, Style(color=color, bold=not own))
    # A mention is marked "@" before the nick, inside the nick column: the body stays aligned.
    nick.truncate(nick_width - 1 if mentioned else nick_width, overflow="ellipsis", pad=True)
    prefix = time_text + nick + Text(" ")
    body_source = message.body
    if (gone := tombstone(message)) is not None:
        body = gone
    elif message.undecrypted is not None:  # never the sender's fallback text: why, in words
        body = undecrypted_text(message.undecrypted)
        body.stylize(Style(color=resolve_color(variables, "mention")))
    elif body_source.startswith("/me "):
        body = Text("* ", style="italic") + safe_text(name, "italic")
        body.append_text(render_body(body_source[3:], base_style="italic"))
    else:
        body = render_body(body_source)
        if message.attachments:
            body = with_files(body, message)
    body = decorate(body, message, width - prefix.cell_len)
    trust = message.trust if not own and message.undecrypted is None else None
    if trust in LOG_MARKS and trust is not None:  # a device not verified when it came
        body.append(LOG_MARKS[trust], style=resolve_color(variables, TRUST_VARIABLES[trust]))
    marker = MESSAGE_MARKERS.get(message.state, "") if own else ""
    if marker:
        failed = message.state is MessageState.FAILED
        body.append(marker, style="bold red" if failed else "")
        if failed and message.failure:
            body.append_text(safe_text(f": {message.failure}", "red"))
    if waiting:
        body.stylize(Style(dim=True, color=resolve_color(variables, "message-pending")))
    if mentioned and pattern is not None:
        mention = resolve_color(variables, "mention")
        nick.stylize(Style(reverse=True, color=mention, bold=True), 0, len(nick.plain.rstrip()))
        at = Text("@", style=Style(color=mention, bold=True))
        prefix = time_text + at + nick + Text(" ")
        body.highlight_regex(pattern, Style(color=mention, bold=True, underline=True))
    if message.id is not None and message.id == look.highlight_id:
        prefix.stylize(Style(reverse=True))
    if message.id is not None and message.id == look.selected_id:
        prefix = prefix[:5] + Text(SELECTED_MARK, style="bold") + prefix[6:]
        prefix.stylize(Style(reverse=True, bold=True))
    if message.attachments and look.pictures:
        body = with_pictures(body, message, look.pictures, width - prefix.cell_len)
    return _hanging(prefix, body, width, look.console)


def local_day(when: datetime, look: LineLook) -> date:
    """The day ``when`` falls on where the reader is."""
    return when.astimezone(look.tz).date()


def message_block(
    previous_day: date | None,
    message: Message,
    width: int,
    look: LineLook,
    body: list[Strip] | None = None,
) -> list[Strip]:
    """A message's lines (``body``: its :func:`message_lines`, if made already), after a day
    separator when its day is not ``previous_day``."""
    day = local_day(message.timestamp, look)
    lines = [day_line(day, width, look)] if day != previous_day else []
    lines.extend(message_lines(message, width, look) if body is None else body)
    return lines


def notice_block(
    notice: Notice, previous_day: date | None, width: int, look: LineLook
) -> list[Strip]:
    """A notice's lines, after a day separator when its day is not ``previous_day``."""
    day = local_day(notice.timestamp, look)
    lines = [day_line(day, width, look)] if day != previous_day else []
    lines.extend(notice_lines(notice, width, look))
    return lines


def splice(
    lines: list[Strip], starts: list[int], index: int, before: list[Strip], after: list[Strip]
) -> bool:
    """Put ``after`` in place of ``before``, the lines of message ``index`` (laid out at
    ``starts[index]``, or right after a day separator there), and shift the starts of the
    messages below; whether ``before`` was there (if not, it was laid out with another look:
    the log must be laid out again)."""
    shown = [line.text.rstrip() for line in before]  # painted lines are padded to the width
    start = starts[index]
    for at in (start, start + 1):
        if [line.text.rstrip() for line in lines[at : at + len(before)]] == shown:
            lines[at : at + len(before)] = after
            shift = len(after) - len(before)
            starts[index + 1 :] = [line + shift for line in starts[index + 1 :]]
            return True
    return False


@dataclass(frozen=True, slots=True)
class Layout:
    """A whole log laid out: its lines, where each message starts, the last day shown."""

    lines: list[Strip]
    starts: list[int]
    last_day: date | None


def layout(
    messages: Sequence[Message],
    nicks: Sequence[str],
    notices: Sequence[Notice],
    width: int,
    look: LineLook,
    *,
    beginning: bool,
    fill: int | None = None,
) -> Layout:
    """Lay out ``messages`` (each with our nick when it came) and ``notices`` in time order.

    ``beginning``: the first message is the conversation's first (a "beginning" line goes
    above it, and notices older than it are shown too). ``fill``: lay out only the newest
    messages whose lines fill that many (a view's height), with the notices among them.
    """
    lines: list[Strip] = []
    starts: list[int] = []
    if width <= 0:
        return Layout(lines, starts, None)

    def lines_of(index: int) -> list[Strip]:
        nick = nicks[index]
        mine = look if nick == look.mention_nick else replace(look, mention_nick=nick)
        return message_lines(messages[index], width, mine)

    first, bodies = 0, dict[int, list[Strip]]()
    if fill is not None:  # the newest first, until they fill the view
        first = len(messages)
        while first > 0 and fill > 0:
            first -= 1
            bodies[first] = lines_of(first)
            fill -= len(bodies[first])
    if messages and beginning:
        lines.append(center("beginning of the conversation", width, "dim", look.console))
    waiting = 0
    last_day: date | None = None
    for index in range(first, len(messages)):
        message = messages[index]
        while waiting < len(notices) and notices[waiting].timestamp < message.timestamp:
            if last_day is not None or beginning:
                lines.extend(notice_block(notices[waiting], last_day, width, look))
                last_day = local_day(notices[waiting].timestamp, look)
            waiting += 1
        starts.append(len(lines))
        body = bodies[index] if index in bodies else lines_of(index)
        lines.extend(message_block(last_day, message, width, look, body))
        last_day = local_day(message.timestamp, look)
    for notice in notices[waiting:]:
        lines.extend(notice_block(notice, last_day, width, look))
        last_day = local_day(notice.timestamp, look)
    return Layout(lines, starts, last_day)
