"""Pilot tests of :class:`PictureView`, the one picture widget: half blocks, textual-image's
sixel widget on the graphics path (imported without asking the terminal anything), the label
where nothing is drawn, a hostile file said in words, and a newer picture winning."""

from __future__ import annotations

import io
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from rich.color import ColorSystem
from textual.app import App, ComposeResult

from tests.pngs import captcha_png
from tuichat.ui.picture_view import PictureView, load_graphics
from tuichat.ui.pictures import Method


class PictureApp(App[None]):
    """One picture view, its messages recorded."""

    def __init__(self, view: PictureView) -> None:
        super().__init__()
        self.console._color_system = ColorSystem.TRUECOLOR  # TERM=xterm in tests: 16
        self.view = view
        self.drawn: list[PictureView.Drawn] = []

    def compose(self) -> ComposeResult:
        yield self.view

    def on_picture_view_drawn(self, message: PictureView.Drawn) -> None:
        self.drawn.append(message)


@asynccontextmanager
async def running(view: PictureView) -> AsyncIterator[PictureApp]:
    """The app with ``view``, once it said it was drawn."""
    app = PictureApp(view)
    async with app.run_test(size=(40, 12)) as pilot:
        for _ in range(200):
            if app.drawn:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        yield app


async def test_half_blocks_fill_the_columns_and_rows() -> None:
    view = PictureView(captcha_png(32, 16), columns=16, rows=4, method=Method.HALF_BLOCKS)
    async with running(view) as app:
        [drawn] = app.drawn
        assert (drawn.method, drawn.problem) == (Method.HALF_BLOCKS, "")
        assert view.drawing is not None and str(view.drawing).split("\n") == ["▀" * 16] * 4


async def test_the_sixel_path_mounts_textual_images_widget() -> None:
    """The graphics path draws with textual-image (its sixel widget here), sized in cells."""
    view = PictureView(captcha_png(32, 16), columns=10, rows=3, method=Method.SIXEL)
    async with running(view) as app:
        [drawn] = app.drawn
        assert (drawn.method, drawn.problem) == (Method.SIXEL, "")
        [image] = [c for c in view.children if type(c).__module__.startswith("textual_image")]
        assert type(image) is load_graphics()[Method.SIXEL]
        assert image.region.size == (10, 3)
        assert view.drawing is None


def test_textual_image_is_imported_without_asking_the_terminal() -> None:
    """Its import-time queries are silenced (stdout looks like no terminal meanwhile) and
    its cell size is known without a query."""
    classes = load_graphics()
    assert set(classes) == {Method.KITTY, Method.SIXEL}
    assert sys.__stdout__ is not None  # given back
    from textual_image import _terminal

    assert hasattr(_terminal.get_cell_size, "_result")


async def test_nothing_drawn_shows_the_label_or_nothing() -> None:
    labelled = PictureView(captcha_png(), columns=8, rows=4, label="cat.png", method=Method.NONE)
    async with running(labelled) as app:
        assert labelled.display and labelled.drawing is None
        assert app.drawn[0].method is Method.NONE
        assert "cat.png" in str(labelled.query_one(".picture-text").render())
    bare = PictureView(captcha_png(), columns=8, rows=4, method=Method.NONE)
    async with running(bare):
        assert not bare.display


async def test_a_hostile_file_is_said_in_words() -> None:
    view = PictureView(b"<html>not a picture</html>", columns=8, rows=4)
    async with running(view) as app:
        assert app.drawn[0].problem.startswith("picture not shown: this is not a picture")
        assert view.problem == app.drawn[0].problem


async def test_the_newest_picture_wins() -> None:
    """A picture asked for while another is being decoded replaces it (never the older)."""
    view = PictureView(captcha_png(64, 64), columns=8, rows=4, method=Method.HALF_BLOCKS)
    app = PictureApp(view)
    async with app.run_test(size=(40, 12)) as pilot:
        view.show(b"junk")
        for _ in range(200):
            if app.drawn and app.drawn[-1].problem:
                break
            await pilot.pause(0.02)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert view.drawing is None and view.problem.startswith("picture not shown")


async def test_the_kitty_path_sends_the_picture_with_kittys_protocol(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """textual-image's kitty widget transmits the picture as kitty graphics (APC ``_G``)
    escapes on stdout and draws its placeholder cells; captured here instead of a terminal."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "__stdout__", out)
    view = PictureView(captcha_png(32, 16), columns=10, rows=3, method=Method.KITTY)
    async with running(view) as app:
        [drawn] = app.drawn
        assert (drawn.method, drawn.problem) == (Method.KITTY, "")
        [image] = [c for c in view.children if type(c).__module__.startswith("textual_image")]
        assert type(image) is load_graphics()[Method.KITTY]
        app.export_screenshot()  # paints every widget, as a frame on a terminal would
    sent = out.getvalue()
    assert "\x1b_G" in sent and "f=100" in sent  # the picture sent (as PNG) to the terminal
    assert "a=p" in sent and "c=10,r=3" in sent  # placed over 10 x 3 cells
