"""Unit tests for :func:`tuichat.heap.settle_heap` (start-up objects out of the GC's walk)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from collections.abc import Iterator

import pytest

from tuichat.heap import pause_collector, settle_heap


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


PROBE = """
import gc, json, sys
import tuichat.cli.config_cmd as config_cmd
seen = {}
def run_path(args):
    seen["collecting while the command runs"] = gc.isenabled()
    return 0
config_cmd.run_path = run_path
import tuichat.cli
real_main = tuichat.cli.main
def main(argv=None):
    seen["collecting during the imports"] = gc.isenabled()
    return real_main(argv)
tuichat.cli.main = main
sys.argv = ["tuichat", "config", "path"]
from tuichat.launch import main as launch
code = launch()
print(json.dumps(seen))
"""


def test_the_command_starts_without_the_collector_and_a_headless_one_runs_with_it() -> None:
    """The entry point pauses cycle collection for its imports; a headless command (which
    never reaches the app's settle) has it back before it runs."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "collecting during the imports": False,
        "collecting while the command runs": True,
    }


def test_settling_resumes_a_paused_collector() -> None:
    pause_collector()
    try:
        settle_heap()
        assert gc.isenabled()
    finally:
        gc.enable()
