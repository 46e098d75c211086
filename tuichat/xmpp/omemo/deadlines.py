"""Provides :class:`Deadlines`: every OMEMO operation that may wait for the server ends, in time
or as soon as the stream it waits on is lost, as :class:`Deferred`.

python-omemo and slixmpp-omemo wait for server answers (a bundle published after a key
exchange, a device list) without a deadline, under the account's OMEMO lock. An answer asked
for on a stream that then dropped never comes: waiting for it would hold every message behind
it, and then let them out late and out of order. A deferred operation's writes are forgotten
by the caller, and the work is done again on the next stream (the archive returns the message,
the outbox writes it again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")

STEP_TIMEOUT = 20.0
"""Seconds one OMEMO operation may take under the account lock."""


class Deferred(Exception):
    """An operation did not finish in time: its writes are forgotten, it is tried again later
    (a message comes again with the next archive catch-up)."""


class Deadlines:
    """The operations of one account running now, to end them with the stream."""

    def __init__(self) -> None:
        self._running: set[asyncio.Future[Any]] = set()
        self._cut: set[asyncio.Future[Any]] = set()
        """Those :meth:`cut` cancelled (the others' cancellation is the caller's own)."""

    async def run(self, work: Awaitable[T]) -> T:
        """``work``, or :class:`Deferred` after :data:`STEP_TIMEOUT` seconds or at :meth:`cut`."""
        step = asyncio.ensure_future(asyncio.wait_for(work, STEP_TIMEOUT))
        self._running.add(step)
        try:
            return await step
        except TimeoutError:
            raise Deferred() from None
        except asyncio.CancelledError:
            if step in self._cut:
                raise Deferred() from None
            raise
        finally:
            self._running.discard(step)
            self._cut.discard(step)

    def cut(self) -> None:
        """The stream was lost: what runs now ends as :class:`Deferred`."""
        for step in self._running:
            if not step.done():
                self._cut.add(step)
                step.cancel()
