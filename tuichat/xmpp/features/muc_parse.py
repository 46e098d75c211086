"""Provides the pure decisions of group chat (XEP-0045): what a room stanza means, in words.

No I/O and no client here: functions read an ``ElementTree`` element (``stanza.xml``) or a
:class:`~tuichat.xmpp.parse.Envelope` and return plain values, so they are table-tested.

Trust rules:
- a groupchat message counts only when it comes from the bare JID of the room we are in;
- a stanza-id counts only when its ``by`` is exactly that room's bare JID, and of several the
  last one (the room appends its own after any an occupant wrote);
- a delay stamp an occupant sends is theirs to invent: see :func:`~tuichat.xmpp.parse.live_stamp`;
- a private message from an occupant counts only from a room we are in.
Nicks from the network are raw text (the renderer makes them safe); nicks we *send* are
cleaned by :func:`clean_nick`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element

from tuichat.errors import RoomError
from tuichat.model import (
    JID,
    Affiliation,
    ConversationKind,
    Direction,
    Encryption,
    InvalidJID,
    Invitation,
    Message,
    MessageState,
    Occupant,
    Role,
    Show,
)
from tuichat.records import record
from tuichat.xmpp.parse import Envelope, has_action, live_stamp, trusted_stanza_id

NS_MUC = "http://jabber.org/protocol/muc"
NS_USER = "http://jabber.org/protocol/muc#user"
NS_CONFERENCE = "jabber:x:conference"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_CLIENT = "jabber:client"

_SHOW = {"": Show.ONLINE, "chat": Show.CHAT, "away": Show.AWAY, "xa": Show.XA, "dnd": Show.DND}
ROLE_ORDER = (Role.MODERATOR, Role.PARTICIPANT, Role.VISITOR)


# -- nicks and mentions --------------------------------------------------------------------------


def clean_nick(nick: str) -> str:
    """The nick we send: control and format characters removed, outer spaces trimmed.

    Raises :class:`RoomError` when nothing usable is left or the room would refuse it.
    """
    kept = "".join(ch for ch in nick if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    kept = unicodedata.normalize("NFC", " ".join(kept.split()))
    if not kept:
        raise RoomError("the nick is empty")
    if len(kept.encode()) > 1023:
        raise RoomError("the nick is longer than 1023 bytes")
    return kept


def group_occupants(occupants: Iterable[Occupant]) -> dict[Role, list[Occupant]]:
    """Occupants by role (moderators, participants, visitors), each sorted by nick."""
    groups: dict[Role, list[Occupant]] = {role: [] for role in ROLE_ORDER}
    for occupant in occupants:
        if occupant.role in groups:
            groups[occupant.role].append(occupant)
    for members in groups.values():
        members.sort(key=lambda o: (o.nick.casefold(), o.nick))
    return groups


# -- presence ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OccupantPresence:
    """What one room presence says about one occupant."""

    room: str
    nick: str
    occupant: Occupant
    available: bool
    codes: frozenset[int]
    new_nick: str = ""
    """Status 303: the occupant's new nick."""
    reason: str = ""
    actor: str = ""
    destroyed: bool = False

    @property
    def own(self) -> bool:
        """Whether this presence is about us (status 110)."""
        return 110 in self.codes

    @property
    def created(self) -> bool:
        """Whether our join created the room (status 201)."""
        return 201 in self.codes


def _enum(kind: Any, value: str | None, default: Any) -> Any:
    try:
        return kind(value or default)
    except ValueError:
        return default


