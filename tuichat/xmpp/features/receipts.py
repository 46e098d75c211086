"""Provides :class:`Receipts`: delivery receipts (XEP-0184) and chat markers (XEP-0333).

- We answer a receipt request only once the message is stored (slixmpp's auto-ack is off),
  only for a live message (never an archive or catch-up copy: those were not just delivered),
  and only to whom :func:`delivery_rules.sees_presence` allows (a receipt says we are online).
- A receipt or ``displayed`` marker moves our outgoing message on (``delivered``,
  ``displayed``) only when it comes from the conversation's peer; anyone else's is forged and
  ignored. A ``displayed`` confirms every earlier message of ours too.
- When the user reads a conversation, the newest received message that asked for markers
  (``<markable/>``) gets one ``displayed`` marker, once; in rooms it names the room's
  stanza-id. Our own outgoing messages are markable (a :attr:`Sender.steps` step).
- Our other device's ``displayed`` (a sent carbon) means we read it there: read here too.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from tuichat.model import (
    JID,
    ConnectionState,
    ConversationKind,
    Direction,
    InvalidJID,
    Message,
    MessageState,
    Subscription,
)
from tuichat.xmpp import delivery_rules as rules
from tuichat.xmpp.parse import is_from_own_account

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

REMEMBERED = 2000
"""Receipt requests and markable messages remembered until their message is stored."""

RECEIPTS_NS = "urn:xmpp:receipts"
MARKERS_NS = "urn:xmpp:chat-markers:0"


def normal(jid: str) -> str:
    """``jid`` normalised (so a stanza's ``from`` matches a stored message's sender)."""
    try:
        return str(JID.parse(jid))
    except InvalidJID:
        return jid


def bare(jid: str) -> str:
    """The bare form of ``jid`` ("" when it is not a JID)."""
    try:
        return str(JID.parse(jid).bare)
    except InvalidJID:
        return ""


def mark_markable(stanza: Any, message: Message) -> Any:
    """Ask for chat markers on our messages (XEP-0333 ``<markable/>``): a :attr:`Sender.steps`
    step."""
    stanza.enable("markable")
    return stanza


class Receipts:
    """One session's receipts and chat markers, both ways."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._asked: OrderedDict[tuple[str, str], bool] = OrderedDict()
        """``(sender, id)`` of live messages seen with a receipt request, ``True`` also
        markable; taken when the message is stored."""
        self._markable: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._to_mark: dict[str, Message] = {}
        """By conversation: the newest stored markable message not yet marked displayed."""

    @property
    def account(self) -> str:
        """The account's bare JID."""
        return self.session.account

    # -- incoming stanzas -----------------------------------------------------------------

    def on_message(self, stanza: Any) -> None:
        """Note a live message's receipt request and ``<markable/>`` (answered once stored)."""
        if stanza["type"] not in ("chat", "normal", "groupchat") or not stanza["id"]:
            return
        key = (normal(str(stanza["from"])), str(stanza["id"]))
        xml = stanza.xml
        if stanza["type"] != "groupchat" and xml.find(f"{{{RECEIPTS_NS}}}request") is not None:
            self._remember(self._asked, key)
        if xml.find(f"{{{MARKERS_NS}}}markable") is not None:
            self._remember(self._markable, key)

    @staticmethod
    def _remember(seen: OrderedDict[Any, Any], key: tuple[str, str]) -> None:
        seen[key] = True
        while len(seen) > REMEMBERED:
            seen.popitem(last=False)

    def on_live_stored(self, message: Message, row: Message | None) -> None:
        """A live message was stored (``row``; ``None``: it was a duplicate, stored before):
        now it may be acknowledged, and marked displayed once read."""
        if message.direction is not Direction.IN or not message.message_id:
            return
        key = (normal(message.sender), message.message_id)
        if self._asked.pop(key, None) and self._may_confirm(message):
            self._send_receipt(message)
        if self._markable.pop(key, None) is not None and row is not None:
            self._to_mark[row.conversation] = row

    def on_receipt(self, stanza: Any) -> None:
        """A receipt (XEP-0184) for one of our messages."""
        self._confirm(str(stanza["from"]), str(stanza["receipt"]), MessageState.DELIVERED)

    def on_displayed(self, stanza: Any) -> None:
        """A ``displayed`` marker (XEP-0333) for one of our messages."""
        if stanza["type"] == "groupchat":
            return  # a room's readers are many; our messages there stay acked
        self._confirm(str(stanza["from"]), str(stanza["displayed"]["id"]), MessageState.DISPLAYED)

    def on_carbon_sent(self, stanza: Any) -> None:
        """Our other device sent a ``displayed``: we read that conversation there."""
        if not is_from_own_account(str(stanza["from"]), self.account):
            return  # a forged carbon (the session logs it)
        inner = stanza["carbon_sent"]
        marker = inner.xml.find(f"{{{MARKERS_NS}}}displayed")
        if marker is None or not marker.get("id"):
            return
        conversation = bare(str(inner["to"]))
        if conversation and self.session.read_sync is not None:
            self.session.read_sync.read_elsewhere(conversation, message_id=marker.get("id"))

    def _confirm(self, sender: str, key: str, state: MessageState) -> None:
        peer = bare(sender)
        if not key or not peer:
            return
        found = self.session.store.find_outgoing(self.account, peer, key)
        if found is None or not rules.from_peer(peer, found.conversation):
            log.info("%s: ignored a %s for an unknown message from %s", self.account, state, peer)
            return
        sender_ = self.session.sender
        if found.state in (MessageState.PENDING, MessageState.SENT):
            sender_.copy_arrived(key)  # the recipient has it: so had the server
        rows = [found] if state is MessageState.DELIVERED else []
        if state is MessageState.DISPLAYED:
            rows = self.session.store.outgoing_up_to(found, state)
        for row in rows:
            if rules.advances(row.state, state):
                sender_.confirmed(row, state)

    # -- outgoing -------------------------------------------------------------------------

    def _may_confirm(self, message: Message) -> bool:
        """Whether the sender of ``message`` may learn we are online and reading."""
        if message.kind is ConversationKind.GROUPCHAT:
            return False
        if message.kind is ConversationKind.PRIVATE:
            return True  # a room's occupant sees our presence in the room anyway
        return rules.sees_presence(self.subscription(message.conversation))

    def subscription(self, jid: str) -> Subscription | None:
        """The roster subscription of ``jid`` (``None``: not in the roster)."""
        client = self.session.client
        roster = client.client_roster if client is not None else None
        if roster is None or not roster.has_jid(jid):
            return None
        try:
            return Subscription(roster[jid]["subscription"])
        except ValueError:
            return None

    def _send_receipt(self, message: Message) -> None:
        client = self.session.client
        if client is None:
            return
        ack = client.make_message(mto=message.sender, mtype="chat")
        ack["receipt"] = message.message_id
        ack.send()

    def read(self, conversation: str) -> None:
        """The user read ``conversation``: one ``displayed`` for its newest markable message."""
        client = self.session.client
        if client is None or self.session.state != ConnectionState.CONNECTED:
            return  # kept: said once we are back
        row = self._to_mark.pop(conversation, None)
        if row is None:
            return
        if row.kind is ConversationKind.GROUPCHAT:
            if not row.stanza_id or not self._small_room(conversation):
                return
            to, mid, mtype = conversation, row.stanza_id, "groupchat"
        elif self._may_confirm(row):
            to, mid, mtype = row.sender, row.message_id or "", "chat"
        else:
            return
        marker = client.make_message(mto=to, mtype=mtype)
        marker["displayed"]["id"] = mid
        marker.enable("store")  # a hint: archived, so our other devices see it too
        marker.send()

    def _small_room(self, room: str) -> bool:
        rooms = self.session.rooms
        state = rooms.rooms.get(room) if rooms is not None else None
        return state is not None and len(state.occupants) <= rules.ROOM_CHAT_STATES_LIMIT


def install(session: Session) -> Receipts:
    """Receipts and markers of ``session``'s new client (handlers in
    :mod:`tuichat.xmpp.handlers`)."""
    client = session.client
    client.register_plugin("xep_0333")
    client.register_plugin("xep_0334")
    client.plugin["xep_0184"].auto_ack = False  # we answer once the message is stored
    if session.receipts is None:  # made once per session: its hooks stay
        session.receipts = Receipts(session)
        session.sender.steps.append(mark_markable)
        session.on_live_stored.append(session.receipts.on_live_stored)
    return session.receipts
