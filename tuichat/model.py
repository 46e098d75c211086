"""Provides the domain objects every layer shares: JIDs, messages, contacts and states.

Rule: nothing here knows about slixmpp, Textual or SQLite. These are plain, immutable values.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from tuichat.actions import Action, Marks
from tuichat.records import record

if TYPE_CHECKING:
    from tuichat.files import Attachment

__all__ = [
    "JID",
    "ChatState",
    "ConnectionState",
    "Contact",
    "ConversationKind",
    "Direction",
    "InvalidJID",
    "Message",
    "MessageState",
    "Show",
    "Subscription",
    "utcnow",
]


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class InvalidJID(ValueError):
    """Raised when a string is not a valid JID (RFC 7622)."""


# Characters RFC 7622 section 3.3.1 forbids in a localpart, beyond controls and spaces.
_LOCAL_FORBIDDEN = frozenset("\"&'/:<>@")
_MAX_PART_BYTES = 1023


def _check_chars(part: str, what: str, text: str) -> None:
    for ch in part:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") or ch.isspace():
            raise InvalidJID(f"{text!r}: the {what} contains a control or space character")


def _prep_local(local: str, text: str) -> str:
    local = unicodedata.normalize("NFC", local.casefold())
    if not local:
        raise InvalidJID(f"{text!r}: the part before '@' is empty")
    _check_chars(local, "local part", text)
    bad = sorted(set(local) & _LOCAL_FORBIDDEN)
    if bad:
        raise InvalidJID(f"{text!r}: the local part may not contain {''.join(bad)!r}")
    if len(local.encode()) > _MAX_PART_BYTES:
        raise InvalidJID(f"{text!r}: the local part is longer than 1023 bytes")
    return local


def _prep_domain(domain: str, text: str) -> str:
    domain = domain.rstrip(".")
    if not domain:
        raise InvalidJID(f"{text!r}: the domain is empty")
    if domain.startswith("[") and domain.endswith("]"):  # IPv6 literal
        return domain.lower()
    domain = unicodedata.normalize("NFC", domain.casefold())
    _check_chars(domain, "domain", text)
    for label in domain.split("."):
        if not label:
            raise InvalidJID(f"{text!r}: the domain has an empty label")
        if len(label.encode()) > 63:
            raise InvalidJID(f"{text!r}: a domain label is longer than 63 bytes")
        if any(ch in label for ch in "@/\\:<>\"'&[]#?%,;=+*!$()_ ") and not label.isascii():
            raise InvalidJID(f"{text!r}: the domain contains a forbidden character")
        if label.isascii() and not all(ch.isalnum() or ch == "-" for ch in label):
            raise InvalidJID(f"{text!r}: the domain contains a forbidden character")
        if label.startswith("-") or label.endswith("-"):
            raise InvalidJID(f"{text!r}: a domain label starts or ends with '-'")
    if len(domain.encode()) > _MAX_PART_BYTES:
        raise InvalidJID(f"{text!r}: the domain is longer than 1023 bytes")
    return domain


def _prep_resource(resource: str, text: str) -> str:
    resource = unicodedata.normalize("NFC", resource)
    if not resource:
        raise InvalidJID(f"{text!r}: the resource after '/' is empty")
    for ch in resource:
        if unicodedata.category(ch) in ("Cc", "Cs", "Cn"):
            raise InvalidJID(f"{text!r}: the resource contains a control character")
    if len(resource.encode()) > _MAX_PART_BYTES:
        raise InvalidJID(f"{text!r}: the resource is longer than 1023 bytes")
    return resource


@dataclass(frozen=True, slots=True, order=True)
class JID:
    """A normalised Jabber ID: ``local@domain/resource`` (local and resource optional).

    Build one with :meth:`JID.parse`; two JIDs compare equal when their normalised forms do.
    """

    local: str
    domain: str
    resource: str = ""

    @classmethod
    def parse(cls, text: str) -> JID:
        """Parse and normalise ``text`` (RFC 7622), raising :class:`InvalidJID` with the reason.

        Results are cached: the same few JIDs are parsed for every stanza.
        """
        return _parse_jid(text)

    @classmethod
    def _parse_uncached(cls, text: str) -> JID:
        if not isinstance(text, str):
            raise InvalidJID(f"{text!r}: a JID must be text")
        raw = text.strip()
        if not raw:
            raise InvalidJID("the JID is empty")
        rest, slash, resource = raw.partition("/")
        local, at, domain = rest.rpartition("@")
        if not at:
            local, domain = "", rest
        return cls(
            local=_prep_local(local, text) if at else "",
            domain=_prep_domain(domain, text),
            resource=_prep_resource(resource, text) if slash else "",
        )

    @property
    def bare(self) -> JID:
        """This JID without its resource."""
        return self if not self.resource else replace(self, resource="")

    @property
    def is_bare(self) -> bool:
        """Whether the JID has no resource."""
        return not self.resource

    def with_resource(self, resource: str) -> JID:
        """This JID with ``resource`` as its resource."""
        return replace(self, resource=resource)

    def __str__(self) -> str:
        out = f"{self.local}@{self.domain}" if self.local else self.domain
        return f"{out}/{self.resource}" if self.resource else out


@functools.lru_cache(maxsize=8192)
def _parse_jid(text: str) -> JID:
    return JID._parse_uncached(text)


def bare_str(text: str) -> str:
    """The normalised bare form of the JID ``text`` (raises :class:`InvalidJID`)."""
    return str(JID.parse(text).bare)


class ConnectionState(StrEnum):
    """Where an account's connection stands."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    AUTH_FAILED = "authentication failed"
    CERT_REJECTED = "certificate rejected"
    FAILED = "failed"
    """A permanent failure other than authentication or the certificate (no retry)."""

    @property
    def is_terminal(self) -> bool:
        """A failure that retrying will not fix: the account stays down until the user acts."""
        return self in (ConnectionState.AUTH_FAILED, ConnectionState.CERT_REJECTED, self.FAILED)


