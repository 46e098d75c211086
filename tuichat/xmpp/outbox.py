"""Provides the life of an outgoing message as one pure state machine (h11's ``_state.py`` idea).

Rule 1: every decision about when an outgoing message goes on the wire, and what becomes of
it, lives here. The session's :class:`~tuichat.xmpp.sending.Sender` feeds :meth:`Outbox.handle`
what happened (the inputs below) and carries out what it returns (the effects): it writes each
:class:`Send`, stores and publishes each :class:`Changed`, and counts each :class:`Blamed` in
the store. Nothing here does I/O, so every rule has a table test.

States (as stored): ``pending`` (in the outbox) → ``sent`` (written to a stream) → ``acked``
(the server acknowledged it (XEP-0198), the room reflected it, or its archive or carbon copy
came back) or ``failed`` (bounced with an error, or set aside because the server ended the
stream on it again and again: a message the server cannot take must not take its account down).

When things go out:
- one-to-one and room-private messages once the session is *ready* (connected, the archive
  caught up): those waiting first, oldest first, so a new message never overtakes an old one;
- room messages once we are in their room (the room acks them by reflection, so they wait for
  the room, not for the server's ack).

A fresh stream forgets what the old one carried: what was written but not acked goes again
once ready (the archive catch-up that runs first acks, by their copies, those the server did
get). A resumed stream keeps it: slixmpp writes the unacked stanzas again itself.

An action of ours (a correction, a retraction, a reaction: ``Entry.action``) is one more
outgoing item with the same life; one on a message of ours that is itself still in the outbox
(``Entry.after``) waits until that message is acked (it then goes out naming the id the
message has), and fails with it if it fails.

A bounce may come after the server's ack (our server read the message, the recipient's server
refused it), so acked one-to-one messages are remembered a while for their bounce.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from tuichat.model import ConversationKind, MessageState
from tuichat.records import record

MAX_CLOSES = 2
"""Streams the server may end on one message before it is set aside (state ``failed``)."""

BLAMING_CONDITIONS = frozenset(
    {
        "bad-format",
        "bad-namespace-prefix",
        "improper-addressing",
        "invalid-namespace",
        "invalid-xml",
        "not-well-formed",
        "policy-violation",
        "restricted-xml",
        "unsupported-encoding",
        "unsupported-stanza-type",
        "xml-not-well-formed",
    }
)
"""RFC 6120 §4.9.3 stream errors about the data the client sent. A network loss, a shutdown or
a login elsewhere blames no message."""

REMEMBERED_ACKS = 500
"""Acked one-to-one messages kept for a late bounce."""


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
    held: bool = False
    """Waiting for encryption to become possible (see :class:`Held`)."""
    action: bool = False
    """A correction, retraction or reaction (a queued action's row), not a message."""
    after: str | None = None
    """The key of our own message this action acts on: it goes out only once that message
    is no longer in the outbox."""


# -- inputs ---------------------------------------------------------------------------------


@record(frozen=True)
class Queued:
    """A message the user wrote was stored as pending."""

    entry: Entry


@record(frozen=True)
class Restored:
    """The outbox rows found in the store when the session starts (from an earlier run)."""

    entries: tuple[Entry, ...]


@record(frozen=True)
class Ready:
    """Connected and caught up: one-to-one messages may go out."""


@record(frozen=True)
class RoomEntered:
    """We are in ``room`` (joined or rejoined): its messages may go out."""

    room: str


@record(frozen=True)
class RoomGone:
    """We are no longer in ``room`` (left, kicked, or it went away): its messages wait."""

    room: str


@record(frozen=True)
class StreamAcked:
    """The server acknowledged the stanza ``key`` (XEP-0198)."""

    key: str


@record(frozen=True)
class Reflected:
    """A room sent our message ``key`` back to us: everyone in it has it."""

    key: str


@record(frozen=True)
class CopyArrived:
    """A copy of our message ``key`` came back with the server's stanza-id (archive, carbon)."""

    key: str


@record(frozen=True)
class Bounced:
    """The message ``key`` came back as an error; ``reason`` says why in words."""

    key: str
    reason: str


@record(frozen=True)
class SetAside:
    """The message ``key`` must not be written again (it keeps ending the stream)."""

    key: str
    reason: str


@record(frozen=True)
class Held:
    """The message ``key`` could not be encrypted (``reason``): it was not written, and waits
    in the outbox (``pending``) until :class:`Released` or the next :class:`Ready`. Never sent
    in plaintext instead."""

    key: str
    reason: str


@record(frozen=True)
class Released:
    """What held messages wait for may have changed (trust, devices, the conversation's
    encryption): they try again."""


@record(frozen=True)
class StreamLost:
    """The stream closed (it may still be resumed); ``condition`` is the stream error the
    server sent before closing it, if any."""

    condition: str | None = None
    text: str = ""


@record(frozen=True)
class FreshStream:
    """A new stream started: nothing written to the old one will be acked on it."""


@record(frozen=True)
class Unwritten:
    """The message ``key`` did not reach a live stream: its stream went down while its steps
    ran (encryption awaits), so it was not written — writing it to the dead stream would put
    it behind what slixmpp writes again on resumption — or it reached the wire only after the
    stream was gone, where stream management no longer kept it. It is no longer on any
    stream, and goes out again, in order, once the rules allow (a stream is ready)."""

    key: str


@record(frozen=True)
class Resumed:
    """The old stream was resumed (XEP-0198): slixmpp writes its unacked stanzas again."""


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
    | SetAside
    | Held
    | Released
    | StreamLost
    | FreshStream
    | Unwritten
    | Resumed
)