def occupant_presence(xml: Element) -> OccupantPresence | None:
    """Read a room presence (one carrying a muc#user ``<x/>``); ``None`` when it is not one."""
    x = xml.find(f"{{{NS_USER}}}x")
    try:
        sender = JID.parse(xml.get("from", ""))
    except InvalidJID:
        return None
    if x is None or not sender.resource or xml.get("type") == "error":
        return None
    item = x.find(f"{{{NS_USER}}}item")
    item = item if item is not None else Element("item")
    codes = frozenset(
        int(c.get("code", "0"))
        for c in x.findall(f"{{{NS_USER}}}status")
        if c.get("code", "").isdigit()
    )
    show_el = xml.find(f"{{{NS_CLIENT}}}show")
    status_el = xml.find(f"{{{NS_CLIENT}}}status")
    reason_el = item.find(f"{{{NS_USER}}}reason")
    actor_el = item.find(f"{{{NS_USER}}}actor")
    destroy = x.find(f"{{{NS_USER}}}destroy")
    if destroy is not None and reason_el is None:
        reason_el = destroy.find(f"{{{NS_USER}}}reason")
    available = xml.get("type", "available") != "unavailable"
    occupant = Occupant(
        nick=sender.resource,
        role=_enum(Role, item.get("role"), Role.NONE if not available else Role.PARTICIPANT),
        affiliation=_enum(Affiliation, item.get("affiliation"), Affiliation.NONE),
        show=_SHOW.get((show_el.text or "").strip(), Show.ONLINE)
        if show_el is not None
        else Show.ONLINE,
        status=(status_el.text or "") if status_el is not None else "",
        jid=item.get("jid", ""),
    )
    if not available:
        occupant = replace(occupant, show=Show.OFFLINE)
    return OccupantPresence(
        room=str(sender.bare),
        nick=sender.resource,
        occupant=occupant,
        available=available,
        codes=codes,
        new_nick=item.get("nick", "") if 303 in codes else "",
        reason=(reason_el.text or "").strip() if reason_el is not None else "",
        actor=(actor_el.get("nick") or actor_el.get("jid") or "") if actor_el is not None else "",
        destroyed=destroy is not None,
    )


@record(frozen=True)
class Departure:
    """Why someone is no longer in a room, in words, with the kicked/banned flags."""

    words: str
    kicked: bool = False
    banned: bool = False
    rejoin: bool = False
    """Not our choice nor the room's (a shutdown, a technical problem): join again later."""


def departure(presence: OccupantPresence) -> Departure:
    """Explain an unavailable room presence (status codes 301, 307, 321, 322, 332, 333…)."""
    codes, reason = presence.codes, presence.reason
    by = f" by {presence.actor}" if presence.actor else ""
    tail = f": {reason}" if reason else ""
    if presence.destroyed:
        return Departure(f"the room was destroyed{tail}")
    if 301 in codes:
        return Departure(f"banned{by}{tail}", banned=True)
    if 307 in codes:
        return Departure(f"kicked{by}{tail}", kicked=True)
    if 321 in codes:
        return Departure(f"removed: no longer a member{tail}", kicked=True)
    if 322 in codes:
        return Departure(f"removed: the room is now members-only{tail}", kicked=True)
    if 332 in codes:
        return Departure(f"the chat service is shutting down{tail}", rejoin=True)
    if 333 in codes:
        return Departure(f"removed after a technical problem{tail}", rejoin=True)
    return Departure(reason or presence.occupant.status)


# -- messages ------------------------------------------------------------------------------------


def room_of(from_: str) -> str | None:
    """The bare JID of a stanza's ``from`` (``None`` when it is not a JID)."""
    try:
        return str(JID.parse(from_).bare)
    except InvalidJID:
        return None


def _jid_text(text: str) -> str:
    """``text`` as a normalised JID string (empty when it is not one)."""
    try:
        return str(JID.parse(text))
    except InvalidJID:
        return ""