class Show(StrEnum):
    """Presence availability (RFC 6121 ``<show/>``), plus offline."""

    ONLINE = "online"
    CHAT = "chat"
    AWAY = "away"
    XA = "xa"
    DND = "dnd"
    OFFLINE = "offline"


class Subscription(StrEnum):
    """Roster subscription state (RFC 6121)."""

    NONE = "none"
    TO = "to"
    FROM = "from"
    BOTH = "both"
    REMOVE = "remove"


class Direction(StrEnum):
    """Whether a message came to us or went from us."""

    IN = "in"
    OUT = "out"


class MessageState(StrEnum):
    """The life of a message.

    Outgoing: ``pending`` (stored in the outbox) → ``sent`` (written to the stream) →
    ``acked`` (the server acknowledged it, XEP-0198) → ``delivered`` (the recipient's client
    stored it: a receipt, XEP-0184) → ``displayed`` (the recipient read it: a chat marker,
    XEP-0333); or ``failed`` (refused by a room, or set aside because the server closed the
    stream on it; ``Message.failure`` says why). States never go backwards. Incoming messages
    are ``received``.
    """

    PENDING = "pending"
    SENT = "sent"
    ACKED = "acked"
    DELIVERED = "delivered"
    DISPLAYED = "displayed"
    RECEIVED = "received"
    FAILED = "failed"


class ConversationKind(StrEnum):
    """The kind of conversation a message belongs to."""

    CHAT = "chat"
    GROUPCHAT = "groupchat"
    PRIVATE = "private"
    """A private chat with a room occupant (conversation is ``room@service/nick``)."""
    FEED = "feed"
    """The entries of a PubSub node (conversation is ``service/node``, see
    :func:`tuichat.discovery.feed_key`): kept out of the chat lists, shown in the Feeds view."""


class ChatState(StrEnum):
    """XEP-0085 chat states."""

    ACTIVE = "active"
    COMPOSING = "composing"
    PAUSED = "paused"
    INACTIVE = "inactive"
    GONE = "gone"


class Encryption(StrEnum):
    """How a message travels, or how a conversation sends (``/omemo on|off``)."""

    NONE = "none"
    OMEMO = "omemo"


