"""Provides the pure rules of delivery and read state: receipts (XEP-0184), chat markers
(XEP-0333), read sync (XEP-0490) and chat states (XEP-0085).

Rule: every decision about whom we confirm to, which confirmation counts, and how often we
say we are typing lives here, without I/O, so each has a table test. The features in
:mod:`tuichat.xmpp.features.receipts`, :mod:`~tuichat.xmpp.features.read_sync` and
:mod:`~tuichat.xmpp.features.chat_states` carry them out.

Whom we confirm to: a receipt, a ``displayed`` marker or a chat state tells the sender that
one of our devices is online and reading, which is presence (XEP-0184 §8, XEP-0085 §11). So
we send them only to contacts allowed to see our presence (subscription ``from`` or
``both``), never to strangers; and none in group chats (receipts are not for rooms, and a
room's chat states and markers go to everyone in it: only small rooms get them).
"""

from __future__ import annotations

from dataclasses import dataclass

from tuichat.model import MessageState, Subscription

OUTGOING_ORDER: tuple[MessageState, ...] = (
    MessageState.PENDING,
    MessageState.SENT,
    MessageState.ACKED,
    MessageState.DELIVERED,
    MessageState.DISPLAYED,
)
"""An outgoing message's states in the order it passes them (``failed`` is apart)."""

CONFIRMED = (MessageState.DELIVERED, MessageState.DISPLAYED)
"""The states only the recipient's client can give (a receipt, a chat marker)."""

SEES_PRESENCE = (Subscription.FROM, Subscription.BOTH)
"""The subscriptions that let a contact see our presence."""

ROOM_CHAT_STATES_LIMIT = 20
"""Rooms with more occupants than this get no chat states from us (noise for everyone)."""

COMPOSING_EVERY = 8.0
"""Seconds between two ``composing`` while the user keeps typing (XEP-0085 §5.2: no more
than one per few seconds)."""

PAUSED_AFTER = 5.0
"""Seconds without a keystroke after which we say ``paused``."""

TYPING_SHOWN_FOR = 30.0
"""Seconds a contact's ``composing`` is shown without news (their client may have died)."""


def advances(old: MessageState, new: MessageState) -> bool:
    """Whether an outgoing message may move from ``old`` to ``new``: only forward, and
    nothing the recipient confirmed becomes ``failed`` (a late bounce cannot undo a receipt)."""
    if old is new:
        return False
    if new is MessageState.FAILED:
        return old not in CONFIRMED
    if old not in OUTGOING_ORDER or new not in OUTGOING_ORDER:
        return old is MessageState.FAILED and new in CONFIRMED
    return OUTGOING_ORDER.index(new) > OUTGOING_ORDER.index(old)


def sees_presence(subscription: Subscription | None) -> bool:
    """Whether a contact of this subscription may learn from us that we are online and
    reading (receipts, displayed markers, chat states): see the module's rule."""
    return subscription in SEES_PRESENCE


def from_peer(sender_bare: str, conversation: str) -> bool:
    """Whether a receipt or marker from ``sender_bare`` may confirm a message of the one-to-one
    ``conversation``: only its peer's (anyone else's is forged, and ignored)."""
    return bool(sender_bare) and sender_bare == conversation


@dataclass
class Typing:
    """Our own chat state in one conversation, and when to say what (the composer's rate rule).

    The composer reports each keystroke (:meth:`typed`), each tick (:meth:`tick`) and each
    send (:meth:`sent`); each returns the state to send now, or ``None``: ``composing`` at
    most once per :data:`COMPOSING_EVERY` while typing, ``paused`` once after
    :data:`PAUSED_AFTER` idle, ``active`` after composing when the message is sent (that one
    travels in the message itself) or the draft is cleared.
    """

    state: str = "active"
    last_sent: float | None = None
    """When we last sent ``composing`` (the loop's clock)."""
    last_key: float = 0.0

    def typed(self, now: float, *, empty: bool = False) -> str | None:
        """A keystroke at ``now``; ``empty``: the draft is empty after it."""
        self.last_key = now
        if empty:
            return self._to("active") if self.state != "active" else None
        if self.state != "composing" or (
            self.last_sent is not None and now - self.last_sent >= COMPOSING_EVERY
        ):
            self.last_sent = now
            self.state = "composing"
            return "composing"
        return None

    def tick(self, now: float) -> str | None:
        """Time passes: ``paused`` once the user stopped typing for :data:`PAUSED_AFTER`."""
        if self.state == "composing" and now - self.last_key >= PAUSED_AFTER:
            return self._to("paused")
        return None

    def sent(self) -> None:
        """A message went out (carrying ``active`` itself)."""
        self.state = "active"
        self.last_sent = None

    def _to(self, state: str) -> str:
        self.state = state
        if state != "composing":
            self.last_sent = None
        return state