def room_message(
    env: Envelope,
    account: str,
    *,
    room: str,
    our_nick: str,
    now: datetime,
    archive_stanza_id: str | None = None,
    archive_stamp: datetime | None = None,
) -> Message | None:
    """The domain message for a groupchat ``<message/>`` from ``room``, or ``None``.

    ``None`` unless it is a groupchat with a body coming from ``room`` itself (trust). The
    stanza-id counts only when the room assigned it; ``archive_stanza_id`` comes from a
    trusted room-archive result. An encrypted one (``env.sealed``) has an empty body and
    ``encryption`` OMEMO: it is decrypted (or becomes a placeholder) before it is stored.
    """
    if (
        not (env.body or env.sealed is not None or env.attachments or has_action(env))
        or env.type != "groupchat"
    ):
        return None
    try:
        sender = JID.parse(env.from_)
        me = JID.parse(account).bare
    except InvalidJID:
        return None
    if str(sender.bare) != room:
        return None
    nick = sender.resource or None
    outgoing = nick is not None and nick == our_nick
    return Message(
        account=str(me),
        conversation=room,
        direction=Direction.OUT if outgoing else Direction.IN,
        sender=str(sender),
        body="" if env.sealed is not None else env.body,
        timestamp=archive_stamp or live_stamp(env.delay, now),
        kind=ConversationKind.GROUPCHAT,
        encryption=Encryption.NONE if env.sealed is None else Encryption.OMEMO,
        state=MessageState.ACKED if outgoing else MessageState.RECEIVED,
        stanza_id=archive_stanza_id or trusted_stanza_id(env.stanza_ids, room),
        origin_id=env.origin_id,
        message_id=env.message_id,
        nick=nick,
        replaces=env.replaces,
        action=env.action,
        marks=env.marks,
        attachments=env.attachments if env.sealed is None else (),  # never from beside OMEMO
    )


def subject_of(xml: Element) -> str | None:
    """The subject a groupchat message sets (``None`` when it sets none; it may be ``""``).

    A message with a body (or thread) and a subject is a message, not a subject change.
    """
    if xml.get("type") != "groupchat":
        return None
    subject = xml.find(f"{{{NS_CLIENT}}}subject")
    if subject is None:
        return None
    if (
        xml.find(f"{{{NS_CLIENT}}}body") is not None
        or xml.find(f"{{{NS_CLIENT}}}thread") is not None
    ):
        return None
    return subject.text or ""


# -- invitations ---------------------------------------------------------------------------------


def invitation(xml: Element) -> Invitation | None:
    """Read an invitation out of a ``<message/>``; ``None`` when it holds none.

    A room's mediated invitation may also carry a XEP-0249 element (Prosody adds one); the
    mediated form wins, so the inviter is the person, not the room.
    """
    from_ = xml.get("from", "")
    x = xml.find(f"{{{NS_USER}}}x")
    invite = x.find(f"{{{NS_USER}}}invite") if x is not None else None
    if x is not None and invite is not None:
        room = room_of(from_)
        if room is None or "/" in from_:
            return None  # a mediated invitation comes from the room's bare JID
        reason = invite.find(f"{{{NS_USER}}}reason")
        password = x.find(f"{{{NS_USER}}}password")
        return Invitation(
            room=room,
            inviter=_jid_text(invite.get("from", "")),
            reason=(reason.text or "") if reason is not None else "",
            password=(password.text or "") if password is not None else "",
        )
    direct = xml.find(f"{{{NS_CONFERENCE}}}x")
    if direct is None:
        return None
    room, inviter = room_of(direct.get("jid", "")), room_of(from_)
    if room is None or inviter is None:
        return None
    return Invitation(room, inviter, direct.get("reason", ""), direct.get("password", ""), True)


def declined(xml: Element) -> tuple[str, str, str] | None:
    """``(room, invitee, reason)`` of a declined mediated invitation, else ``None``."""
    decline = xml.find(f"{{{NS_USER}}}x/{{{NS_USER}}}decline")
    room = room_of(xml.get("from", ""))
    if decline is None or room is None:
        return None
    reason = decline.find(f"{{{NS_USER}}}reason")
    return room, decline.get("from", ""), (reason.text or "") if reason is not None else ""
