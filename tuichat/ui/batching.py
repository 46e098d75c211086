"""Provides the batching that keeps floods of events from starving the keyboard.

A busy room or a crowd of strangers can publish hundreds of ``MessageReceived`` events in one
turn of the loop. Handling each on its own (append, re-measure, repaint, a store write) leaves
no time for keys. :class:`Batch` collects them and hands them on together, once per turn of
the screen's message pump, and is flushed first whenever any other event comes, so the order
of events is kept. :func:`plan_messages` is the pure part: what one batch means for the view.
No Textual here: the screen gives the scheduling function.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from tuichat.model import Message

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


class Batch(Generic[T]):
    """Items collected and handed to ``handle`` together, in arrival order.

    ``schedule(delay, callback)`` must run ``callback`` after ``delay`` seconds (0: as soon as
    it can). The first item after a quiet spell is handed over at once; in a flood the
    hand-overs are :data:`MIN_GAP` apart, so each carries many items. :meth:`flush` hands
    over at once (another event arrived that must not overtake the items).
    """

    def __init__(
        self,
        handle: Callable[[list[T]], object],
        schedule: Callable[[float, Callable[[], None]], object],
        clock: Callable[[], float] = time.monotonic,
        min_gap: float = MIN_GAP,
    ) -> None:
        self._handle = handle
        self._schedule = schedule
        self._clock = clock
        self._min_gap = min_gap
        self._items: list[T] = []
        self._scheduled = False
        self._last: float | None = None

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: T) -> None:
        """Collect ``item``; the first of a batch schedules the hand-over."""
        self._items.append(item)
        if not self._scheduled:
            self._scheduled = True
            delay = hand_over_delay(self._clock(), self._last, self._min_gap)
            self._schedule(delay, self._scheduled_flush)

    def _scheduled_flush(self) -> None:
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


@dataclass(frozen=True, slots=True)
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
