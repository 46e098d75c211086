"""Pilot and snapshot tests of a data form's picture (XEP-0221 with XEP-0231 bits of binary):
a CAPTCHA drawn as half blocks above its field, its link under it; with 16 colours, or a
picture that is not a PNG, the link alone and why in words."""

from __future__ import annotations

from pathlib import Path

from rich.color import ColorSystem
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.pngs import captcha_png
from tests.ui.conftest import make_ui
from tests.ui.test_roster_accounts import fill_form
from tuichat.forms import Field, FieldType, Form, Media
from tuichat.ui.dialogs.data_form import DataFormScreen

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
    return screen


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
        [drawing] = screen.query(".form-picture").results(Static)
        text = drawing.content
        assert isinstance(text, Text)
        lines = str(text).split("\n")
        assert lines == ["▀" * 60] * 9  # 80x24 pixels scaled to 60 columns, 18 pixel rows
        pairs = {(span.style.color.triplet, span.style.bgcolor.triplet) for span in text.spans}  # type: ignore[union-attr]
        assert (200, 0, 0) in {colour for pair in pairs for colour in pair}  # the red stripe
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
        assert not screen.query(".form-picture")
        assert f"picture: {CID}" in _notes(screen)
        assert "not shown" not in _notes(screen)


async def test_a_broken_picture_is_said_in_words(tmp_path: Path) -> None:
    """Bytes that are no PNG: no drawing, the reason and the link; the form still works."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    ui.client.registration_form = captcha_form(b"GIF89a" + bytes(64))
    async with ui.app.run_test(size=(80, 24)) as pilot:
        colours(pilot)
        screen = await _open(pilot)
        assert not screen.query(".form-picture")
        assert "picture not shown: this is not a PNG picture" in _notes(screen)
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
