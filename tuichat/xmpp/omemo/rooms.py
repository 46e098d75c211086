"""Provides OMEMO in group chats: which rooms may be encrypted, to whom, and who sent what.

Light (no python-omemo import): the room feature and the manager use it before the engine is
loaded. The rules:
- a room is eligible when its disco#info says both ``muc_membersonly`` and
  ``muc_nonanonymous`` (:func:`missing_words` names what is missing, in words); its features
  are asked again whenever the room says its configuration changed (status 104, 170-174), so
  a room that stops being eligible holds the next message in the outbox, saying why;
- a room message is encrypted to every member: the room's owner, admin and member lists
  (asked of the room, then kept current from the affiliations its presences and
  announcements carry), not only to the occupants present (profanity#1070);
- the sender's real JID of a live room message is the occupant's (non-anonymous rooms show it
  in presence); of an archived one, the ``<x muc#user><item jid/>`` Prosody keeps in the
  archive of a room whose whois is ``anyone`` (the last such ``<x/>``: Prosody appends its own
  after anything the sender wrote). It travels with the sealed stanza as a private
  :data:`NS_SENDER` element (any such element from the network is removed first), so a
  placeholder retried later still knows it.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

from tuichat.model import Affiliation, Message, bare_str
from tuichat.xmpp.omemo import stage
from tuichat.xmpp.omemo.rules import SealedMessage
from tuichat.xmpp.sending import Unwritable

if TYPE_CHECKING:
    from tuichat.xmpp.parse import Envelope
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

NS_USER = "http://jabber.org/protocol/muc#user"
NS_SENDER = "urn:tuichat:room-sender:0"
"""A private marker on a sealed room stanza: the sender's real JID as we learnt it (never sent,
never taken from the network)."""
MEMBERS_ONLY = "muc_membersonly"
NON_ANONYMOUS = "muc_nonanonymous"
MEMBER_LISTS = (Affiliation.OWNER, Affiliation.ADMIN, Affiliation.MEMBER)
CONFIG_CODES = frozenset({"104", "170", "171", "172", "173", "174"})
"""Room status codes that say its configuration (or who may see real JIDs) changed."""
TIMEOUT = 15.0


class RoomNotEligible(Exception):
    """The room cannot carry OMEMO; the message says why in words."""


class SenderUnknown(Exception):
    """A room message whose sender's real JID we do not know: it cannot be decrypted."""


def missing_words(room: str, features: Iterable[str]) -> str | None:
    """Why ``room`` cannot be encrypted, in words (``None``: it can)."""
    have = set(features)
    closed, open_jids = MEMBERS_ONLY in have, NON_ANONYMOUS in have
    if closed and open_jids:
        return None
    if not closed and not open_jids:
        what = "is neither members-only nor non-anonymous"
    elif not closed:
        what = "is not members-only (anyone may join)"
    else:
        what = "is not non-anonymous (it hides its members' addresses)"
    return (
        f"{room} {what}: OMEMO in a group chat needs a members-only, non-anonymous room "
        "(its owner can change that)"
    )


def held_words(reason: str) -> str:
    """Why a room message waits in the outbox instead of leaving in plaintext."""
    return f"not sent: {reason}; it stays in the outbox"


def config_changed(xml: Element) -> bool:
    """Whether a room message announces a configuration change (status 104, 170-174)."""
    x = xml.find(f"{{{NS_USER}}}x")
    if x is None:
        return False
    return any(s.get("code") in CONFIG_CODES for s in x.findall(f"{{{NS_USER}}}status"))


def affiliation_items(xml: Element) -> list[tuple[str, Affiliation]]:
    """The ``(bare JID, affiliation)`` pairs a room presence or announcement carries."""
    out = []
    for x in xml.findall(f"{{{NS_USER}}}x"):
        for item in x.findall(f"{{{NS_USER}}}item"):
            jid, value = item.get("jid"), item.get("affiliation")
            if not jid or value is None or value not in Affiliation._value2member_map_:
                continue
            try:
                out.append((bare_str(jid), Affiliation(value)))
            except ValueError:
                continue
    return out


def archived_sender(xml: Element) -> str | None:
    """The real bare JID Prosody kept in an archived room message (the last muc#user ``<x/>``:
    the room's, appended after the sender's own elements); ``None`` when there is none."""
    found = xml.findall(f"{{{NS_USER}}}x/{{{NS_USER}}}item")
    jid = found[-1].get("jid") if found else None
    if not jid:
        return None
    try:
        return bare_str(jid)
    except ValueError:
        return None


