"""Provides the main screen's handling of received messages, a batch at a time.

``MessageReceived`` events are collected (:class:`~tuichat.ui.batching.Batch`) and shown
together, at once after a quiet spell and twenty times a second in a flood: one append to the
log, one read marker, one unread/status update, one roster rebuild per batch rather than per
message. Every other bus event first hands over the collected messages (``Batch.before``), so
nothing overtakes a message. :func:`take_in` decides, without Textual, what a batch changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import field

from tuichat import events as ev
from tuichat.model import ConversationKind, Direction, Message
from tuichat.records import record
from tuichat.ui.attention import AttentionPolicy, decide, decide_room
from tuichat.ui.batching import message_key
from tuichat.ui.main_state import MainState
from tuichat.ui.messages import NotificationWanted
from tuichat.ui.state import ConvKey
from tuichat.ui.trust import shown_body

MAX_NOTIFICATIONS = 3
"""Desktop notifications per batch at most (the newest); a flood must not become one."""


@record
class Outcome:
    """What a batch of received messages changed."""

    unread: bool = False
    """Some conversation has more unread messages."""
    read: bool = False
    """The conversation in view got messages that were seen."""
    roster: bool = False
    """The sidebar's rows changed (a message read in view changes none)."""
    notifications: list[NotificationWanted] = field(default_factory=list)
    """The newest :data:`MAX_NOTIFICATIONS` notifications and bells wanted."""


def take_in(
    state: MainState,
    messages: Iterable[Message],
    *,
    in_view_key: ConvKey | None,
    at_bottom: bool,
    app_focused: bool,
    policy: Callable[[str], AttentionPolicy],
) -> Outcome:
    """Count unread messages, remember speakers and kinds, decide on attention."""
    outcome = Outcome()
    notifications: list[NotificationWanted] = []
    for message in messages:
        key: ConvKey = message_key(message)
        state.rooms.learn(key, message.kind)
        in_view = key == in_view_key
        group = message.kind is ConversationKind.GROUPCHAT
        if group:
            room = state.rooms.room(*key)
            if message.nick:
                room.speakers.pop(message.nick, None)
                room.speakers[message.nick] = None
        attention = (decide_room if group else decide)(
            message,
            in_view=in_view and at_bottom,
            app_focused=app_focused,
            policy=policy(message.account),
        )
        if attention.unread:
            state.convs.add_unread(key)
            outcome.unread = True
        elif in_view and message.direction is Direction.IN:
            outcome.read = True
        if attention.notify or attention.bell:
            sender = message.nick or state.roster.display_name(*key)
            notifications.append(
                NotificationWanted(sender, shown_body(message), attention.notify, attention.bell)
            )
        outcome.roster = outcome.roster or attention.unread or not in_view
    outcome.notifications = notifications[-MAX_NOTIFICATIONS:]
    return outcome


def take_mention(
    state: MainState,
    event: ev.RoomMentioned,
    *,
    in_view: bool,
    app_focused: bool,
    policy: Callable[[str], AttentionPolicy],
) -> tuple[bool, NotificationWanted | None]:
    """Count a mention of our nick unless seen; whether it was unseen, and the notification.

    ``in_view``: the room is in view and its newest message on screen.
    """
    message = event.message
    room = state.rooms.room(event.account, event.room)
    attention = decide(
        message, in_view=in_view, app_focused=app_focused, policy=policy(message.account)
    )
    if attention.unread:
        state.rooms.add_mention(room.key)
    notification = None
    if attention.notify or attention.bell:
        title = f"{message.nick or 'someone'} in {room.title}"
        notification = NotificationWanted(
            title, shown_body(message), attention.notify, attention.bell
        )
    return attention.unread, notification
