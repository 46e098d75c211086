"""Provides what service discovery and feeds tell us, as plain values: entities and their
identities, features and items (XEP-0030), a server's contact addresses (XEP-0157), PubSub
nodes and their Atom entries (XEP-0060, XEP-0277 style).

Rule: everything here came from the network, so every value is already bounded when it is
built (:func:`clean_name`, the ``MAX_*`` limits); the UI still renders it as plain text.
Nothing here knows about slixmpp, Textual or SQLite.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from types import MappingProxyType

from tuichat.records import record

MAX_IDENTITIES = 32
"""Identities kept from one disco#info answer."""
MAX_FEATURES = 512
"""Features kept from one disco#info answer."""
MAX_ITEMS = 1000
"""Items kept from one disco#items answer (a hostile service may list millions)."""
MAX_NAME = 200
"""Characters kept of a name, a category or a feature."""
MAX_TITLE = 300
"""Characters kept of a feed entry's title."""
MAX_SUMMARY = 4000
"""Characters kept of a feed entry's summary."""
MAX_ENTRIES = 500
"""Entries kept from one feed read."""

CONTACT_KINDS = ("abuse", "admin", "feedback", "sales", "security", "status", "support")
"""The XEP-0157 address kinds, in the order they are shown (``abuse-addresses``…)."""


def clean_name(text: str | None, limit: int = MAX_NAME) -> str:
    """``text`` from the network on one line: controls and format characters (bidi overrides,
    zero-width marks) dropped, runs of white space made one space, at most ``limit``
    characters (cut with ``…``)."""
    if not text:
        return ""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    one_line = " ".join(kept.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def clean_text(text: str | None, limit: int) -> str:
    """Like :func:`clean_name` but keeping line breaks (a summary's paragraphs)."""
    if not text:
        return ""
    lines = [clean_name(line, limit) for line in text.replace("\r", "\n").split("\n")]
    joined = "\n".join(line for line in lines if line)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


@record(frozen=True)
class Identity:
    """What an entity says it is (``category``/``type``, e.g. ``conference``/``text``)."""

    category: str
    type: str
    name: str = ""


@record(frozen=True)
class DiscoInfo:
    """One entity's (or node's) disco#info answer."""

    jid: str
    node: str = ""
    identities: tuple[Identity, ...] = ()
    features: tuple[str, ...] = ()
    forms: Mapping[str, Mapping[str, tuple[str, ...]]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """Extended information (XEP-0128): ``FORM_TYPE`` → field var → values."""

    def has_identity(self, category: str, type_: str | None = None) -> bool:
        """Whether one identity is of ``category`` (and ``type_``, when given)."""
        return any(
            i.category == category and (type_ is None or i.type == type_) for i in self.identities
        )

    @property
    def is_room(self) -> bool:
        """A group chat room (``conference``/``text`` with a local part), not a service."""
        return self.has_identity("conference", "text") and "@" in self.jid

    @property
    def is_chat_service(self) -> bool:
        """A group chat service (its items are rooms)."""
        return self.has_identity("conference") and "@" not in self.jid

    @property
    def is_pubsub(self) -> bool:
        """A PubSub service or node (its nodes can be read as feeds)."""
        return self.has_identity("pubsub") or "http://jabber.org/protocol/pubsub" in self.features

    @property
    def is_gateway(self) -> bool:
        """A gateway to another network (register with it, XEP-0100)."""
        # A server offers jabber:iq:register too (for its own accounts): that is no gateway.
        return self.has_identity("gateway") or (
            "jabber:iq:register" in self.features and not self.has_identity("server")
        )

    @property
    def has_commands(self) -> bool:
        """It offers ad-hoc commands (XEP-0050)."""
        return "http://jabber.org/protocol/commands" in self.features


@record(frozen=True)
class DiscoItem:
    """One item of a disco#items answer: an entity, or a node of one."""

    jid: str
    node: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        """How a list shows it: the name, else the node, else the JID."""
        return self.name or self.node or self.jid


SERVERINFO = "http://jabber.org/network/serverinfo"
"""The ``FORM_TYPE`` of a server's contact addresses (XEP-0157)."""


def server_contacts(info: DiscoInfo) -> dict[str, tuple[str, ...]]:
    """The contact addresses a server publishes (XEP-0157): kind (``abuse``, ``admin``…) →
    addresses (``mailto:``/``xmpp:`` URIs), in :data:`CONTACT_KINDS` order, kinds without an
    address left out."""
    form = info.forms.get(SERVERINFO, {})
    found: dict[str, tuple[str, ...]] = {}
    for kind in CONTACT_KINDS:
        addresses = tuple(a for a in form.get(f"{kind}-addresses", ()) if a)
        if addresses:
            found[kind] = addresses
    return found


@record(frozen=True)
class FeedEntry:
    """One Atom entry of a PubSub node, as the Feeds view and ``tuichat feed read`` show it."""

    service: str
    """The PubSub service's JID (``pubsub.example.org``, or an account for PEP)."""
    node: str
    item_id: str
    """The PubSub item id: unique within the node, so an entry is never stored twice."""
    title: str
    author: str
    published: datetime
    """When it was published (aware, UTC); when the entry does not say, when we got it."""
    summary: str = ""
    """The summary, else the content, as plain text."""
    link: str = ""
    unread: bool = False
    """Not seen in the Feeds view yet (only meaningful for entries read from the store)."""


def feed_key(service: str, node: str) -> str:
    """The conversation a feed's entries are stored under: ``service/node``.

    It reads as a JID whose bare part is the service, so it never equals a chat (a bare JID)
    and groups with its service; the node may contain ``/`` (everything after the first is
    the node).
    """
    return f"{service}/{node}"


def split_feed_key(key: str) -> tuple[str, str]:
    """``service/node`` → ``(service, node)`` (see :func:`feed_key`)."""
    service, _slash, node = key.partition("/")
    return service, node


@record(frozen=True)
class Feed:
    """A feed we hold entries of (or are subscribed to), with its unread count."""

    account: str
    service: str
    node: str
    unread: int = 0
    last: datetime | None = None
    """When its newest stored entry was published."""
    title: str = ""
    """The newest entry's title."""

    @property
    def key(self) -> str:
        """Its conversation key (:func:`feed_key`)."""
        return feed_key(self.service, self.node)
