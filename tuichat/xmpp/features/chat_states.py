"""Provides :class:`ChatStates`: our typing notifications (XEP-0085), at a bounded rate.

The composer reports each change of the draft (:meth:`ChatStates.typed`); the pure
:class:`~tuichat.xmpp.delivery_rules.Typing` rule decides what to send and when: ``composing``
at most once per few seconds while typing, ``paused`` once after a pause, ``active`` when the
draft is emptied (a sent message carries ``active`` itself, see ``build_stanza``). Only to
contacts who see our presence and to small rooms (:mod:`tuichat.xmpp.delivery_rules`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat.model import ChatState, ConnectionState, ConversationKind, Message
from tuichat.xmpp import delivery_rules as rules
from tuichat.xmpp.parse import is_from_own_account

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session


class ChatStates:
    """One session's outgoing chat states, per conversation."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._typing: dict[str, rules.Typing] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def typed(self, conversation: str, kind: ConversationKind, *, empty: bool) -> None:
        """The draft of ``conversation`` changed (``empty``: it is empty now)."""
        if not self._allowed(conversation, kind):
            return
        loop = asyncio.get_running_loop()
        typing = self._typing.setdefault(conversation, rules.Typing())
        self._send(conversation, kind, typing.typed(loop.time(), empty=empty))
        timer = self._timers.pop(conversation, None)
        if timer is not None:
            timer.cancel()
        if typing.state == "composing":
            self._timers[conversation] = loop.call_later(
                rules.PAUSED_AFTER, self._tick, conversation, kind
            )

    def _tick(self, conversation: str, kind: ConversationKind) -> None:
        self._timers.pop(conversation, None)
        typing = self._typing.get(conversation)
        if typing is not None:
            self._send(conversation, kind, typing.tick(asyncio.get_running_loop().time()))

    def on_sent(self, stanza: Any, message: Message) -> Any:
        """A :attr:`Sender.steps` step: the message carries ``active``; forget the typing."""
        typing = self._typing.pop(message.conversation, None)
        if typing is not None:
            typing.sent()
        timer = self._timers.pop(message.conversation, None)
        if timer is not None:
            timer.cancel()
        return stanza

    def on_message(self, stanza: Any) -> None:
        """A chat message (slixmpp's event needs a body) ends its sender's typing."""
        sender = str(stanza["from"])
        if stanza["type"] == "chat" and not is_from_own_account(sender, self.session.account):
            self.session.bus.publish(
                ev.ChatStateChanged(self.session.account, sender, ChatState.ACTIVE)
            )

    def _allowed(self, conversation: str, kind: ConversationKind) -> bool:
        session = self.session
        if session.state != ConnectionState.CONNECTED or session.client is None:
            return False
        if kind is ConversationKind.GROUPCHAT:
            rooms = session.rooms
            room = rooms.rooms.get(conversation) if rooms is not None else None
            return (
                room is not None
                and room.joined
                and len(room.occupants) <= rules.ROOM_CHAT_STATES_LIMIT
            )
        if kind is ConversationKind.PRIVATE:
            return True
        receipts = session.receipts
        return receipts is not None and rules.sees_presence(receipts.subscription(conversation))

    def _send(self, conversation: str, kind: ConversationKind, state: str | None) -> None:
        if state is None:
            return
        mtype = "groupchat" if kind is ConversationKind.GROUPCHAT else "chat"
        stanza = self.session.client.make_message(mto=conversation, mtype=mtype)
        stanza["chat_state"] = state
        stanza.enable("no-store")  # a hint: not archived
        stanza.send()


def install(session: Session) -> ChatStates:
    """Chat states of ``session``'s new client (made once per session: its hooks stay)."""
    if session.chat_states is None:
        session.chat_states = ChatStates(session)
        session.sender.steps.append(session.chat_states.on_sent)
    return session.chat_states
