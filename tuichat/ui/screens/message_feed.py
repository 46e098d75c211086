"""Provides the main screen's handling of received messages, a batch at a time.

A mixin of :class:`~tuichat.ui.screens.main.MainScreen`. ``MessageReceived`` events are
collected (:class:`~tuichat.ui.batching.Batch`) and shown together, at once after a quiet
spell and twenty times a second in a flood: one append to the log, one read marker, one
unread/status update, one roster rebuild per batch rather than per message. Every other bus
event first hands over the collected messages (:meth:`MessageFeed.in_order`), so nothing
overtakes a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tuichat import events as ev
from tuichat.model import ConversationKind, Direction
from tuichat.ui.attention import decide, decide_room
from tuichat.ui.batching import Batch, message_key, plan_messages
from tuichat.ui.messages import NotificationWanted
from tuichat.ui.rooms import RoomsState
from tuichat.ui.screens.main_actions import MainActions
from tuichat.ui.state import ConvKey

MAX_NOTIFICATIONS = 3
"""Desktop notifications per batch at most (the newest); a flood must not become one."""


class MessageFeed(MainActions):
    """Received messages → the log, unread counts, attention; batched."""

    rooms: RoomsState
    received: Batch[ev.MessageReceived]
    """The received messages waiting to be shown (made by the screen: ``make_feed``)."""

    def make_feed(self) -> Batch[ev.MessageReceived]:
        """The batch of received messages (see :class:`~tuichat.ui.batching.Batch`)."""

        def schedule(delay: float, callback: Callable[[], None]) -> None:
            if delay > 0:
                self.set_timer(delay, callback)
            else:
                self.call_later(callback)

        return Batch(self._show_received, schedule)

    def _unread_changed(self) -> None:  # pragma: no cover - overridden by MainScreen
        raise NotImplementedError

    def _schedule_roster(self) -> None:  # pragma: no cover - overridden by MainScreen
        raise NotImplementedError

    def _bus_message(self, event: ev.MessageReceived) -> None:
        self.received.add(event)

    def in_order(self, handler: Callable[[Any], object]) -> Callable[[Any], None]:
        """``handler`` for a bus event, run after the messages received before that event."""
        return self.received.before(handler)

    def _show_received(self, events: list[ev.MessageReceived]) -> None:
        in_view_key = self.convs.current if self.app.screen is self else None
        plan = plan_messages((e.message for e in events), in_view_key)
        log_widget = self.view.message_log
        if plan.in_view:
            log_widget.append_many(plan.in_view)
        at_bottom = log_widget.is_at_bottom
        unread = read = roster = False
        notifications: list[NotificationWanted] = []
        for message in plan.messages:
            key: ConvKey = message_key(message)
            in_view = key == in_view_key
            group = message.kind is ConversationKind.GROUPCHAT
            if group:
                room = self.rooms.room(*key)
                if message.nick:
                    room.speakers.pop(message.nick, None)
                    room.speakers[message.nick] = None
            attention = (decide_room if group else decide)(
                message,
                in_view=in_view and at_bottom,
                app_focused=self.app.app_focus,
                policy=self.ctx.policy(message.account),
            )
            if attention.unread:
                self.convs.add_unread(key)
                unread = True
            elif in_view and message.direction is Direction.IN:
                read = True
            if attention.notify or attention.bell:
                sender = message.nick or self.roster.display_name(*key)
                notifications.append(
                    NotificationWanted(sender, message.body, attention.notify, attention.bell)
                )
            roster = roster or attention.unread or not in_view
        if read and in_view_key is not None:
            self.ctx.store.mark_read(*in_view_key)
        if unread:
            self._unread_changed()
        for notification in notifications[-MAX_NOTIFICATIONS:]:
            self.post_message(notification)
        if roster:  # a message read in view changes no roster row
            self._schedule_roster()
