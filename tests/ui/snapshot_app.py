"""Provides the app with sample data for snapshot tests and for looking at the UI in tmux.

Run: ``python tests/ui/snapshot_app.py [theme]``. Times are pinned (UTC, fixed dates) and the
client is a FakeClient, so every run paints the same screen.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.ui.fakes import (
    ALICE,
    BOB,
    ME,
    T0,
    FakeClient,
    make_config,
    make_paths,
    seed_store,
)
from tuichat.events import PresenceChanged
from tuichat.model import ConnectionState, Show
from tuichat.store import Store
from tuichat.ui.app import TuichatApp, build_app


def make_app(
    theme: str = "dark", tmp: Path | None = None, accounts: tuple[str, ...] = (ME,)
) -> TuichatApp:
    """The sample app: one account, a roster, two conversations, some presence."""
    folder = tmp or Path(tempfile.mkdtemp(prefix="tuichat-snap-"))
    store = Store.memory()
    seed_store(store)
    client = FakeClient(accounts, store)
    client.states[ME] = (ConnectionState.CONNECTED, "")
    for other in accounts[1:]:
        client.states[other] = (ConnectionState.AUTH_FAILED, "not-authorized: wrong password")
    app = build_app(
        make_config(folder, accounts, theme),
        make_paths(folder),
        store,
        client,
        tz=UTC,
        clock=lambda: T0,
        start_client=False,
    )

    def presence() -> None:
        bus = client.bus
        bus.publish(PresenceChanged(ME, f"{ALICE}/phone", Show.ONLINE, "at the office"))
        bus.publish(PresenceChanged(ME, f"{BOB}/pc", Show.DND, "deploying [red]x[/red]"))
        bus.publish(PresenceChanged(ME, "erin@example.org/x", Show.AWAY, ""))

    app.call_after_refresh(presence)
    return app


if __name__ == "__main__":
    make_app(sys.argv[1] if len(sys.argv) > 1 else "dark").run()
