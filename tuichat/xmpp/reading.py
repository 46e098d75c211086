"""Provides what the UI's "read" and "typing" requests do to a session: the chat marker
(:mod:`~tuichat.xmpp.features.receipts`), the read sync publication
(:mod:`~tuichat.xmpp.features.read_sync`) and the chat states
(:mod:`~tuichat.xmpp.features.chat_states`), each only when installed; typing in an encrypted
conversation also loads the OMEMO engine, if it is not yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuichat.model import ConversationKind
from tuichat.xmpp.features.muc_parse import room_of
from tuichat.xmpp.omemo import stage

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session


def kind_of(session: Session, conversation: str) -> ConversationKind:
    """Whether ``conversation`` is a room we follow, a room private chat, or a chat."""
    rooms = session.rooms
    if rooms is None or room_of(conversation) not in rooms.rooms:
        return ConversationKind.CHAT
    if "/" in conversation:
        return ConversationKind.PRIVATE
    return ConversationKind.GROUPCHAT


def conversation_read(session: Session, conversation: str) -> None:
    """The user read ``conversation`` (in view, the app focused): say so, once per message."""
    if session.receipts is not None:
        session.receipts.read(conversation)
    if session.read_sync is not None:
        session.read_sync.read(conversation, kind_of(session, conversation))


def draft_changed(session: Session, conversation: str, *, empty: bool) -> None:
    """The user typed in ``conversation``'s composer (``empty``: the draft is empty now)."""
    if session.chat_states is not None:
        session.chat_states.typed(conversation, kind_of(session, conversation), empty=empty)
    if not empty and session.config.omemo:
        stage.warm(session, conversation)
