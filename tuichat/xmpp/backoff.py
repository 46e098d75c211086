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


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a session retries a connection that could not be made or was lost.

    The app retries for ever (a server may come back); a one-shot headless command makes a
    few quick attempts and then reports the reason, instead of waiting out its time-out.
    """

    attempts: int | None
    """Consecutive failed attempts after which the session gives up; None: never."""
    base: float = 1.0
    cap: float = 120.0

    def backoff(self) -> Backoff:
        """A fresh schedule of delays for this policy."""
        return Backoff(base=self.base, cap=self.cap)

    def gives_up(self, failures: int) -> bool:
        """Whether ``failures`` consecutive failed attempts are enough to stop."""
        return self.attempts is not None and failures >= self.attempts


FOREVER = RetryPolicy(attempts=None)
"""The app's policy: jittered exponential backoff from 1 s up to 2 minutes, without end."""
ONE_SHOT = RetryPolicy(attempts=3, base=0.5, cap=2.0)
"""Headless commands (``sync``, ``send``): three attempts within about two seconds."""
