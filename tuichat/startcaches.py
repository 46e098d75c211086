"""Provides the start-up caches' common end: :func:`save_all` and :func:`close_all`.

Each cache that start-up reads (compiled dataclass code, compiled patterns, parsed
stylesheets) registers itself here when it is installed. The app saves them all once its first
frame is up (a closed terminal ends us without ``atexit``), and closes them when start-up is
over: each writes what was made since, stops answering, and lets its file go.
"""

from __future__ import annotations

from typing import Protocol


class StartCache(Protocol):
    """A start-up cache: saved, then closed."""

    def save(self) -> None: ...

    def close(self) -> None: ...


_installed: list[StartCache] = []


def register(cache: StartCache) -> None:
    """Add ``cache`` to those :func:`save_all` and :func:`close_all` reach."""
    _installed.append(cache)


def save_all() -> None:
    """Write every cache now."""
    for cache in _installed:
        cache.save()


def close_all() -> None:
    """Start-up is over: save every cache and let it go."""
    while _installed:
        _installed.pop(0).close()