# -- effects --------------------------------------------------------------------------------


@record(frozen=True)
class Send:
    """Write this message to the stream now."""

    entry: Entry


@record(frozen=True)
class Changed:
    """The message's state changed: store it, then publish it."""

    row: int
    conversation: str
    state: MessageState
    reason: str = ""
    key: str = ""
    action: bool = False
    """The row is a queued action's (see :attr:`Entry.action`)."""


def changed(entry: Entry, state: MessageState, reason: str = "") -> Changed:
    """The :class:`Changed` of ``entry`` moving to ``state``."""
    return Changed(entry.row, entry.conversation, state, reason, entry.key, entry.action)


NOT_SENT_FIRST = "the message it refers to was not sent"
"""Why an action on a message of ours that failed fails too."""


@record(frozen=True)
class Blamed:
    """The server ended the stream on this message (``condition``): count it, and once
    :func:`set_aside_reason` gives a reason, feed back :class:`SetAside`."""

    entry: Entry
    condition: str
    text: str = ""


Effect = Send | Changed | Blamed


def culprit(on_stream: Sequence[Entry], condition: str | None) -> Entry | None:
    """The message to blame for a stream the server ended with ``condition``: the oldest one
    it has not acked (it reads in order, and we ask for an ack right behind each message);
    none for a stream that ended for another reason."""
    if condition not in BLAMING_CONDITIONS or not on_stream:
        return None
    return on_stream[0]


def set_aside_reason(closes: int, condition: str, text: str = "") -> str | None:
    """Why a message blamed for ``closes`` stream closes is set aside, or None to retry it."""
    if closes < MAX_CLOSES:
        return None
    times = "twice" if closes == 2 else f"{closes} times"
    detail = f"{condition}: {text}" if text else condition
    return f"the server closed the connection {times} on this message ({detail})"


FINAL = (MessageState.ACKED, MessageState.DELIVERED, MessageState.DISPLAYED, MessageState.FAILED)
"""The states the machine no longer follows a message in (a receipt or a chat marker may still
move an acked message on to ``delivered`` and ``displayed``, outside the machine)."""


