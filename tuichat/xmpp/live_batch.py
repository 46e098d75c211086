"""Provides :class:`LiveBatch`: live messages stored together, one transaction per frame; and
:class:`ArrivalOrder`, which files each conversation's live messages in the order they came.

A flood (a busy room, a crowd of strangers) delivers messages many times faster than one
transaction each can keep up with while the keyboard waits. The batch collects the messages
that arrive within :data:`LIVE_BATCH_DELAY` and stores them in one go, in arrival order; each
may carry a ``then`` to run once it is stored (the room feature's echo and mention checks).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from tuichat.model import Message

log = logging.getLogger(__name__)

LIVE_BATCH_DELAY = 1 / 60
"""Seconds a live message waits for others to share its store transaction (one frame)."""

Then = Callable[[Message | None], object]
"""Run with the stored copy of a message (``None``: it was a duplicate)."""


class LiveBatch:
    """Messages waiting to be stored, with what to do once they are."""

    def __init__(
        self,
        store: Callable[[Sequence[Message]], list[Message | None]],
        delay: float = LIVE_BATCH_DELAY,
    ) -> None:
        """``store(messages)`` stores and announces a batch; returns the stored copies."""
        self._store = store
        self._delay = delay
        self._items: list[tuple[Message, Then | None]] = []
        self._handle: asyncio.TimerHandle | None = None
        self.listeners: list[Callable[[Message, Message | None], object]] = []
        """Run after each ``then`` with ``(message, stored copy or None)``: what must follow
        the storing of every live message (a delivery receipt)."""

    def __len__(self) -> int:
        return len(self._items)

    def add(self, message: Message, then: Then | None = None) -> None:
        """Collect ``message``; the first of a batch sets the timer."""
        self._items.append((message, then))
        if self._handle is None:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(self._delay, self.flush)

    def flush(self) -> None:
        """Store what is collected now (before anything that must come after it)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        items, self._items = self._items, []
        if not items:
            return
        stored = self._store([message for message, _then in items])
        for (message, then), row in zip(items, stored, strict=True):
            if then is not None:
                then(row)
            for listener in self.listeners:
                listener(message, row)


class ArrivalOrder:
    """Rule: a conversation's live messages are filed in the order they arrive.

    The server delivers them in the order they were sent; but one resent after a stream
    resumption, or kept offline for us, carries its delay stamp, which Prosody writes in whole
    seconds: filed by it, a message would sort before one that arrived live earlier in that
    same second. So a live message is never filed before the last live one of its
    conversation (for as long as the session lives: across stream resumptions too).
    """

    def __init__(self) -> None:
        self._newest: dict[str, datetime] = {}

    def place(self, message: Message) -> Message:
        """``message``, filed after the live messages of its conversation that came before."""
        newest = self._newest.get(message.conversation)
        if newest is not None and message.timestamp <= newest:
            message = replace(message, timestamp=newest + timedelta(microseconds=1))
        self._newest[message.conversation] = message.timestamp
        return message


def report_failure(task: asyncio.Future[Any]) -> None:
    """Log what failed in a background delivery (a store error is also kept by the store)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("a delivery failed", exc_info=task.exception())
