"""Provides the sending side of message actions: correct, retract, react, reply, moderate.

Each action is queued in the outbox like a message we type (:mod:`tuichat.store.queued`): it
is applied to our own store at once, under the same rule a received one follows (so the store
decides once, for both directions, what an action does), and shown pending; the
:class:`~tuichat.xmpp.sending.Sender` sends it once online, exactly once (its origin-id is
fixed when queued), after the message it acts on if that is still in the outbox;
:meth:`MessageActions.stanza` makes its stanza when it goes out. A reply is an ordinary
outgoing message (the outbox, :func:`tuichat.xmpp.sending.build_stanza`) with the step
:func:`add_reply`.

Which id names a message (the pitfall of XEP-0424/0444/0461): in a room, the room's stanza-id;
one to one, the message's own ``id`` (corrections always use the ``id``, XEP-0308).
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, SubElement

from tuichat import actions, sendable
from tuichat import events as ev
from tuichat.actions import Action, ActionKind, Marks, clean_reactions
from tuichat.errors import ClientError, NotConnected, RoomError
from tuichat.model import (
    ConnectionState,
    ConversationKind,
    Direction,
    Encryption,
    Message,
    MessageState,
    utcnow,
)
from tuichat.store import KeyWrites
from tuichat.xmpp import actions_parse as ap
from tuichat.xmpp.omemo.rules import applied_keys
from tuichat.xmpp.sending import OutgoingStep

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

RETRACT_FALLBACK = (
    "This person attempted to retract a previous message, but it's unsupported by your client."
)


def reference(message: Message, kind: ActionKind) -> str:
    """The id an action of ``kind`` names ``message`` by (see :func:`tuichat.actions.reference`)."""
    ref = actions.reference(message, correction=kind is ActionKind.CORRECT)
    if ref is None:
        raise ClientError("this message carries no id that others could refer to")
    return ref


def add_reply(stanza: Any, message: Message) -> Any:
    """Outgoing step: a reply names the message it quotes and starts with a fallback quote."""
    marks = message.marks
    if marks is None or marks.reply_to is None:
        return stanza
    quote = ap.fallback_quote(marks.quote) if marks.quote else ""
    xml = stanza.xml
    reply = SubElement(xml, f"{{{ap.NS_REPLY}}}reply", {"id": marks.reply_to})
    if message.kind is not ConversationKind.GROUPCHAT:
        reply.set("to", message.conversation)
    if quote:
        stanza["body"] = quote + message.body
        fallback = SubElement(xml, f"{{{ap.NS_FALLBACK}}}fallback", {"for": ap.NS_REPLY})
        SubElement(fallback, f"{{{ap.NS_FALLBACK}}}body", {"start": "0", "end": str(len(quote))})
    return stanza


class MessageActions:
    """One account's outgoing actions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _client(self) -> Any:
        if self.session.state != ConnectionState.CONNECTED or self.session.client is None:
            raise NotConnected(f"{self.session.account} is not connected")
        return self.session.client

    def _own_sender(self, message: Message) -> tuple[str, str | None]:
        """Who we are in ``message``'s conversation: (sender, nick)."""
        session = self.session
        if message.kind is ConversationKind.CHAT:
            full = session.account
            if session.config.resource:
                full = f"{session.account}/{session.config.resource}"
            return full, None
        room = message.conversation.partition("/")[0]
        state = session.rooms.rooms.get(room) if session.rooms is not None else None
        if state is not None:
            return f"{room}/{state.nick}", state.nick
        if message.direction is Direction.OUT and message.nick:  # queued until we are back in
            return f"{room}/{message.nick}", message.nick
        raise RoomError(f"not in the room {room}")

    def _queue(self, message: Message, action: Action, body: str) -> Message:
        """Queue ``action`` on ``message``: applied to our view at once (marked pending), sent
        once the rules allow (see :class:`~tuichat.xmpp.sending.Sender`); the queued action
        (to wait on, :meth:`~tuichat.xmpp.sending.Sender.wait`)."""
        if message.id is None:
            raise ClientError("only a stored message can be acted on")
        sender, nick = self._own_sender(message)
        stable = str(uuid.uuid4())
        encrypted = self._encrypted(action, message.conversation, message)
        actor = Message(
            account=self.session.account,
            conversation=message.conversation,
            direction=Direction.OUT,
            sender=sender,
            body=body,
            kind=message.kind,
            state=MessageState.PENDING,
            origin_id=stable,
            message_id=stable,
            nick=nick,
            replaces=action.target if action.kind is ActionKind.CORRECT else None,
            timestamp=utcnow(),
            action=action,
            encryption=Encryption.OMEMO if encrypted else Encryption.NONE,
        )
        store = self.session.store
        queued, outcome = store.queued_actions.add(actor, message)
        if encrypted:  # its copies (carbons, the archive) cannot be decrypted here
            keys = dict.fromkeys(applied_keys(queued.message), "true")
            store.write_keys(KeyWrites(actor.account, keys))
        shown = outcome.changed or store.get_message(message.id)
        if shown is not None:
            self.session.bus.publish(ev.MessageChanged(self.session.account, shown))
        self.session.sender.queue_action(queued)
        return queued.message

    def _encrypted(self, action: Action, conversation: str, target: Message | None) -> bool:
        """Whether ``action`` on ``target`` is encrypted: a correction in an encrypted
        conversation, or of an encrypted message (its new text is the conversation's)."""
        if action.kind is not ActionKind.CORRECT:
            return False  # reactions and retractions carry no text: beside the encryption
        if target is not None and target.encryption is Encryption.OMEMO:
            return True
        return self.session.encryption(conversation) is Encryption.OMEMO

    def outgoing(self, row: int) -> tuple[Message, list[OutgoingStep]] | None:
        """What the queued action ``row`` is written from (None if it is gone): the message
        and its steps. Its elements name the message it acts on by the id that message has
        now; a correction also takes the outgoing steps, encryption included, so its new text
        is encrypted like the conversation (OMEMO 0.3: the ``<replace/>`` beside the encrypted
        body, as Conversations sends it; OMEMO 2: inside the envelope), never sent in clear."""
        store = self.session.store
        queued = store.queued_actions.get(row)
        if queued is None or queued.message.action is None:
            return None
        actor, action = queued.message, queued.message.action
        target = store.get_message(queued.target)
        correction = action.kind is ActionKind.CORRECT
        ref = action.target
        if target is not None:
            ref = actions.reference(target, correction=correction) or ref

        def add_elements(stanza: Any, _message: Message) -> Any:
            for element in _elements(action, ref):
                stanza.xml.append(element)
            SubElement(stanza.xml, "{urn:xmpp:hints}store")
            return stanza

        steps: list[OutgoingStep] = [add_elements]
        if correction:
            steps += self.session.sender.steps
        # Decided again here: the queue keeps no encryption, and it must never be lost.
        encrypted = self._encrypted(action, actor.conversation, target)
        encryption = Encryption.OMEMO if encrypted else Encryption.NONE
        return replace(actor, action=None, encryption=encryption), steps

    def correct(self, message: Message, body: str) -> Message:
        """Replace the text of our own ``message`` (XEP-0308)."""
        if message.direction is not Direction.OUT:
            raise ClientError("only your own messages can be corrected")
        sendable.check(body)
        target = reference(message, ActionKind.CORRECT)
        return self._queue(message, Action(ActionKind.CORRECT, target), body)

    def retract(self, message: Message) -> Message:
        """Retract our own ``message`` (XEP-0424): everyone's view shows a tombstone."""
        if message.direction is not Direction.OUT:
            raise ClientError("only your own messages can be retracted")
        target = reference(message, ActionKind.RETRACT)
        return self._queue(message, Action(ActionKind.RETRACT, target), RETRACT_FALLBACK)

    def react(self, message: Message, reactions: tuple[str, ...]) -> Message:
        """Set our full set of reactions to ``message`` (XEP-0444); empty removes them."""
        given = clean_reactions(list(reactions))
        if len(given) != len(tuple(dict.fromkeys(r.strip() for r in reactions if r.strip()))):
            raise ClientError("a reaction is too long or not a character one can show")
        target = reference(message, ActionKind.REACT)
        return self._queue(message, Action(ActionKind.REACT, target, given), "")

    def reply(self, message: Message, body: str) -> Message:
        """Send ``body`` as a reply to ``message`` (XEP-0461, with a fallback quote)."""
        sender, nick = self._own_sender(message)
        marks = Marks(reply_to=reference(message, ActionKind.REACT))
        return self.session.queue_outgoing(
            message.conversation,
            body,
            kind=message.kind,
            sender=sender,
            nick=nick,
            marks=marks,
            encryption=self.session.encryption(message.conversation),  # never plaintext
        )

    async def flushed(self, timeout: float = 15.0) -> None:
        """Return once the server has read what we sent so far (a ping answered after it)."""
        from slixmpp.exceptions import IqError

        with contextlib.suppress(IqError):  # an error is a reply too: all before it was read
            await self._client().plugin["xep_0199"].ping(timeout=timeout)

    async def moderate(self, message: Message, reason: str) -> None:
        """Ask the room to remove ``message`` (XEP-0425), in the namespace the room speaks.

        Prosody's ``mod_muc_moderation`` (Debian's prosody-modules) speaks ``:0`` (through
        fastening), newer servers ``:1``: the room's disco features decide. The room then
        tells every occupant, ourselves included (applied when that announcement comes).
        """
        client = self._client()
        if message.kind is not ConversationKind.GROUPCHAT or not message.stanza_id:
            raise RoomError("only a room message the room has numbered can be removed")
        room = message.conversation
        disco = self.session.disco
        features = (await disco.info(room)).features if disco is not None else ()
        iq = client.make_iq_set(ito=room)
        if ap.NS_MODERATE_0 in features and ap.NS_MODERATE not in features:
            outer = SubElement(iq.xml, f"{{{ap.NS_FASTEN}}}apply-to", {"id": message.stanza_id})
            moderate = SubElement(outer, f"{{{ap.NS_MODERATE_0}}}moderate")
            SubElement(moderate, f"{{{ap.NS_RETRACT_0}}}retract")
            reason_ns = ap.NS_MODERATE_0
        elif ap.NS_MODERATE in features:
            moderate = SubElement(
                iq.xml, f"{{{ap.NS_MODERATE}}}moderate", {"id": message.stanza_id}
            )
            SubElement(moderate, f"{{{ap.NS_RETRACT}}}retract")
            reason_ns = ap.NS_MODERATE
        else:
            raise RoomError(f"the room {room} does not offer moderation (XEP-0425)")
        if reason:
            SubElement(moderate, f"{{{reason_ns}}}reason").text = sendable.clean(reason).text
        await iq.send(timeout=15)


