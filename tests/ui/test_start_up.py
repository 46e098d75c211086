"""Pilot tests of the end of start-up: once the connections settled, and whatever the client's
start does."""

from __future__ import annotations

import gc
from pathlib import Path

from tests.ui.conftest import make_ui
from tests.ui.fakes import ME, make_config, make_paths
from tuichat.model import ConnectionState
from tuichat.ui.app import SETTLE_AFTER, build_app


async def test_a_client_start_that_fails_unexpectedly_still_ends_start_up(tmp_path: Path) -> None:
    """The entry point pauses the cycle collector until start-up is over; a client start that
    raises something unforeseen must not leave it paused for the session's life."""
    ui = make_ui(tmp_path)

    async def broken_start() -> None:
        raise RuntimeError("unforeseen")

    ui.client.start = broken_start  # type: ignore[method-assign]
    app = build_app(
        make_config(tmp_path, (ME,)), make_paths(tmp_path), ui.store, ui.client, tz=None
    )
    gc.disable()
    try:
        async with app.run_test() as pilot:
            for _ in range(100):
                await pilot.pause(0.01)
                if gc.isenabled():
                    break
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_start_up_ends_once_no_account_is_connecting_any_more(tmp_path: Path) -> None:
    """The collector's pass that ends start-up must not hold the loop while the server's first
    answers wait: it comes once every account is connected (or gave up), not before."""
    ui = make_ui(tmp_path)
    ui.client.states[ME] = (ConnectionState.CONNECTING, "")
    app = build_app(
        make_config(tmp_path, (ME,)), make_paths(tmp_path), ui.store, ui.client, tz=None
    )
    gc.disable()
    try:
        async with app.run_test() as pilot:
            await pilot.pause(SETTLE_AFTER + 0.3)
            assert ("start",) in ui.client.calls
            assert not gc.isenabled()  # still connecting: start-up goes on
            ui.client.states[ME] = (ConnectionState.CONNECTED, "")
            for _ in range(100):
                await pilot.pause(0.01)
                if gc.isenabled():
                    break
            assert gc.isenabled()
    finally:
        gc.enable()
