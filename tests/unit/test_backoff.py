"""Unit tests for the reconnect schedule (exponential backoff with jitter)."""

from __future__ import annotations

import pytest

from tuichat.xmpp.backoff import Backoff


@pytest.mark.parametrize(
    ("rand", "expected"),
    [
        (0.0, [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]),
        (1.0, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 120.0, 120.0]),
    ],
)
def test_schedule_doubles_then_caps(rand: float, expected: list[float]) -> None:
    """Delays double each attempt, stay within [d/2, d], and stop growing at the cap."""
    backoff = Backoff(base=1.0, cap=120.0, rand=lambda: rand)
    assert [backoff.next() for _ in expected] == expected


def test_jitter_spreads_within_bounds() -> None:
    """Every delay lies between half the ceiling and the ceiling."""
    values = iter([0.25, 0.75, 0.5])
    backoff = Backoff(base=2.0, cap=100.0, rand=lambda: next(values))
    assert backoff.next() == pytest.approx(1.0 + 0.25 * 1.0)
    assert backoff.next() == pytest.approx(2.0 + 0.75 * 2.0)
    assert backoff.next() == pytest.approx(4.0 + 0.5 * 4.0)


def test_reset_starts_over() -> None:
    """After a successful connection the next delay is short again."""
    backoff = Backoff(base=1.0, cap=120.0, rand=lambda: 1.0)
    for _ in range(6):
        backoff.next()
    backoff.reset()
    assert backoff.next() == 1.0


def test_huge_attempt_counts_do_not_overflow() -> None:
    """Hours of failed attempts keep returning the cap."""
    backoff = Backoff(base=1.0, cap=300.0, rand=lambda: 1.0, attempt=10_000)
    assert backoff.next() == 300.0
