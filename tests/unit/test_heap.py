"""Unit tests for :func:`tuichat.ui.heap.settle_heap` (start-up objects out of the GC's walk)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from tuichat.ui.heap import settle_heap


@pytest.fixture(autouse=True)
def unfreeze() -> Iterator[None]:
    """Start from nothing frozen; leave the interpreter so for the other tests."""
    gc.unfreeze()
    yield
    gc.unfreeze()


class Node:
    """An object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: object = None


def test_start_up_objects_are_frozen_and_later_cycles_still_collected() -> None:
    """Survivors of start-up leave the collector's walk; garbage made later is still freed."""
    survivor = Node()
    settle_heap()
    assert gc.get_freeze_count() > 0
    assert not any(obj is survivor for obj in gc.get_objects())  # not walked any more

    later = Node()
    later.other = later  # a cycle only the collector can free
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None


def test_only_the_first_call_freezes() -> None:
    """A second app in the same process does not freeze the first one's leftovers."""
    settle_heap()
    frozen = gc.get_freeze_count()
    leftovers = [Node() for _ in range(100)]
    settle_heap()
    assert gc.get_freeze_count() == frozen
    assert any(obj is leftovers[0] for obj in gc.get_objects())
