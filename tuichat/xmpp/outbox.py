"""Provides the life of an outgoing message as one pure state machine (h11's ``_state.py`` idea).

Rule 1: every decision about when an outgoing message goes on the wire, and what becomes of
it, lives here. The session feeds :meth:`Outbox.handle` what happened (the inputs below) and
carries out what it returns: it stores and publishes each :class:`Changed`, and writes each
:class:`Send` to the stream. Nothing here does I/O, so the rules have table tests.

States (as stored): ``pending`` (in the outbox) → ``sent`` (written to a stream) → ``acked``
(the server acknowledged it (XEP-0198), the room reflected it, or its archive or carbon copy
came back) or ``failed`` (bounced with an error, or set aside because the stream closed twice
right after it went out: a message the server cannot take must not take its account down).

When things go out:
- one-to-one and room-private messages once the session is *ready* (connected, the archive
  caught up): first those waiting, oldest first, then new ones as they come;
- room messages once we are in their room (the room acks them by reflection, so they wait for
  the room, not for the server's ack).

A fresh stream forgets what the old one carried: what was written but not acked is sent again
(the archive catch-up that runs first acks, by their copies, those the server did get). A
resumed stream keeps it: slixmpp writes the unacked stanzas again itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tuichat.model import ConversationKind, MessageState

POISON_CLOSES = 2
"""Set a message aside when the stream closed this many times right after it went out."""
POISON_WINDOW = 10.0
"""Seconds after the write within which a closed stream counts against the message."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One outgoing message the machine follows (until it is acked or has failed)."""

    row: int
    """The store's row id."""
    conversation: str
    kind: ConversationKind
    key: str
    """The stanza id we gave it (also its origin-id): how acks, reflections and bounces find
    it."""
    state: MessageState = MessageState.PENDING
    on_stream: bool = False
    """Written to the current stream (or to one that may still be resumed)."""
    written_at: float | None = None
    closes: int = 0
    """Streams that closed within :data:`POISON_WINDOW` of this message being written while it
    was the oldest unacked one: the server's likeliest reason to close."""


# -- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Queued:
    """A message the user wrote was stored as pending."""

    entry: Entry
    now: float


@dataclass(frozen=True, slots=True)
class Restored:
    """The outbox rows found in the store when the session starts (from an earlier run)."""

    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Ready:
    """Connected and caught up: one-to-one messages may go out."""

    now: float


@dataclass(frozen=True, slots=True)
class RoomEntered:
    """We are in ``room`` (joined or rejoined): its messages may go out."""

    room: str
    now: float


@dataclass(frozen=True, slots=True)
class RoomGone:
    """We are no longer in ``room`` (left, kicked, or it went away): its messages wait."""

    room: str


@dataclass(frozen=True, slots=True)
class StreamAcked:
    """The server acknowledged the stanza ``key`` (XEP-0198)."""

    key: str


@dataclass(frozen=True, slots=True)
class Reflected:
    """A room sent our message ``key`` back to us: everyone in it has it."""

    key: str


@dataclass(frozen=True, slots=True)
class CopyArrived:
    """A copy of our message ``key`` came back with the server's stanza-id (archive, carbon)."""

    key: str


@dataclass(frozen=True, slots=True)
class Bounced:
    """The message ``key`` came back as an error; ``reason`` says why in words."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class StreamLost:
    """The stream closed (it may still be resumed)."""

    now: float


@dataclass(frozen=True, slots=True)
class FreshStream:
    """A new stream started: nothing written to the old one will be acked on it."""


@dataclass(frozen=True, slots=True)
class Resumed:
    """The old stream was resumed (XEP-0198): slixmpp writes its unacked stanzas again."""

    now: float


Input = (
    Queued
    | Restored
    | Ready
    | RoomEntered
    | RoomGone
    | StreamAcked
    | Reflected
    | CopyArrived
    | Bounced
    | StreamLost
    | FreshStream
    | Resumed
)


# -- effects --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send:
    """Write this message to the stream now."""

    entry: Entry


@dataclass(frozen=True, slots=True)
class Changed:
    """The message's state changed: store it, then publish it."""

    row: int
    conversation: str
    state: MessageState
    reason: str = ""


Effect = Send | Changed

POISON_REASON = "not sent: the server closed the connection each time this message went out"

