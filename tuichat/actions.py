"""Provides the message actions every layer shares: corrections, retractions, reactions, moderation.

A received action is one more :class:`tuichat.model.Message` through the one pipeline, carrying
an :class:`Action` instead of (or besides) a new text: the store applies it to the message it
refers to rather than storing a new row. What the store knows about a stored message beyond its
text (edited, retracted, its reactions, the message it replies to) comes back as :class:`Marks`.

Plain values and pure rules only: no slixmpp, no store, no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuichat.model import Message

__all__ = [
    "MAX_REACTIONS",
    "MAX_REACTION_LENGTH",
    "QUICK_REACTIONS",
    "Action",
    "ActionKind",
    "Marks",
    "clean_reactions",
    "reaction_summary",
    "reference",
]

MAX_REACTIONS = 12
"""Distinct reactions one person may put on one message; more are dropped (hostile input)."""
MAX_REACTION_LENGTH = 16
"""Characters in one reaction (an emoji with modifiers fits); longer ones are dropped."""
QUICK_REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏", "👎", "🎉")
"""The small picker's choices, in order."""


class ActionKind(StrEnum):
    """What an action does to the message it refers to."""

    CORRECT = "correct"
    """XEP-0308: the text is replaced; only the original sender may."""
    RETRACT = "retract"
    """XEP-0424: the message becomes a tombstone; only the original sender may."""
    REACT = "react"
    """XEP-0444: the sender's full set of reactions replaces their previous one."""
    MODERATE = "moderate"
    """XEP-0425: the room removed a message (with a reason); only the room itself may."""

    @property
    def noun(self) -> str:
        """The action in words ("correction", "retraction", "reaction", "removal")."""
        return _NOUNS[self]


_NOUNS = {
    ActionKind.CORRECT: "correction",
    ActionKind.RETRACT: "retraction",
    ActionKind.REACT: "reaction",
    ActionKind.MODERATE: "removal",
}


@dataclass(frozen=True, slots=True)
class Action:
    """One action, as received or sent: what, on which id (as the protocol references it)."""

    kind: ActionKind
    target: str
    """The referenced id: the original's ``id`` (1:1, corrections), or the room's stanza-id."""
    reactions: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Marks:
    """What a stored message carries beyond its text, as the log and ``history`` show it."""

    edited: bool = False
    retracted: bool = False
    reason: str = ""
    """Why a moderator removed it, when one did."""
    reactions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``(emoji, reactors)`` in the order first given; reactors are bare JIDs or nicks."""
    reply_to: str | None = None
    """The id of the message this one replies to."""
    quote: str = ""
    """A short one-line form of the quoted message (author: text), when it is stored."""
    quoted_id: int | None = None
    """The store's row id of the quoted message, when it is stored (to jump to it)."""
    occupant_id: str | None = None
    """XEP-0421: the room's stable id of the author (in a room that assigns them)."""
    pending: bool = False
    """An action of ours on it waits in the outbox: shown already, not yet sent."""


def clean_reactions(reactions: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """One person's reactions made safe: stripped, no duplicates, none too long, few enough.

    Anything with a control character or longer than :data:`MAX_REACTION_LENGTH` is dropped;
    at most :data:`MAX_REACTIONS` are kept, in the order given.
    """
    kept: list[str] = []
    for raw in reactions:
        emoji = raw.strip()
        if not emoji or len(emoji) > MAX_REACTION_LENGTH or emoji in kept:
            continue
        if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in emoji):
            continue
        kept.append(emoji)
        if len(kept) == MAX_REACTIONS:
            break
    return tuple(kept)


def reaction_summary(reactions: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """``👍 2 ❤️ 1``: each reaction and how many gave it."""
    return "  ".join(f"{emoji} {len(who)}" for emoji, who in reactions)


def reference(message: Message, *, correction: bool = False) -> str | None:
    """The id other messages use to name ``message`` (XEP-0424/0444/0461 pitfall): in a room
    the room's stanza-id, one to one the message's own ``id``; a correction always names the
    ``id`` (XEP-0308); a message with no ``id`` at all falls back to its stanza-id. ``None``
    when it carries none of them."""
    in_room = message.kind.value == "groupchat"
    if in_room and not correction and message.stanza_id:
        return message.stanza_id
    return message.message_id or message.origin_id or message.stanza_id