class Trust(StrEnum):
    """Our trust in one OMEMO device (its identity key).

    ``blind``: trusted without verification (Blind Trust Before Verification, the default
    while no device of that JID has been verified). ``undecided``: new, waiting for the user's
    word (once a device of that JID is verified, new devices are not trusted blindly).
    """

    VERIFIED = "verified"
    BLIND = "blind"
    UNDECIDED = "undecided"
    DISTRUSTED = "distrusted"

    @property
    def sendable(self) -> bool:
        """Whether we encrypt to a device of this trust."""
        return self in (Trust.VERIFIED, Trust.BLIND)


@record(frozen=True)
class Device:
    """One OMEMO device of a JID (ours or a contact's), as the trust UI and the CLI show it."""

    jid: str
    """The bare JID the device belongs to."""
    device_id: int
    fingerprint: str
    """The identity key as 64 lowercase hex digits, no spaces (see :func:`fingerprint_groups`)."""
    trust: Trust
    active: bool = True
    """Whether the device is in the JID's published device list now."""
    label: str | None = None
    this_device: bool = False
    """The device of this tuichat installation (never listed as needing trust)."""


def fingerprint_groups(fingerprint: str) -> tuple[str, ...]:
    """A fingerprint as 8 groups of 8 hex digits, the way other clients print it."""
    digits = "".join(fingerprint.split()).lower()
    return tuple(digits[i : i + 8] for i in range(0, len(digits), 8))


