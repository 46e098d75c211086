"""Provides sending in rooms: room messages (acked by the room's reflection) and private ones.

A room message is stored as pending first (so nothing typed is lost), put on the wire as
``groupchat`` when we are in the room, and becomes acked when the room reflects it back with
our origin-id (the store's dedupe merges the copy into our row). Messages still waiting when
we (re)enter a room are sent then, by :meth:`RoomSending.flush_outbox`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat.errors import RoomError
from tuichat.model import ConversationKind, Direction, Message, MessageState
from tuichat.xmpp import parse
from tuichat.xmpp.features.muc_words import error_condition

if TYPE_CHECKING:
    from tuichat.xmpp.features.muc_state import RoomState


class RoomSending:
    """The sending half of :class:`~tuichat.xmpp.features.muc.Rooms` (a mixin)."""

    session: Any
    client: Any
    account: str
    awaiting: dict[str, tuple[int, str, asyncio.Future[Message]]]
    pm_inflight: dict[str, tuple[int, str]]

    if TYPE_CHECKING:

        def state(self, room: str) -> RoomState:
            """The state of a room we know."""
            ...

        def publish(self, event: ev.Event) -> None:
            """Publish on the session's bus."""
            ...

        @property
        def connected(self) -> bool:
            """Whether the account is connected now."""
            ...

    def send_room(self, message: Message) -> None:
        """Put a stored room message on the wire; it is acked when the room reflects it."""
        if message.id is None or message.origin_id is None:
            raise ValueError("only stored messages with an origin-id can be sent")
        stanza = self.client.make_message(
            mto=message.conversation, mbody=message.body, mtype="groupchat"
        )
        stanza["id"] = message.message_id or message.origin_id
        stanza["origin_id"]["id"] = message.origin_id
        old = self.awaiting.get(message.origin_id)
        future = old[2] if old else asyncio.get_running_loop().create_future()
        self.awaiting[message.origin_id] = (message.id, message.conversation, future)
        self.session.outbox_watch.sent(stanza["id"], message.id)
        stanza.send()
        if message.state == MessageState.PENDING:
            self.session.store.update_state(message.id, MessageState.SENT)
            self.publish(
                ev.MessageStateChanged(
                    self.account, message.id, message.conversation, MessageState.SENT
                )
            )

    def queue_room_message(self, room: str, body: str) -> Message:
        """Store ``body`` as pending for ``room``; send it now when we are in the room."""
        state = self.state(room)
        if not state.joined and not state.wanted:
            raise RoomError(f"not in the room {state.room}")
        stored: Message = self.session.queue_outgoing(
            state.room,
            body,
            kind=ConversationKind.GROUPCHAT,
            sender=f"{state.room}/{state.nick}",
            nick=state.nick,
        )
        if state.joined and self.connected:
            self.send_room(stored)
        return stored

    def queue_private_message(self, room: str, nick: str, body: str) -> Message:
        """Store and send a private message to the occupant ``nick`` of ``room``."""
        state = self.state(room)
        occupant = f"{state.room}/{nick}"
        stored: Message = self.session.queue_outgoing(
            occupant,
            body,
            kind=ConversationKind.PRIVATE,
            sender=f"{state.room}/{state.nick}",
            nick=state.nick,
        )
        stable = stored.message_id or ""
        if self.connected:
            stanza = self.client.make_message(mto=occupant, mbody=body, mtype="chat")
            stanza["id"] = stable
            stanza["origin_id"]["id"] = stable
            stanza.enable("muc")  # <x xmlns='…muc#user'/>: a room private message
            self.pm_inflight[stable] = (stored.id or 0, occupant)
            self.session.outbox_watch.sent(stable, stored.id or 0)
            stanza.send()
            self.session.store.update_state(stored.id, MessageState.SENT)
        return stored

    def flush_outbox(self, room: str) -> int:
        """Send the room's messages still waiting (pending, or sent on an older stream)."""
        sent = 0
        for message in self.session.store.outbox(self.account):
            if (
                message.kind == ConversationKind.GROUPCHAT
                and message.conversation == room
                and message.direction == Direction.OUT
                and message.origin_id not in self.awaiting
            ):
                self.send_room(message)
                sent += 1
        return sent

    def _reflected(self, message: Message) -> None:
        """The room echoed one of our messages back: it is acked (store dedupe merged it)."""
        if message.direction != Direction.OUT or not message.origin_id:
            return
        entry = self.awaiting.pop(message.origin_id, None)
        if entry is None:
            return
        row_id, room, done = entry
        row = self.session.store.get_message(row_id)
        if row is not None and row.state != MessageState.ACKED:
            row = self.session.store.update_state(row_id, MessageState.ACKED) or row
            self.publish(ev.MessageStateChanged(self.account, row_id, room, MessageState.ACKED))
        if not done.done():
            done.set_result(row or message)

    def _on_error(self, stanza: Any) -> None:
        """A bounced room message of ours: mark it failed and say why."""
        origin = stanza.xml.find(f"{{{parse.NS_SID}}}origin-id")
        key = origin.get("id") if origin is not None else stanza["id"]
        entry = self.awaiting.pop(key or "", None)
        if entry is None:
            return
        row_id, room, done = entry
        condition, text = error_condition(stanza.xml)
        words = f"the room {room} refused the message: {condition or 'error'}" + (
            f" ({text})" if text else ""
        )
        self.session.store.update_state(row_id, MessageState.FAILED, failure=words)
        self.publish(ev.MessageStateChanged(self.account, row_id, room, MessageState.FAILED, words))
        self.publish(ev.ErrorReported(self.account, words))
        if not done.done():
            done.set_exception(RoomError(words))

    def on_acked(self, stanza: Any) -> None:
        """The server acked a stanza (XEP-0198): a private message we sent is acked."""
        if stanza.name != "message":
            return
        entry = self.pm_inflight.pop(stanza["id"], None)
        if entry is not None:
            row_id, conversation = entry
            self.session.store.update_state(row_id, MessageState.ACKED)
            self.publish(
                ev.MessageStateChanged(self.account, row_id, conversation, MessageState.ACKED)
            )
