"""Provides fixtures for the UI tests: an app over a FakeClient and an in-memory store."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from tests.ui.fakes import ME, T0, FakeClient, make_config, make_paths, seed_store
from tests.ui.helpers import main_screen_up
from tuichat.store import Store
from tuichat.ui.app import TuichatApp, build_app

RunBefore = Callable[[Pilot[Any]], Awaitable[None] | None]


@dataclass
class UI:
    """One app under test with its fake client and store."""

    app: TuichatApp
    client: FakeClient
    store: Store
    config_path: Path


def make_ui(tmp: Path, accounts: tuple[str, ...] = (ME,), seed: bool = True) -> UI:
    """Build the app with sample data, pinned time zone and clock."""
    store = Store.memory()
    if seed:
        seed_store(store)
    client = FakeClient(accounts, store)
    config = make_config(tmp, accounts)
    app = build_app(
        config, make_paths(tmp), store, client, tz=UTC, clock=lambda: T0, start_client=False
    )
    return UI(app, client, store, config.path)


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """The snapshot plugin's ``snap_compare``, whose ``run_before`` (and key presses) start
    once the main screen is up (see :func:`~tests.ui.helpers.main_screen_up`)."""

    def compare(app: App[Any], *args: Any, run_before: RunBefore | None = None, **kw: Any) -> bool:
        async def up_first(pilot: Pilot[Any]) -> None:
            await main_screen_up(pilot)
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result

        return snap_compare(app, *args, run_before=up_first, **kw)

    return compare


@pytest.fixture
def ui(tmp_path: Path) -> UI:
    """The sample app (one account, roster, two conversations)."""
    return make_ui(tmp_path)
