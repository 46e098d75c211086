"""Provides the batching that keeps floods of events from starving the keyboard.

A busy room or a crowd of strangers can publish hundreds of ``MessageReceived`` events in one
turn of the loop. Handling each on its own (append, re-measure, repaint, a store write) leaves
no time for keys. :class:`Batch` collects them and hands them on together, once per turn of
the screen's message pump, and is flushed first whenever any other event comes, so the order
of events is kept. :func:`plan_messages` is the pure part: what one batch means for the view.
No Textual here: the screen gives the scheduling function.

Keystrokes come first (:class:`KeysFirst`): a hand-over due while a keystroke waits for its
frame waits for that frame, and while the user types, hand-overs go in the gap right after a
keystroke's frame (at most :data:`MAX_HOLD` late), so the log's work and the next key do not
meet.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from tuichat.model import Message
from tuichat.records import record

T = TypeVar("T")
E = TypeVar("E")
ConvKey = tuple[str, str]


MIN_GAP = 0.05
"""Seconds between two hand-overs at least: a flood is shown 20 times a second, not per read."""


def hand_over_delay(now: float, last: float | None, min_gap: float = MIN_GAP) -> float:
    """How long to wait before the next hand-over: none after a quiet spell, else what is
    left of ``min_gap`` since the ``last`` one."""
    if last is None:
        return 0.0
    return max(0.0, min(min_gap, last + min_gap - now))


TYPING = 0.5
"""Seconds after a keystroke during which the user counts as typing."""
MAX_HOLD = 0.1
"""Seconds a hand-over may wait for a keystroke's frame at most (the log still moves)."""


class KeysFirst:
    """Whether work that can wait should let a keystroke's frame go first.

    The composer calls :meth:`key` when a key comes and :meth:`painted` once the frame after it
    is on screen. Work that can wait asks :meth:`hold` and, if told to, registers with
    :meth:`after` to run once that frame is painted.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        typing: float = TYPING,
        max_hold: float = MAX_HOLD,
    ) -> None:
        self._clock = clock
        self._typing = typing
        self.max_hold = max_hold
        """Seconds past its due time that work waits for a keystroke's frame at most."""
        self.pending = False
        """A keystroke waits for its frame."""
        self._last_key: float | None = None
        self._after: list[Callable[[], None]] = []

    def key(self) -> None:
        """A key came: its frame is to be painted before work that can wait."""
        self.pending = True
        self._last_key = self._clock()

    def painted(self) -> None:
        """The frame after the last key is on screen: what waited for it runs now."""
        self.pending = False
        waiting, self._after = self._after, []
        for callback in waiting:
            callback()

    def hold(self, due: float) -> float | None:
        """Seconds work due at ``due`` may still wait for a keystroke's frame (``None``: run
        now). It waits while a keystroke waits for its frame, and while the user types (for
        the frame of the next key), never more than ``max_hold`` past ``due``."""
        now = self._clock()
        typing = self._last_key is not None and now - self._last_key < self._typing
        left = due + self.max_hold - now
        if (self.pending or typing) and left > 0:
            return left
        return None

    def after(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the next keystroke's frame is painted."""
        self._after.append(callback)


class Batch(Generic[T]):
    """Items collected and handed to ``handle`` together, in arrival order.

    ``schedule(delay, callback)`` must run ``callback`` after ``delay`` seconds (0: as soon as
    it can). The first item after a quiet spell is handed over at once; in a flood the
    hand-overs are :data:`MIN_GAP` apart, so each carries many items. :meth:`flush` hands
    over at once (another event arrived that must not overtake the items). With ``keys``, a
    scheduled hand-over lets keystrokes' frames go first (:meth:`KeysFirst.hold`).
    """

    def __init__(
        self,
        handle: Callable[[list[T]], object],
        schedule: Callable[[float, Callable[[], None]], object],
        clock: Callable[[], float] = time.monotonic,
        min_gap: float = MIN_GAP,
        keys: KeysFirst | None = None,
    ) -> None:
        self._handle = handle
        self._schedule = schedule
        self._clock = clock
        self._min_gap = min_gap
        self.keys = keys
        """Keystrokes whose frames go first (``None``: none)."""
        self._items: list[T] = []
        self._scheduled = False
        self._last: float | None = None
        self._due = 0.0
        self._token = 0
        """The live scheduled hand-over (older timers and waits are let go)."""

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: T) -> None:
        """Collect ``item``; the first of a batch schedules the hand-over."""
        self._items.append(item)
        if not self._scheduled:
            self._scheduled = True
            delay = hand_over_delay(self._clock(), self._last, self._min_gap)
            self._due = self._clock() + delay
            self._arm(delay)

    def _arm(self, delay: float) -> int:
        self._token += 1
        token = self._token
        self._schedule(delay, lambda: self._scheduled_flush(token))
        return token

    def _scheduled_flush(self, token: int, *, painted: bool = False) -> None:
        """The hand-over ``token`` is due (``painted``: a keystroke's frame was just painted,
        the gap before the next key has begun)."""
        if token != self._token or not self._scheduled:
            return
        keys = self.keys
        wait = keys.hold(self._due) if keys is not None and self._items and not painted else None
        if wait is not None and keys is not None:
            token = self._arm(wait)
            keys.after(lambda: self._scheduled_flush(token, painted=True))
            return
        self._scheduled = False
        self.flush()

    def flush(self) -> None:
        """Hand over what is collected now (nothing happens when nothing is)."""
        items, self._items = self._items, []
        if items:
            self._last = self._clock()
            self._handle(items)

    def before(self, handler: Callable[[E], object]) -> Callable[[E], None]:
        """``handler`` wrapped so that the collected items are handed over before it runs."""

        def in_order(event: E) -> None:
            self.flush()
            handler(event)

        return in_order


@record(frozen=True)
class MessagePlan:
    """What a batch of received messages means for the screen."""

    messages: tuple[Message, ...]
    """Every message of the batch once (a stored id seen twice is kept once), in order."""
    in_view: tuple[Message, ...]
    """Those of the conversation in view: appended to the log in one go."""


def message_key(message: Message) -> ConvKey:
    """The conversation key of ``message``."""
    return (message.account, message.conversation)


def plan_messages(messages: Iterable[Message], in_view: ConvKey | None) -> MessagePlan:
    """Split a batch: drop repeats of one stored message, pick those of the view."""
    seen: set[int] = set()
    kept: list[Message] = []
    for message in messages:
        if message.id is not None:
            if message.id in seen:
                continue
            seen.add(message.id)
        kept.append(message)
    shown = tuple(m for m in kept if in_view is not None and message_key(m) == in_view)
    return MessagePlan(tuple(kept), shown)
