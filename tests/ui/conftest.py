"""Provides fixtures for the UI tests: an app over a FakeClient and an in-memory store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pytest

from tests.ui.fakes import ME, T0, FakeClient, make_config, make_paths, seed_store
from tuichat.store import Store
from tuichat.ui.app import TuichatApp, build_app


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
def ui(tmp_path: Path) -> UI:
    """The sample app (one account, roster, two conversations)."""
    return make_ui(tmp_path)