def normal_fingerprint(text: str) -> str:
    """A fingerprint the user typed or pasted (spaces, colons, upper case) as 64 lowercase hex
    digits; raises ``ValueError`` saying what is wrong."""
    digits = "".join(ch for ch in text if ch not in " :\t").lower()
    if len(digits) != 64 or any(ch not in "0123456789abcdef" for ch in digits):
        raise ValueError(f"not a fingerprint (64 hex digits): {text!r}")
    return digits


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message, incoming or outgoing, as the store and the UI see it.

    ``account`` and ``conversation`` are normalised bare JIDs as strings (for a room private
    chat, ``conversation`` is the occupant's full JID). ``sender`` is the full JID of the
    author, or ``room@service/nick`` in a room.
    """

    account: str
    conversation: str
    direction: Direction
    sender: str
    body: str
    timestamp: datetime = field(default_factory=utcnow)
    kind: ConversationKind = ConversationKind.CHAT
    state: MessageState = MessageState.RECEIVED
    stanza_id: str | None = None
    """XEP-0359 stanza-id assigned by our server (or the room), trusted only from there."""
    origin_id: str | None = None
    """XEP-0359 origin-id chosen by the sender."""
    message_id: str | None = None
    """The ``id`` attribute of the ``<message/>``."""
    nick: str | None = None
    """The author's nickname in a room."""
    replaces: str | None = None
    """XEP-0308: the id of the message this one corrects."""
    failure: str | None = None
    """Why an outgoing message ended ``failed`` (not sent), in words; None otherwise."""
    encryption: Encryption = Encryption.NONE
    """How the message travelled: in plaintext, or OMEMO-encrypted end to end."""
    trust: Trust | None = None
    """For a received encrypted message: the trust in the sending device when it arrived."""
    undecrypted: str | None = None
    """Why a received encrypted message could not be decrypted (yet), in words; its ``body``
    is then empty (the sender's fallback text is never shown as the message). ``None`` for
    every readable message."""
    action: Action | None = None  # received: applied to the message it names, never stored
    marks: Marks | None = None  # from the store: edited, retracted, reactions, reply
    attachments: tuple[Attachment, ...] = ()
    """The files it shares (XEP-0066 out-of-band addresses), kept with it in the store."""
    id: int | None = None
    """The store's row id, once stored."""

    @property
    def stable_id(self) -> str:
        """The id that deduplicates this message: stanza-id, else origin-id, else message id.

        Falls back to a digest of sender, time and body when the message carries no id at all.
        """
        for candidate in (self.stanza_id, self.origin_id, self.message_id):
            if candidate:
                return candidate
        import hashlib

        digest = hashlib.sha256(
            f"{self.sender}\0{self.timestamp.isoformat()}\0{self.body}".encode()
        ).hexdigest()
        return f"sha256:{digest[:32]}"


@dataclass(frozen=True, slots=True)
class Contact:
    """A roster entry."""

    jid: str
    """Normalised bare JID."""
    name: str = ""
    groups: tuple[str, ...] = ()
    subscription: Subscription = Subscription.NONE
    pending_out: bool = False
    """We asked for their presence and they have not answered yet."""

    @property
    def display_name(self) -> str:
        """The roster name, or the JID when there is none."""
        return self.name or self.jid


# --- group chat ---


class Role(StrEnum):
    """An occupant's role in a room (XEP-0045): lasts for the visit."""

    MODERATOR = "moderator"
    PARTICIPANT = "participant"
    VISITOR = "visitor"
    NONE = "none"


class Affiliation(StrEnum):
    """An occupant's affiliation with a room (XEP-0045): lasts across visits."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    NONE = "none"
    OUTCAST = "outcast"


@dataclass(frozen=True, slots=True)
class Occupant:
    """One person in a room, as far as the room tells us."""

    nick: str
    role: Role = Role.PARTICIPANT
    affiliation: Affiliation = Affiliation.NONE
    show: Show = Show.ONLINE
    status: str = ""
    jid: str = ""
    """The occupant's real full JID, when the room shows it to us (else empty)."""


@record(frozen=True)
class Bookmark:
    """A saved room (XEP-0402 / XEP-0048): ``room`` is its bare JID."""

    room: str
    name: str = ""
    nick: str = ""
    autojoin: bool = False
    password: str = field(default="", repr=False)


@record(frozen=True)
class RoomInfo:
    """One entry of a room browser: a room on a chat service and what it says about itself."""

    jid: str
    name: str = ""
    description: str = ""
    occupants: int | None = None
    """``muc#roominfo_occupants`` when the room publishes it."""


@record(frozen=True)
class Invitation:
    """An invitation to a room, direct (XEP-0249) or mediated by the room (XEP-0045)."""

    room: str
    inviter: str
    reason: str = ""
    password: str = field(default="", repr=False)
    direct: bool = False


@record(frozen=True)
class ClientSoftware:
    """What one online resource of a contact runs (XEP-0092), as it says."""

    resource: str
    name: str
    version: str = ""
    os: str = ""


@record(frozen=True)
class ContactInfo:
    """What ``/info`` shows of a JID: its vCard (XEP-0054, which Prosody also fills from the
    vCard4 a client published), the software of its online resources (XEP-0092) and, when it
    is offline, when it was last seen (XEP-0012). Every text is the peer's claim."""

    jid: str
    full_name: str = ""
    nickname: str = ""
    emails: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    birthday: str = ""
    organisation: str = ""
    title: str = ""
    note: str = ""
    clients: tuple[ClientSoftware, ...] = ()
    last_seen: datetime | None = None
    """When an offline contact was last online (the server's answer), else ``None``."""
    last_status: str = ""
    unanswered: tuple[str, ...] = ()
    """What could not be read, in words ("no vCard", "no answer about the last visit")."""


def split_room(text: str) -> tuple[str, str]:
    """``room@service[/nick]`` → ``(room bare JID, nick or "")``; raises :class:`InvalidJID`
    for text that is no JID, or a service without a room."""
    parsed = JID.parse(text)
    if not parsed.local:
        raise InvalidJID(f"{text!r} is a service, not a room (room@service)")
    return str(parsed.bare), parsed.resource or ""


def mention_pattern(nick: str) -> re.Pattern[str] | None:
    """The regex that finds ``nick`` in a message as a whole word, any case (``None`` for no
    nick): the one rule of what counts as a mention, for highlighting and for counting."""
    if not nick:
        return None
    return re.compile(rf"(?<!\w){re.escape(nick)}(?!\w)", re.IGNORECASE)


def mentions(body: str, nick: str) -> bool:
    """Whether ``body`` mentions ``nick`` (see :func:`mention_pattern`)."""
    pattern = mention_pattern(nick)
    return bool(pattern and body and pattern.search(body))


__all__ += [
    "Affiliation",
    "Bookmark",
    "Invitation",
    "Occupant",
    "Role",
    "RoomInfo",
    "mention_pattern",
    "mentions",
    "split_room",
]
