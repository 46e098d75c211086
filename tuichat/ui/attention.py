"""Provides the attention rules: unread counts, bell, desktop notifications, the window title.

Pure decisions and escape-sequence builders; the app writes the sequences through Textual's
driver (see :mod:`tuichat.ui.terminal`). Rule: notification text comes from the network, so it
is stripped of every control character (ESC, BEL, C1 such as ST U+009C, DEL) and of ``;``
where OSC 777 uses it as a field separator, and cut short, before it enters an OSC payload.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping

from tuichat.model import Direction, Message
from tuichat.records import record

_MAX_NOTIFY = 200
_MAX_TITLE = 80


@record(frozen=True)
class Attention:
    """What to do about one newly received message."""

    unread: bool
    """Count it as unread (it is not in view, or the terminal is not focused)."""
    bell: bool
    """Ring the terminal bell."""
    notify: bool
    """Send a desktop notification (OSC 9 and OSC 777)."""


@record(frozen=True)
class AttentionPolicy:
    """The switches that decide bells and notifications for one account."""

    notify: bool = True
    bell: bool = False
    muted: frozenset[str] = frozenset()


def decide(
    message: Message, *, in_view: bool, app_focused: bool, policy: AttentionPolicy
) -> Attention:
    """Decide how loudly to announce ``message``.

    Our own messages (from another device) never count. A message in the conversation in view
    of a focused terminal is read at once. A muted conversation counts as unread but is silent.
    """
    if message.direction is Direction.OUT:
        return Attention(unread=False, bell=False, notify=False)
    seen = in_view and app_focused
    if seen:
        return Attention(unread=False, bell=False, notify=False)
    loud = message.conversation not in policy.muted
    return Attention(unread=True, bell=loud and policy.bell, notify=loud and policy.notify)


def decide_room(
    message: Message,
    *,
    in_view: bool,
    app_focused: bool,
    policy: AttentionPolicy,
    mention: bool = False,
) -> Attention:
    """Decide how loudly to announce a room message: quietly unless it ``mention`` s our nick.

    Ordinary room traffic counts as unread (the room's badge) but never rings or notifies; a
    mention is announced like a chat message (and counted apart by the caller).
    """
    attention = decide(message, in_view=in_view, app_focused=app_focused, policy=policy)
    if mention:
        return attention
    return Attention(unread=attention.unread, bell=False, notify=False)


def attention_total(
    unread: Mapping[tuple[str, str], int], rooms: Collection[tuple[str, str]], mentions: int
) -> int:
    """What the window title counts: unread chats and private chats, plus room mentions
    (plain room traffic is left out)."""
    in_rooms = sum(unread.get(key, 0) for key in rooms)  # few rooms, thousands of chats
    return sum(unread.values()) - in_rooms + mentions


def clean_for_terminal(text: str, limit: int = _MAX_NOTIFY) -> str:
    """``text`` with every control/format character turned into a space, squeezed and cut."""
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch == "\x7f":
            out.append(" ")
        else:
            out.append(ch)
    squeezed = " ".join("".join(out).split())
    if len(squeezed) > limit:
        squeezed = squeezed[: limit - 1] + "…"
    return squeezed


def osc_notifications(title: str, body: str) -> str:
    """The OSC 9 and OSC 777 sequences for a desktop notification, payloads sanitised."""
    safe_title = clean_for_terminal(title, 60).replace(";", ",")
    safe_body = clean_for_terminal(body)
    body_777 = safe_body.replace(";", ",")
    joined = f"{safe_title}: {safe_body}" if safe_body else safe_title
    return f"\x1b]9;{joined}\x07\x1b]777;notify;{safe_title};{body_777}\x07"


def osc_title(title: str) -> str:
    """The OSC 2 sequence that sets the terminal window title, sanitised."""
    return f"\x1b]2;{clean_for_terminal(title, _MAX_TITLE)}\x07"


def window_title(unread_total: int, base: str = "tuichat") -> str:
    """The terminal title: ``(3) tuichat`` with unread messages, else ``tuichat``."""
    return f"({unread_total}) {base}" if unread_total > 0 else base


def notification_text(sender: str, body: str, *, preview: bool = True) -> tuple[str, str]:
    """The (title, body) of a notification about a message from ``sender``."""
    return sender, (body if preview else "new message")
