"""Provides the one conversation abstraction the UI asks: its kind and its capability set.

1:1 chats, rooms and room private chats share the conversation view; what differs is asked
as a capability (``Feature.MODERATE in info.features``, or ``info.can_moderate``), never by
checking a class. Pure: no Textual.
"""

from __future__ import annotations

from enum import StrEnum

from tuichat.model import Affiliation, ConversationKind, Role
from tuichat.records import record

ConvKey = tuple[str, str]


class Feature(StrEnum):
    """Something a conversation can do (the UI offers the matching commands)."""

    SEND = "send"
    """Messages can be typed into it."""
    GROUP = "group"
    """A room: many authors, nicks, traffic notices, a subject."""
    OCCUPANTS = "occupants"
    """It has an occupant list to show."""
    SET_TOPIC = "set_topic"
    """The subject can be changed (the room may still refuse)."""
    MODERATE = "moderate"
    """Kick and change roles (we are a moderator)."""
    ADMINISTER = "administer"
    """Ban and change affiliations (we are an admin or owner)."""
    CONFIGURE = "configure"
    """Change the room's configuration (we own it)."""
    ROSTER = "roster"
    """A contact: rename, move, remove."""
    PRIVATE = "private"
    """A private chat with a room occupant (``room@service/nick``)."""


@record(frozen=True)
class ConversationInfo:
    """A conversation's key, kind and capability set."""

    key: ConvKey
    kind: ConversationKind
    features: frozenset[Feature]

    @property
    def is_group(self) -> bool:
        """Whether it is a room."""
        return Feature.GROUP in self.features

    @property
    def has_occupants(self) -> bool:
        """Whether it has an occupant list."""
        return Feature.OCCUPANTS in self.features

    @property
    def can_moderate(self) -> bool:
        """Whether we may kick and change roles."""
        return Feature.MODERATE in self.features

    @property
    def can_administer(self) -> bool:
        """Whether we may ban and change affiliations."""
        return Feature.ADMINISTER in self.features

    @property
    def can_configure(self) -> bool:
        """Whether we may change the room's configuration."""
        return Feature.CONFIGURE in self.features


def features_for(
    kind: ConversationKind,
    *,
    role: Role | None = None,
    affiliation: Affiliation | None = None,
    joined: bool = False,
) -> frozenset[Feature]:
    """The capabilities of a conversation of ``kind`` where we have ``role``/``affiliation``."""
    if kind is ConversationKind.CHAT:
        return frozenset({Feature.SEND, Feature.ROSTER})
    if kind is ConversationKind.PRIVATE:
        return frozenset({Feature.SEND, Feature.PRIVATE})
    out = {Feature.SEND, Feature.GROUP, Feature.OCCUPANTS}
    if not joined:
        return frozenset(out)
    out.add(Feature.SET_TOPIC)
    if role is Role.MODERATOR:
        out.add(Feature.MODERATE)
    if affiliation in (Affiliation.ADMIN, Affiliation.OWNER):
        out.add(Feature.ADMINISTER)
    if affiliation is Affiliation.OWNER:
        out.add(Feature.CONFIGURE)
    return frozenset(out)
