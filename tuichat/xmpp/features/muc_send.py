"""Provides sending in rooms: room messages (acked by the room's reflection) and private ones.

A room message is stored as pending first (so nothing typed is lost) and handed to the
session's :class:`~tuichat.xmpp.sending.Sender`, which writes it as ``groupchat`` once we are
in the room and marks it acked when the room reflects it back with our origin-id (the store's
dedupe merges the copy into our row). This half of the room feature only tells the sender
what the room did: reflected a message, or refused it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tuichat.errors import RoomError
from tuichat.model import ConversationKind, Direction, Encryption, Message
from tuichat.xmpp import parse
from tuichat.xmpp.errors import error_condition

if TYPE_CHECKING:
    from tuichat.files import Attachment
    from tuichat.xmpp.features.muc_state import RoomState
    from tuichat.xmpp.session import Session


class RoomSending:
    """The sending half of :class:`~tuichat.xmpp.features.muc.Rooms` (a mixin)."""

    session: Session
    account: str

    if TYPE_CHECKING:

        def state(self, room: str) -> RoomState:
            """The state of a room we know."""
            ...

    def queue_room_message(
        self,
        room: str,
        body: str,
        encryption: Encryption | None = None,
        *,
        attachments: tuple[Attachment, ...] = (),
    ) -> Message:
        """Store ``body`` (sharing ``attachments``) as pending for ``room``; it goes out while
        we are in the room, encrypted as the room sends (or as ``encryption`` says: ``send
        --encrypt``)."""
        state = self.state(room)
        if not state.joined and not state.wanted:
            raise RoomError(f"not in the room {state.room}")
        if encryption is Encryption.OMEMO and not self.session.config.omemo:
            raise RoomError(f"OMEMO is off for {self.account} (omemo = false in the config)")
        stored: Message = self.session.queue_outgoing(
            state.room,
            body,
            kind=ConversationKind.GROUPCHAT,
            sender=f"{state.room}/{state.nick}",
            nick=state.nick,
            encryption=encryption or self.session.encryption(state.room),
            attachments=attachments,
        )
        return stored

    def queue_private_message(
        self, room: str, nick: str, body: str, *, attachments: tuple[Attachment, ...] = ()
    ) -> Message:
        """Store a private message to the occupant ``nick`` of ``room``; it goes out when
        the session is ready."""
        state = self.state(room)
        stored: Message = self.session.queue_outgoing(
            f"{state.room}/{nick}",
            body,
            kind=ConversationKind.PRIVATE,
            sender=f"{state.room}/{state.nick}",
            nick=state.nick,
            attachments=attachments,
        )
        return stored

    def _reflected(self, message: Message) -> None:
        """The room echoed one of our messages back: everyone in it has it."""
        if message.direction is Direction.OUT and message.origin_id:
            self.session.sender.reflected(message.origin_id)

    def _on_error(self, stanza: Any) -> None:
        """A room refused one of our messages: it failed, and the room's words say why."""
        origin = stanza.xml.find(f"{{{parse.NS_SID}}}origin-id")
        key = origin.get("id") if origin is not None else stanza["id"]
        if not key:
            return
        room = str(stanza["from"].bare)
        condition, text = error_condition(stanza.xml)
        words = f"the room {room} refused the message: {condition or 'error'}" + (
            f" ({text})" if text else ""
        )
        self.session.sender.bounced(key, words)
