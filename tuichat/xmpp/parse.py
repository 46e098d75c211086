"""Provides the decisions that turn a received stanza into a domain :class:`Message`.

Pure functions: they read a stanza (or plain values) and return values; no I/O, no client.
Trust rules live here, one place per kind:
- a stanza-id counts only when its ``by`` is exactly the archive we trust (our account's bare
  JID, or the room's), and of several such the last counts: servers append their own after
  whatever the sender put in, and do not always strip a forged one;
- a carbon counts only when it comes from our own bare JID;
- an archive result counts only when it comes from the archive we asked, for our query;
- a delay stamp on a live message is the sender's claim: one that cannot be read is no stamp,
  and one later than now, or before XMPP existed, is replaced by the time we received it;
- a message is a room private message only when it comes from (or goes to) an occupant of a
  room we know, or of a group chat service we know.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tuichat.actions import Action, Marks
from tuichat.files import Attachment
from tuichat.model import (
    JID,
    ConversationKind,
    Direction,
    Encryption,
    InvalidJID,
    Message,
    MessageState,
)
from tuichat.xmpp import actions_parse
from tuichat.xmpp.features import oob
from tuichat.xmpp.omemo.rules import is_encrypted

NS_SID = "urn:xmpp:sid:0"
NS_DELAY = "urn:xmpp:delay"
NS_CORRECT = "urn:xmpp:message-correct:0"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"

EARLIEST_STAMP = datetime(1999, 1, 1, tzinfo=UTC)
"""No XMPP message can be older than Jabber itself: a delay stamp before this is a lie."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """The plain facts of a ``<message/>`` that the rules below decide on."""

    from_: str
    to: str
    type: str
    body: str
    message_id: str | None
    origin_id: str | None
    stanza_ids: tuple[tuple[str, str], ...]
    """``(id, by)`` pairs of every XEP-0359 stanza-id element."""
    delay: datetime | None
    replaces: str | None = None
    muc_user: bool = False
    """The message carries a MUC ``<x/>``: a room private message if the peer is an occupant
    (anyone can add one; see :func:`is_room_occupant`)."""
    sealed: Any = None
    """The stanza itself when it carries an OMEMO ``<encrypted/>`` element (to be decrypted:
    its ``<body>`` is only the sender's fallback text, never the message)."""
    action: Action | None = None
    """What it does to another message (see :mod:`tuichat.xmpp.actions_parse`)."""
    marks: Marks | None = None
    """What it replies to, or that it is a tombstone."""
    attachments: tuple[Attachment, ...] = ()
    """The files it announces out of band (see :mod:`tuichat.xmpp.features.oob`)."""


def envelope(stanza: Any) -> Envelope:
    """Read the facts out of a slixmpp ``Message`` stanza."""
    xml = stanza.xml
    sids = tuple(
        (el.get("id", ""), el.get("by", ""))
        for el in xml.findall(f"{{{NS_SID}}}stanza-id")
        if el.get("id")
    )
    origin = xml.find(f"{{{NS_SID}}}origin-id")
    delay_el = xml.find(f"{{{NS_DELAY}}}delay")
    replace = xml.find(f"{{{NS_CORRECT}}}replace")
    body_el = xml.find("{jabber:client}body")
    replaces = (replace.get("id") or None) if replace is not None else None
    extra = actions_parse.read(xml, body_el.text or "" if body_el is not None else "", replaces)
    return Envelope(
        from_=str(stanza["from"]),
        to=str(stanza["to"]),
        type=stanza["type"] or "normal",
        body=extra.body,
        message_id=stanza["id"] or None,
        origin_id=(origin.get("id") or None) if origin is not None else None,
        stanza_ids=sids,
        delay=parse_stamp(delay_el.get("stamp")) if delay_el is not None else None,
        replaces=replaces,
        muc_user=xml.find(f"{{{NS_MUC_USER}}}x") is not None,
        sealed=stanza if is_encrypted(xml) else None,
        action=extra.action,
        marks=extra.marks,
        attachments=oob.read(xml),
    )


def has_action(env: Envelope) -> bool:
    """Whether a message with no text still means something: an action, or a tombstone (an
    occupant-id alone, on a room's chat state say, is nothing to store)."""
    return env.action is not None or (env.marks is not None and env.marks.retracted)


def parse_stamp(text: str | None) -> datetime | None:
    """Parse an XEP-0082 timestamp into an aware UTC datetime (``None`` when unreadable).

    Unreadable includes dates Python cannot hold once converted to UTC (year 0001 east of
    UTC, year 9999 west of it raise ``OverflowError``): such a stamp is no stamp.
    """
    if not text or not isinstance(text, str):
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC)
    except (ValueError, OverflowError, TypeError):
        return None


