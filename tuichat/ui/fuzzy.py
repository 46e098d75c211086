"""Provides the fuzzy scorer behind the quick switcher: pure, no Textual.

Rule: every query character must appear in the candidate in order (case-insensitive). The score
rewards matches at the start, after a separator (``@ . / - _`` or space) and consecutive runs,
and penalises gaps and long candidates, so ``ali`` ranks ``alice@…`` above ``malicious@…``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

_SEPARATORS = frozenset("@./-_ :")


def score(query: str, candidate: str) -> float | None:
    """How well ``candidate`` matches ``query`` (higher is better), or ``None`` for no match.

    An empty query matches everything with score 0.
    """
    if not query:
        return 0.0
    q = query.casefold()
    c = candidate.casefold()
    # Best of a greedy scan from each occurrence of the first query character, so a later,
    # better-placed start (e.g. after "@") can win over an early scattered one.
    best: float | None = None
    start = c.find(q[0])
    while start != -1:
        value = _scan(q, c, start)
        if value is not None and (best is None or value > best):
            best = value
        start = c.find(q[0], start + 1)
    return best


def _scan(q: str, c: str, start: int) -> float | None:
    total = 0.0
    pos = start
    prev = -2
    for ch in q:
        found = c.find(ch, pos)
        if found == -1:
            return None
        bonus = 1.0
        if found == 0:
            bonus += 3.0
        elif c[found - 1] in _SEPARATORS:
            bonus += 2.0
        if found == prev + 1:
            bonus += 2.0
        else:
            total -= 0.2 * (found - pos)
        total += bonus
        prev = found
        pos = found + 1
    if c.startswith(q):
        total += 5.0
    return total - 0.01 * len(c)


def rank(query: str, items: Iterable[T], key: Callable[[T], str], limit: int = 50) -> list[T]:
    """The items matching ``query``, best first (stable for equal scores), at most ``limit``."""
    scored: list[tuple[float, int, T]] = []
    for index, item in enumerate(items):
        value = score(query, key(item))
        if value is not None:
            scored.append((value, index, item))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [item for _, _, item in scored[:limit]]
