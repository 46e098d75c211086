"""The start-up caches' common end: every installed cache is saved, then closed once."""

from __future__ import annotations

from collections.abc import Iterator

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


def test_importing_tuichat_installs_the_code_and_pattern_caches() -> None:
    from tuichat import codecache, patterncache

    kinds = {type(cache) for cache in startcaches._installed}
    assert {codecache.CodeCache, patterncache.PatternCache} <= kinds