@dataclass
class Outbox:
    """The outgoing messages of one account, and the rules they follow."""

    entries: dict[str, Entry] = field(default_factory=dict)
    """By key, in the order they were queued (dicts keep it)."""
    ready: bool = False
    was_ready: bool = False
    """Whether the stream that was lost had become ready: a resumption of it is ready only then
    (a stream cut before its catch-up finished stays not ready until the catch-up does)."""
    rooms: set[str] = field(default_factory=set)
    """The rooms we are in now."""
    acked: OrderedDict[str, Entry] = field(default_factory=OrderedDict)
    """Recently acked one-to-one messages, for a bounce that comes after the ack."""

    def handle(self, event: Input) -> list[Effect]:
        """Apply ``event``; return what to do, in order."""
        match event:
            case Queued(entry):
                self.entries[entry.key] = entry
                return self._flush()
            case Restored(entries):
                for restored in entries:
                    self.entries.setdefault(restored.key, replace(restored, on_stream=False))
                return []
            case Ready():
                self.ready = True
                self._unhold()  # what held them may be gone: they try again once
                return self._flush()
            case RoomEntered(room):
                self.rooms.add(room)
                return self._flush(room=room)
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
            case Bounced(key, reason) | SetAside(key, reason):
                found = self.entries.get(key) or self.acked.pop(key, None)
                return [] if found is None else self._final(found, MessageState.FAILED, reason)
            case Held(key, reason):
                found = self.entries.get(key)
                if found is None:
                    return []
                self.entries[key] = replace(
                    found, on_stream=False, held=True, state=MessageState.PENDING
                )
                return [changed(found, MessageState.PENDING, reason)]
            case Released():
                self._unhold()
                return self._flush()
            case StreamLost(condition, text):
                self.was_ready, self.ready = self.ready or self.was_ready, False
                self.rooms.clear()
                on_stream = [e for e in self.entries.values() if e.on_stream]
                blamed = culprit(on_stream, condition)
                return [] if blamed is None else [Blamed(blamed, condition or "", text)]
            case FreshStream():
                self.ready = self.was_ready = False
                self.rooms.clear()
                self._forget_stream(lambda _e: True)
                return []
            case Unwritten(key):
                found = self.entries.get(key)
                if found is not None and found.on_stream:  # sent again, and said so again
                    self.entries[key] = replace(found, on_stream=False, state=MessageState.PENDING)
                return self._flush()  # on a stream still up, at once; else when one is
            case Resumed():
                self.ready = self.was_ready
                return self._flush()
        raise TypeError(f"not an outbox input: {event!r}")  # pragma: no cover

    def waiting(self) -> tuple[Entry, ...]:
        """Every message not yet acked nor failed, oldest first."""
        return tuple(self.entries.values())

    # -- the rules ------------------------------------------------------------------------

    def _may_send(self, entry: Entry) -> bool:
        if entry.on_stream or entry.held or entry.state in FINAL:
            return False
        if entry.after is not None and entry.after in self.entries:
            return False  # the message it acts on leaves (and is acked) first
        if entry.kind is ConversationKind.GROUPCHAT:
            return entry.conversation in self.rooms
        return self.ready

    def writable(self, key: str) -> bool:
        """Whether the message ``key``, sent by the machine, may be written now: the stream it
        was sent to is still up."""
        entry = self.entries.get(key)
        if entry is None or not entry.on_stream:
            return False
        if entry.kind is ConversationKind.GROUPCHAT:
            return entry.conversation in self.rooms
        return self.ready

    def _flush(self, *, room: str | None = None) -> list[Effect]:
        """Send what may go out (of ``room`` only, if given), oldest first."""
        effects: list[Effect] = []
        for entry in list(self.entries.values()):
            if room is not None and entry.conversation != room:
                continue
            if not self._may_send(entry):
                continue
            sent = replace(entry, on_stream=True, state=MessageState.SENT)
            self.entries[entry.key] = sent
            effects.append(Send(sent))
            if entry.state is not MessageState.SENT:
                effects.append(changed(entry, MessageState.SENT))
        return effects

    def _final(self, entry: Entry, state: MessageState, reason: str = "") -> list[Effect]:
        self.entries.pop(entry.key, None)
        if state is MessageState.ACKED and entry.kind is not ConversationKind.GROUPCHAT:
            self.acked[entry.key] = entry
            while len(self.acked) > REMEMBERED_ACKS:
                self.acked.popitem(last=False)
        effects: list[Effect] = [changed(entry, state, reason)]
        waiting = [e for e in self.entries.values() if e.after == entry.key]
        if not waiting:
            return effects
        if state is MessageState.FAILED:
            for action in waiting:
                effects += self._final(action, MessageState.FAILED, NOT_SENT_FIRST)
            return effects
        return effects + self._flush()

    def _unhold(self) -> None:
        for key, entry in list(self.entries.items()):
            if entry.held:
                self.entries[key] = replace(entry, held=False)

    def _forget_stream(self, which: Callable[[Entry], bool]) -> None:
        """Mark the messages ``which`` picks as no longer on any stream (to be sent again)."""
        for key, entry in list(self.entries.items()):
            if entry.on_stream and which(entry):
                self.entries[key] = replace(entry, on_stream=False)