_FINAL = (MessageState.ACKED, MessageState.FAILED)


@dataclass
class Outbox:
    """The outgoing messages of one account, and the rules they follow."""

    entries: dict[str, Entry] = field(default_factory=dict)
    """By key, in the order they were queued (dicts keep it)."""
    ready: bool = False
    rooms: set[str] = field(default_factory=set)
    """The rooms we are in now."""

    def handle(self, event: Input) -> list[Effect]:
        """Apply ``event``; return what to do, in order."""
        match event:
            case Queued(entry, now):
                self.entries[entry.key] = entry
                return self._flush(now)
            case Restored(entries):
                for entry in entries:
                    self.entries.setdefault(entry.key, replace(entry, on_stream=False))
                return []
            case Ready(now):
                self.ready = True
                return self._flush(now)
            case RoomEntered(room, now):
                self.rooms.add(room)
                return self._flush(now, room=room)
            case RoomGone(room):
                self.rooms.discard(room)
                self._forget_stream(
                    lambda e: e.kind is ConversationKind.GROUPCHAT and e.conversation == room
                )
                return []
            case StreamAcked(key):
                found = self.entries.get(key)
                if found is None or found.kind is ConversationKind.GROUPCHAT:
                    return []  # a room message is acked by its reflection, not by the server
                return self._final(found, MessageState.ACKED)
            case Reflected(key) | CopyArrived(key):
                found = self.entries.get(key)
                return [] if found is None else self._final(found, MessageState.ACKED)
            case Bounced(key, reason):
                found = self.entries.get(key)
                return [] if found is None else self._final(found, MessageState.FAILED, reason)
            case StreamLost(now):
                self.ready = False
                self.rooms.clear()
                return self._count_close(now)
            case FreshStream():
                self.ready = False
                self.rooms.clear()
                self._forget_stream(lambda _e: True)
                return []
            case Resumed(now):
                self.ready = True
                return self._flush(now)
        raise TypeError(f"not an outbox input: {event!r}")  # pragma: no cover

    # -- the rules ------------------------------------------------------------------------

    def _may_send(self, entry: Entry) -> bool:
        if entry.on_stream or entry.state in _FINAL:
            return False
        if entry.kind is ConversationKind.GROUPCHAT:
            return entry.conversation in self.rooms
        return self.ready

    def _flush(self, now: float, *, room: str | None = None) -> list[Effect]:
        """Send what may go out (of ``room`` only, if given), oldest first, so a new message
        never overtakes an older one still waiting."""
        effects: list[Effect] = []
        for entry in list(self.entries.values()):
            if room is not None and entry.conversation != room:
                continue
            if not self._may_send(entry):
                continue
            sent = replace(entry, on_stream=True, written_at=now, state=MessageState.SENT)
            self.entries[entry.key] = sent
            effects.append(Send(sent))
            if entry.state is not MessageState.SENT:
                effects.append(Changed(entry.row, entry.conversation, MessageState.SENT))
        return effects

    def _final(self, entry: Entry, state: MessageState, reason: str = "") -> list[Effect]:
        del self.entries[entry.key]
        return [Changed(entry.row, entry.conversation, state, reason)]

    def _forget_stream(self, which: Callable[[Entry], bool]) -> None:
        """Mark the messages ``which`` picks as no longer on any stream (to be sent again)."""
        for key, entry in list(self.entries.items()):
            if entry.on_stream and which(entry):
                self.entries[key] = replace(entry, on_stream=False)

    def _count_close(self, now: float) -> list[Effect]:
        """The oldest unacked message on the stream is what the server choked on, if the
        stream closed right after it was written; the second time, set it aside."""
        suspect = next(
            (e for e in self.entries.values() if e.on_stream and e.state is MessageState.SENT),
            None,
        )
        if suspect is None or suspect.written_at is None:
            return []
        if now - suspect.written_at > POISON_WINDOW:
            return []
        counted = replace(suspect, closes=suspect.closes + 1)
        if counted.closes >= POISON_CLOSES:
            return self._final(counted, MessageState.FAILED, POISON_REASON)
        self.entries[suspect.key] = counted
        return []

    def waiting(self) -> tuple[Entry, ...]:
        """Every message not yet acked nor failed, oldest first."""
        return tuple(self.entries.values())
