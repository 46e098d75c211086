"""Pilot and snapshot tests of a data form's picture (XEP-0221 with XEP-0231 bits of binary):
a CAPTCHA drawn by the picture widget as half blocks above its field, its link under it; with
16 colours the link alone; a picture that cannot be read says why in words."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import ColorSystem
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input

from tests.pngs import captcha_png
from tests.ui.conftest import make_ui
from tests.ui.test_roster_accounts import fill_form
from tuichat.forms import Field, FieldType, Form, Media
from tuichat.ui.dialogs.data_form import DataFormScreen
from tuichat.ui.picture_view import PictureView

CID = "cid:sha1+8f35fef110ffc5df08d579a50083ff9308fb6242@bob.xmpp.org"


def captcha_form(picture: bytes) -> Form:
    """A registration form whose ``ocr`` field shows ``picture`` (a BoB PNG)."""
    return Form(
        title="Creating a new account",
        instructions=("Type the letters you see to prove you are a person.",),
        fields=(
            Field("FORM_TYPE", FieldType.HIDDEN, values=("jabber:iq:register",)),
            Field(
                "ocr",
                FieldType.TEXT_SINGLE,
                label="Letters",
                required=True,
                media=Media((("image/png", CID),), 80, 24, picture),
            ),
        ),
    )


def colours(pilot: Pilot[None], system: ColorSystem = ColorSystem.TRUECOLOR) -> None:
    """Make the app's console report ``system``, as the terminal's TERM and COLORTERM would
    (the tests run with TERM=xterm, which Rich takes for 16 colours)."""
    pilot.app.console._color_system = system


async def _open(pilot: Pilot[None]) -> DataFormScreen:
    await fill_form(pilot, "r", jid="fresh@example.org", secret="pw", secret2="pw")
    for _ in range(50):
        if isinstance(pilot.app.screen, DataFormScreen):
            break
        await pilot.pause(0.02)
    screen = pilot.app.screen
    assert isinstance(screen, DataFormScreen)
    for _ in range(250):  # the picture is decoded in a thread
        views = list(screen.query(PictureView).results(PictureView))
        if all(v.drawing is not None or v.problem or not v.display for v in views):
            break
        await pilot.pause(0.02)
    await pilot.pause()
    return screen


@pytest.fixture(autouse=True)
def half_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever terminal runs the tests: half blocks (kitty's path is a tested decision)."""
    monkeypatch.setenv("TUICHAT_PICTURES", "blocks")
    monkeypatch.delenv("NO_COLOR", raising=False)


def _notes(screen: DataFormScreen) -> str:
    return " ".join(str(s.render()) for s in screen.query(".form-note"))


async def test_a_captcha_is_drawn_above_its_field(tmp_path: Path) -> None:
    """The PNG carried as bits of binary is drawn in half blocks, colours from its pixels,
    above the field; the link is still said; the answer goes back."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    ui.client.registration_form = captcha_form(captcha_png())
    async with ui.app.run_test(size=(80, 24)) as pilot:
        colours(pilot)
        screen = await _open(pilot)
        [drawing] = screen.query(".form-picture").results(PictureView)
        text = drawing.drawing
        assert isinstance(text, Text)
        lines = str(text).split("\n")
        assert lines == ["▀" * 60] * 9  # 80x24 pixels scaled to 60 columns, 18 pixel rows
        pairs = {(span.style.color.triplet, span.style.bgcolor.triplet) for span in text.spans}  # type: ignore[union-attr]
        seen = {colour for pair in pairs for colour in pair}
        assert any(r > 150 and g < 60 and b < 60 for r, g, b in seen)  # the red stripe
        block = screen.query_one("#block-1")
        assert list(block.children).index(drawing) == 0  # above the label and editor
        assert f"picture: {CID} (80×24)" in _notes(screen)
        for char in "xyzzy":
            await pilot.press(char)
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        [given] = ui.client.registration_answers
        assert given.values()["ocr"] == ("xyzzy",)


async def test_sixteen_colours_show_the_link_only(tmp_path: Path) -> None:
    """A 16-colour terminal would show mush: no drawing, the link."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    ui.client.registration_form = captcha_form(captcha_png())
    async with ui.app.run_test(size=(80, 24)) as pilot:
        colours(pilot, ColorSystem.STANDARD)  # as TERM=xterm-16color gives
        screen = await _open(pilot)
        [drawing] = screen.query(".form-picture").results(PictureView)
        assert not drawing.display and drawing.drawing is None
        assert f"picture: {CID}" in _notes(screen)
        assert "not shown" not in _notes(screen)


async def test_a_broken_picture_is_said_in_words(tmp_path: Path) -> None:
    """Bytes that are no picture: no drawing, the reason and the link; the form still works."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    ui.client.registration_form = captcha_form(b"GIF89a" + bytes(64))
    async with ui.app.run_test(size=(80, 24)) as pilot:
        colours(pilot)
        screen = await _open(pilot)
        [drawing] = screen.query(".form-picture").results(PictureView)
        assert drawing.drawing is None
        assert drawing.problem.startswith("picture not shown: this is not a picture")
        assert f"picture: {CID}" in _notes(screen)
        assert isinstance(pilot.app.focused, Input)


def test_captcha_snapshot(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A registration form at 80x24 with its CAPTCHA drawn in half blocks over the field."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    ui.client.registration_form = captcha_form(captcha_png())

    async def run_before(pilot: Pilot[None]) -> None:
        colours(pilot)
        await _open(pilot)
        await pilot.pause(0.2)
        for area in pilot.app.screen.query(Input):
            area.cursor_blink = False

    assert snap_compare(ui.app, terminal_size=(80, 24), run_before=run_before)
