"""Pilot and snapshot tests of a contact's avatar (XEP-0084) in the conversation header: read
from the store, drawn in half blocks left of the header line, changed and taken down by
``AvatarChanged``; a terminal without 256 colours shows none; rooms have none."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rich.color import ColorSystem
from rich.text import Text
from textual.pilot import Pilot

from tests.pngs import rgb_png
from tests.ui.conftest import UI, make_ui
from tests.ui.fakes import ALICE, ME
from tests.ui.helpers import main_screen
from tuichat.avatars import Avatar
from tuichat.events import AvatarChanged
from tuichat.ui.picture_view import PictureView
from tuichat.ui.widgets.composer import Composer

RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 180, 60), (40, 60, 220), (240, 200, 20)


def quadrants(top: tuple[int, int, int] = RED) -> bytes:
    """An 8 x 8 PNG in four colours: ``top`` and green above, blue and yellow below."""
    upper = [[top] * 4 + [GREEN] * 4] * 4
    lower = [[BLUE] * 4 + [YELLOW] * 4] * 4
    return rgb_png(upper + lower)


def avatar(data: bytes, jid: str = ALICE) -> Avatar:
    return Avatar(jid, hashlib.sha1(data).hexdigest(), "image/png", data)


@pytest.fixture(autouse=True)
def half_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever terminal runs the tests: half blocks (kitty's path is tested as a decision)."""
    monkeypatch.setenv("TUICHAT_PICTURES", "blocks")
    monkeypatch.delenv("NO_COLOR", raising=False)


def colours(pilot: Pilot[None], system: ColorSystem = ColorSystem.TRUECOLOR) -> None:
    """Make the console report ``system`` (the tests run with TERM=xterm: 16 colours)."""
    pilot.app.console._color_system = system


async def drawn(pilot: Pilot[None]) -> PictureView:
    """The header's avatar once its worker has drawn it (or said why not)."""
    view = main_screen(pilot).query_one("#avatar", PictureView)
    for _ in range(250):
        await pilot.pause(0.02)
        if view.drawing is not None or view.problem or not view.display:
            break
    await pilot.pause()
    return view


def _cells(view: PictureView) -> list[str]:
    assert view.drawing is not None
    return str(view.drawing).split("\n")


async def _open_alice(ui: UI, pilot: Pilot[None]) -> PictureView:
    colours(pilot)
    main_screen(pilot).open_conversation((ME, ALICE))
    return await drawn(pilot)


async def test_the_stored_avatar_is_drawn_left_of_the_header(tmp_path: Path) -> None:
    """8 columns x 4 rows of half blocks, the upper pixel as foreground, the lower as ground."""
    ui = make_ui(tmp_path)
    ui.store.set_avatar(ME, ALICE, avatar(quadrants()))
    async with ui.app.run_test(size=(80, 24)) as pilot:
        view = await _open_alice(ui, pilot)
        assert view.display and view.problem == ""
        assert _cells(view) == ["▀" * 8] * 4
        drawing = view.drawing
        assert isinstance(drawing, Text)
        first, last = drawing.spans[0].style, drawing.spans[-1].style
        assert not isinstance(first, str) and not isinstance(last, str)
        assert first.color is not None and first.color.triplet == RED
        assert last.bgcolor is not None and last.bgcolor.triplet == YELLOW
        assert view.region.x < main_screen(pilot).query_one("#conversation-header").region.x


async def test_an_avatar_changed_on_the_bus_is_drawn_and_taken_down(tmp_path: Path) -> None:
    ui = make_ui(tmp_path)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        view = await _open_alice(ui, pilot)
        assert not view.display  # none yet
        ui.client.bus.publish(AvatarChanged(ME, ALICE, avatar(quadrants(top=BLUE))))
        view = await drawn(pilot)
        assert view.display and _cells(view) == ["▀" * 8] * 4
        first = view.drawing.spans[0].style if view.drawing else None
        assert not isinstance(first, str) and first is not None and first.color is not None
        assert first.color.triplet == BLUE
        ui.client.bus.publish(AvatarChanged(ME, ALICE, None))
        view = await drawn(pilot)
        assert not view.display


async def test_a_broken_avatar_is_said_in_words(tmp_path: Path) -> None:
    ui = make_ui(tmp_path)
    ui.store.set_avatar(ME, ALICE, avatar(b"\x89PNG\r\n\x1a\n" + bytes(40)))
    async with ui.app.run_test(size=(80, 24)) as pilot:
        view = await _open_alice(ui, pilot)
        assert view.drawing is None
        assert view.problem.startswith("picture not shown: ")
        assert isinstance(pilot.app.focused, Composer)  # the app goes on


async def test_sixteen_colours_show_no_avatar(tmp_path: Path) -> None:
    ui = make_ui(tmp_path)
    ui.store.set_avatar(ME, ALICE, avatar(quadrants()))
    async with ui.app.run_test(size=(80, 24)) as pilot:
        colours(pilot, ColorSystem.STANDARD)
        main_screen(pilot).open_conversation((ME, ALICE))
        view = await drawn(pilot)
        assert not view.display and view.drawing is None
        assert "Alice" in str(main_screen(pilot).view.state.header)


def test_avatar_header_snapshot(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Alice's conversation at 80x24 with her avatar in half blocks left of the header."""
    ui = make_ui(tmp_path)
    ui.store.set_avatar(ME, ALICE, avatar(quadrants()))

    async def run_before(pilot: Pilot[None]) -> None:
        await _open_alice(ui, pilot)
        main_screen(pilot).query_one(Composer).cursor_blink = False
        await pilot.pause()

    assert snap_compare(ui.app, terminal_size=(80, 24), run_before=run_before)


async def test_the_avatar_command_publishes_the_picture_named(tmp_path: Path) -> None:
    """`/avatar PATH` asks the client to publish PATH on the account in view; without PATH
    it says what it needs; a refusal is said under the log."""
    ui = make_ui(tmp_path)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await _line(pilot, "/avatar ~/me.png")
        assert ("publish_avatar", ME, "~/me.png") in ui.client.calls
        await _line(pilot, "/avatar")
        assert "/avatar needs PATH" in _error(pilot)
        ui.client.fail["publish_avatar"] = "an avatar must be a PNG, JPEG, GIF or WebP picture"
        await _line(pilot, '/avatar "notes.txt"')
        assert ("publish_avatar", ME, "notes.txt") in ui.client.calls
        assert "could not publish the avatar: an avatar must be a PNG" in _error(pilot)


async def _line(pilot: Pilot[None], text: str) -> None:
    composer = main_screen(pilot).query_one(Composer)
    composer.focus()
    composer.set_text(text)
    await pilot.press("enter")
    await pilot.pause(0.2)


def _error(pilot: Pilot[None]) -> str:
    return str(main_screen(pilot).query_one("#inline-error").render())
