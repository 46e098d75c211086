"""Provides the reconnect schedule: exponential backoff with jitter, capped.

Pure: the random source is injected so the schedule can be tested as a table.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays between reconnect attempts: ``base * 2**n``, capped, with "equal jitter".

    Each delay lies in ``[d/2, d]`` where ``d = min(cap, base * 2**attempt)``, so clients that
    lost the same server at once do not all come back in the same second.
    """

    base: float = 1.0
    cap: float = 120.0
    rand: Callable[[], float] = field(default=random.random)
    attempt: int = 0

    def peek(self) -> float:
        """The ceiling of the next delay, without jitter."""
        return float(min(self.cap, self.base * 2.0 ** min(self.attempt, 32)))

    def next(self) -> float:
        """The delay before the next attempt; advances the schedule."""
        ceiling = self.peek()
        self.attempt += 1
        return ceiling / 2 + self.rand() * ceiling / 2

    def reset(self) -> None:
        """Start over after a successful connection."""
        self.attempt = 0
