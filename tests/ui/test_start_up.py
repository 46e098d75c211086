"""Pilot tests of the end of start-up: once the connections settled, and whatever the client's
start does."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from textual.message import Message
from textual.pilot import Pilot

import tuichat.ui.app as app_module
import tuichat.ui.screens.main as main_screen
from tests.ui.conftest import UI, make_ui
from tests.ui.fakes import ME, make_config, make_paths
from tuichat.model import ConnectionState
from tuichat.ui.app import SETTLE_AFTER, TuichatApp, build_app
from tuichat.ui.themes import DEFAULT_THEME


def app_for(folder: Path, ui: UI) -> TuichatApp:
    """The app over ``ui``'s store and client, with ``folder``'s config; it starts connecting."""
    return build_app(make_config(folder, (ME,)), make_paths(folder), ui.store, ui.client, tz=None)


async def until_collecting(pilot: Pilot[None]) -> bool:
    """Whether the cycle collector runs again within a second."""
    for _ in range(100):
        await pilot.pause(0.01)
        if gc.isenabled():
            return True
    return False


async def test_a_client_start_that_fails_unexpectedly_still_ends_start_up(tmp_path: Path) -> None:
    """The entry point pauses the cycle collector until start-up is over; a client start that
    raises something unforeseen must not leave it paused for the session's life."""
    ui = make_ui(tmp_path)

    async def broken_start() -> None:
        raise RuntimeError("unforeseen")

    ui.client.start = broken_start  # type: ignore[method-assign]
    app = app_for(tmp_path, ui)
    gc.disable()
    try:
        async with app.run_test() as pilot:
            assert await until_collecting(pilot)
    finally:
        gc.enable()


async def test_start_up_ends_once_no_account_is_connecting_any_more(tmp_path: Path) -> None:
    """The collector's pass that ends start-up must not hold the loop while the server's first
    answers wait: it comes once every account is connected (or gave up), not before."""
    ui = make_ui(tmp_path)
    ui.client.states[ME] = (ConnectionState.CONNECTING, "")
    app = app_for(tmp_path, ui)
    gc.disable()
    try:
        async with app.run_test() as pilot:
            await pilot.pause(SETTLE_AFTER + 0.3)
            assert ("start",) in ui.client.calls
            assert not gc.isenabled()  # still connecting: start-up goes on
            ui.client.states[ME] = (ConnectionState.CONNECTED, "")
            assert await until_collecting(pilot)
    finally:
        gc.enable()


async def test_the_connections_start_at_the_main_screens_first_frame_not_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual's first refresh comes before anything is painted (in its start-up batch): the
    XMPP library's import and the client's build must wait for the main screen's first frame
    (or, if that frame never says so, FIRST_FRAME_LIMIT, here 3 s: a busy machine may take
    a good part of the real second to mount the screen)."""
    monkeypatch.setattr(main_screen, "FirstFrame", _Unheard)
    monkeypatch.setattr(app_module, "FIRST_FRAME_LIMIT", 3.0)
    ui = make_ui(tmp_path)
    app = app_for(tmp_path, ui)
    async with app.run_test() as pilot:
        await pilot.pause(0.5)
        assert ("start",) not in ui.client.calls  # painted, but nobody said so
        for _ in range(100):  # then at the limit
            await pilot.pause(0.1)
            if ("start",) in ui.client.calls:
                break
        assert ("start",) in ui.client.calls
    monkeypatch.undo()
    monkeypatch.setattr(app_module, "FIRST_FRAME_LIMIT", 30.0)  # a start now is the frame's
    said = tmp_path / "said"
    said.mkdir()
    ui = make_ui(said)
    app = app_for(said, ui)
    async with app.run_test() as pilot:
        for _ in range(60):
            await pilot.pause(0.05)
            if ("start",) in ui.client.calls:
                break
        assert ("start",) in ui.client.calls


class _Unheard(Message):
    """Posted instead of FirstFrame: nobody handles it."""


async def test_the_main_screen_is_the_only_screen_and_an_unknown_theme_falls_back(
    tmp_path: Path,
) -> None:
    """The main screen is the base of the app's mode: no screen of Textual's below it (one
    that was laid out for nothing, then made the main screen repaint all of itself). A theme
    that does not exist is replaced by the default before any screen is styled, and said."""
    ui = make_ui(tmp_path)
    config = make_config(tmp_path, (ME,), theme="no-such-theme")
    app = build_app(config, make_paths(tmp_path), ui.store, ui.client, tz=None)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        assert [type(screen) for screen in app.screen_stack] == [main_screen.MainScreen]
        assert app.theme == DEFAULT_THEME
        said = [n.message for n in app._notifications]
        assert f"unknown theme 'no-such-theme'; using {DEFAULT_THEME}" in said