def _elements(action: Action, ref: str) -> list[Element]:
    """What says, in a stanza, that it does ``action`` to the message ``ref``."""
    if action.kind is ActionKind.CORRECT:
        return [Element(f"{{{ap.NS_CORRECT}}}replace", {"id": ref})]
    if action.kind is ActionKind.RETRACT:
        retract = Element(f"{{{ap.NS_RETRACT}}}retract", {"id": ref})
        return [retract, Element(f"{{{ap.NS_FALLBACK}}}fallback", {"for": ap.NS_RETRACT})]
    element = Element(f"{{{ap.NS_REACTIONS}}}reactions", {"id": ref})
    for emoji in action.reactions:
        SubElement(element, f"{{{ap.NS_REACTIONS}}}reaction").text = emoji
    return [element]


def install(session: Session) -> MessageActions:
    """Receive one-to-one actions that carry no body (a reaction, a retraction without its
    fallback text): slixmpp's ``message`` event fires only for a message with a body."""
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    def on_message(stanza: Any) -> None:
        xml = stanza.xml
        if xml.get("type", "normal") not in ("chat", "normal"):
            return
        if xml.find("{jabber:client}body") is not None:
            return  # the session's own handler takes it
        if ap.action_of(xml, None) is not None:
            session._on_message(stanza)

    session.client.register_handler(
        Callback("tuichat bodyless action", MatchXPath("{jabber:client}message"), on_message)
    )
    return session.actions