def sealed(
    session: Session, message: Message | None, env: Envelope, *, archived: bool = False
) -> Message | None:
    """A parsed room message as the incoming path takes it: an encrypted one sealed with its
    stanza, marked with the sender's real JID (from the archive's ``<x/>`` for an archived
    one, else the occupant's), to be decrypted; with OMEMO off, a placeholder."""
    base = stage.sealed(session, message, env)
    if not isinstance(base, SealedMessage) or session.rooms is None:
        return base
    room = base.conversation
    sender = archived_sender(env.sealed.xml) if archived else None
    return seal(base, env.sealed, sender or session.rooms.members.live_sender(room, base.nick))


def sender_of(xml: Element) -> str | None:
    """The real JID a sealed room stanza was marked with (see :func:`seal`)."""
    marker = xml.find(f"{{{NS_SENDER}}}sender")
    return (marker.get("jid") or None) if marker is not None else None


def seal(message: Message, stanza: Any, sender: str | None) -> SealedMessage:
    """A room message to decrypt: ``stanza`` (a copy) marked with the sender's real JID."""
    marked = copy.copy(stanza)
    for marker in marked.xml.findall(f"{{{NS_SENDER}}}sender"):  # none may come from outside
        marked.xml.remove(marker)
    if sender:
        marked.xml.append(Element(f"{{{NS_SENDER}}}sender", {"jid": sender}))
    return SealedMessage.of(replace(message, body=""), marked)


class RoomMembers:
    """One session's knowledge of its rooms for OMEMO: features and members."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.features: dict[str, frozenset[str]] = {}
        """Room → its disco#info features, as last asked."""
        self.members: dict[str, dict[str, Affiliation]] = {}
        """Room → bare JID → affiliation (owners, admins, members), once the lists were read."""

    def reset(self) -> None:
        """A fresh stream: ask everything again when needed."""
        self.features.clear()
        self.members.clear()

    def forget(self, room: str) -> None:
        """The room's configuration changed: ask again, and let held messages try again."""
        self.features.pop(room, None)
        self.members.pop(room, None)
        self.session.sender.release()

    def affiliated(self, room: str, items: Iterable[tuple[str, Affiliation]]) -> None:
        """Affiliations the room told us (presence, announcement): keep the members current."""
        members = self.members.get(room)
        if members is None:
            return
        changed = False
        for jid, affiliation in items:
            if affiliation in MEMBER_LISTS:
                changed |= members.get(jid) is not affiliation
                members[jid] = affiliation
            elif jid in members:
                del members[jid]
                changed = True
        if changed:
            log.debug("%s: members of %s now %s", self.session.account, room, sorted(members))
            self.session.sender.release()

    async def check(self, room: str) -> str | None:
        """Why ``room`` cannot be encrypted now, in words (``None``: it can)."""
        features = self.features.get(room)
        if features is None:
            disco = self.session.disco
            if disco is None:
                return f"{room}: the room's features are not known (not connected)"
            try:
                info = await disco.info(room, refresh=True)
            except Exception as exc:
                return f"{room} did not say what kind of room it is ({exc})"
            features = self.features[room] = frozenset(info.features)
        return missing_words(room, features)

    async def recipients(self, room: str) -> list[str]:
        """Every member's bare JID (owners, admins, members), to encrypt to; raises
        :class:`RoomNotEligible` saying why there is none."""
        why = await self.check(room)
        if why is not None:
            raise RoomNotEligible(why)
        members = self.members.get(room)
        if members is None:
            members = await self._read_lists(room)
            self.members[room] = members
        if not members:
            raise RoomNotEligible(f"{room} has no members to encrypt to")
        return sorted(members)

    async def _read_lists(self, room: str) -> dict[str, Affiliation]:
        client = self.session.client
        muc = client.plugin["xep_0045"]
        members: dict[str, Affiliation] = {}
        for affiliation in MEMBER_LISTS:
            try:
                jids = await muc.get_affiliation_list(room, affiliation.value, timeout=TIMEOUT)
            except Exception as exc:
                raise RoomNotEligible(
                    f"{room} did not give its {affiliation.value} list ({_error(exc)})"
                ) from None
            for jid in jids:
                members.setdefault(bare_str(str(jid)), affiliation)
        return members

    async def step_recipients(self, room: str) -> list[str]:
        """:meth:`recipients` for the sending step: a room that is not eligible holds the
        message in the outbox with the reason (never plaintext)."""
        try:
            return await self.recipients(room)
        except RoomNotEligible as exc:
            raise Unwritable(held_words(str(exc))) from None

    def live_sender(self, room: str, nick: str | None) -> str | None:
        """The real bare JID of the occupant ``nick`` of ``room`` (non-anonymous rooms)."""
        rooms = self.session.rooms
        state = rooms.rooms.get(room) if rooms is not None else None
        occupant = state.occupants.get(nick) if state is not None and nick else None
        if occupant is None or not occupant.jid:
            return None
        try:
            return bare_str(occupant.jid)
        except ValueError:
            return None


def _error(exc: BaseException) -> str:
    condition = getattr(exc, "condition", "")
    return str(condition or type(exc).__name__)