def live_stamp(delay: datetime | None, now: datetime) -> datetime:
    """The time to file a live message under, given its (untrusted) delay stamp.

    A delayed message was sent before we got it, so a stamp later than ``now`` is either a
    lie or a skewed clock, and ``now`` is the best we know; so is a stamp before
    :data:`EARLIEST_STAMP`. An old stamp after that is believed: an offline message or a
    room's history can legitimately be months old.
    """
    if delay is None or delay > now or delay < EARLIEST_STAMP:
        return now
    return delay


def trusted_stanza_id(pairs: Iterable[tuple[str, str]], by: str) -> str | None:
    """The stanza-id assigned by ``by`` (a bare JID), ignoring any others (they can be forged).

    ``by`` must name exactly that bare JID (after RFC 7622 normalisation, so case in the
    local part and the domain does not matter, but a resource does: ``room@service/x`` is an
    occupant, not the room). Of several such, the last counts: the server appends its own
    after whatever the sender wrote (Prosody 0.12 does not strip a forged ``by`` equal to
    the recipient's bare JID).
    """
    try:
        want = JID.parse(by).bare
    except InvalidJID:
        return None
    found = None
    for sid, sid_by in pairs:
        try:
            claimed = JID.parse(sid_by)
        except InvalidJID:
            continue
        if sid and claimed == want:
            found = sid
    return found


def is_room_occupant(jid: JID, rooms: Collection[str]) -> bool:
    """Whether ``jid`` is an occupant of a room on a group chat service we know.

    ``rooms`` holds the bare JIDs of the rooms we know and the domains of the group chat
    services we know. A service hosts nothing but rooms, so any full JID with a local part on
    one of their domains is an occupant; anyone else is not, whatever markers it sends.
    """
    if not jid.resource or not jid.local:
        return False
    return any(known.rpartition("@")[2] == jid.domain for known in rooms)


def is_from_own_account(from_: str, account: str) -> bool:
    """Whether a stanza's ``from`` is our own bare JID or empty (= our server on our behalf)."""
    if not from_:
        return True
    try:
        return JID.parse(from_).bare == JID.parse(account).bare
    except InvalidJID:
        return False


def chat_message(
    env: Envelope,
    account: str,
    *,
    now: datetime,
    archive_stanza_id: str | None = None,
    archive_stamp: datetime | None = None,
    rooms: Collection[str] = (),
) -> Message | None:
    """The domain message for a one-to-one ``<message/>`` seen by ``account``, or ``None``.

    ``None`` for messages with no body, errors, group chat messages and malformed JIDs.
    An encrypted message (``env.sealed``) has an empty body and ``encryption`` OMEMO, with or
    without a fallback body: it is decrypted (or becomes a placeholder) before it is stored.
    Direction follows the sender: from our own bare JID means we sent it (carbon or archive).
    ``archive_stanza_id``/``archive_stamp`` come from a trusted archive result wrapper.
    ``rooms`` are the rooms (bare JIDs) and group chat services (domains) we know: a message
    with a MUC ``<x/>`` is a room private message only with an occupant there (see
    :func:`is_room_occupant`); anyone else's is an ordinary message, whatever it carries.
    """
    readable = env.body or env.attachments or env.sealed is not None or has_action(env)
    if not readable or env.type in ("error", "groupchat", "headline"):
        return None
    try:
        me = JID.parse(account).bare
        sender = JID.parse(env.from_) if env.from_ else me
        recipient = JID.parse(env.to) if env.to else me
    except InvalidJID:
        return None
    outgoing = sender.bare == me
    peer = recipient if outgoing else sender
    # A private message with a room occupant is its own conversation: room@service/nick.
    private = env.muc_user and is_room_occupant(peer, rooms)
    stanza_id = archive_stanza_id or trusted_stanza_id(env.stanza_ids, str(me))
    return Message(
        account=str(me),
        conversation=str(peer if private else peer.bare),
        direction=Direction.OUT if outgoing else Direction.IN,
        sender=str(sender),
        body="" if env.sealed is not None else env.body,
        timestamp=archive_stamp or live_stamp(env.delay, now),
        kind=ConversationKind.PRIVATE if private else ConversationKind.CHAT,
        nick=peer.resource if private else None,
        state=MessageState.ACKED if outgoing else MessageState.RECEIVED,
        stanza_id=stanza_id,
        origin_id=env.origin_id,
        message_id=env.message_id,
        replaces=env.replaces,
        encryption=Encryption.NONE if env.sealed is None else Encryption.OMEMO,
        action=env.action,
        marks=env.marks,
        attachments=env.attachments if env.sealed is None else (),  # never from beside OMEMO
    )
