"""The start-up caches' common end: every installed cache is saved, then closed once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuichat import startcaches


class Cache:
    def __init__(self, said: list[str], name: str) -> None:
        self.said, self.name = said, name

    def save(self) -> None:
        self.said.append(f"save {self.name}")

    def close(self) -> None:
        self.said.append(f"close {self.name}")


@pytest.fixture
def empty() -> Iterator[None]:
    installed = list(startcaches._installed)
    startcaches._installed.clear()
    yield
    startcaches._installed[:] = installed


def test_each_cache_is_saved_and_closed_once_in_the_order_installed(empty: None) -> None:
    said: list[str] = []
    startcaches.register(Cache(said, "code"))
    startcaches.register(Cache(said, "patterns"))
    startcaches.save_all()
    startcaches.close_all()
    startcaches.close_all()  # start-up ends once: nothing is closed twice
    startcaches.save_all()
    assert said == ["save code", "save patterns", "close code", "close patterns"]


def test_importing_tuichat_installs_the_code_and_pattern_caches(tmp_path: Path) -> None:
    """In a fresh interpreter (in this one, an app's start-up may have closed them already)."""
    script = (
        "import tuichat\n"
        "from tuichat import startcaches\n"
        "print(sorted(type(cache).__name__ for cache in startcaches._installed))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "['CodeCache', 'PatternCache']"
