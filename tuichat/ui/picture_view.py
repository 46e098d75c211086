"""Provides :class:`PictureView`, the one widget that draws a picture given as bytes.

Use it anywhere in the UI (dialogs and widgets alike: it sits outside their layers)::

    view = PictureView(data, columns=8, rows=4, label="avatar")
    view.show(other_bytes)   # replace the picture (b"": show the label alone)

How it draws is decided once, by :func:`tuichat.ui.pictures.choose_method` (the environment
and the terminal's colours): kitty graphics or sixel through ``textual-image``, half blocks
(:func:`tuichat.ui.pictures.half_block_text`), or nothing but its label. Decoding is hostile
input and slow, so it runs in a thread worker; Pillow and ``textual-image`` are imported
there, the first time a picture is drawn, never for the first frame. A picture that cannot be
shown says why in words (``picture not shown: …``) in place of the picture. Each drawing
ends with a :class:`PictureView.Drawn` message (tests and callers may wait for it).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message as TMessage
from textual.widget import Widget
from textual.widgets import Static

from tuichat.pictures import PictureError
from tuichat.ui.pictures import (
    GRAPHICS,
    Method,
    choose_method,
    decode,
    decode_image,
    half_block_text,
)

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

CELL_PIXELS = (10, 20)
"""The size of a cell in pixels assumed when the terminal does not say (a VT340's)."""
MAX_GRAPHICS_PIXELS = (1600, 1600)
"""The most pixels a picture is sent to the terminal at (scaled down to it)."""

NARROW = 30
"""Columns under which the reason a picture is not shown is one line, cut short."""
FIRST_FRAME_POLL = 0.05
"""Seconds between two looks for the first frame, before a picture is decoded."""

_loading = threading.Lock()


def load_graphics() -> dict[Method, type[Widget]]:
    """``textual-image``'s widgets for kitty graphics and sixel, imported on first use.

    Its package asks the terminal what it supports at import time (writing a query and reading
    the answer from stdin), which cannot work, and would eat keys, while Textual owns the
    terminal: so it is imported as if stdout were no terminal (we chose the method already),
    and its cell size is taken from the terminal's window size alone (no query either).
    """
    with _loading:
        if "textual_image.widget" not in sys.modules:
            saved = sys.__stdout__
            setattr(sys, "__stdout__", None)  # noqa: B010 (typeshed calls it Final)
            try:
                import textual_image.renderable  # noqa: F401 (its import-time queries, silenced)
            finally:
                setattr(sys, "__stdout__", saved)  # noqa: B010
            from textual_image import _terminal

            if not hasattr(_terminal.get_cell_size, "_result"):
                cell = _terminal.CellSize(*_cell_pixels())
                setattr(_terminal.get_cell_size, "_result", cell)  # noqa: B010 (its cache)
        from textual_image.widget import SixelImage, TGPImage

    return {Method.KITTY: TGPImage, Method.SIXEL: SixelImage}


def _cell_pixels() -> tuple[int, int]:
    """A cell's size in pixels from the terminal's window size (an ioctl, no query)."""
    try:
        from textual_image._posix import get_tiocgwinsz

        rows, columns, width, height = get_tiocgwinsz()
        if rows and columns and width and height:
            return width // columns, height // rows
    except Exception:  # not a terminal, or Windows: assume
        pass
    return CELL_PIXELS


class PictureView(Widget):
    """A picture at most ``columns`` x ``rows`` cells, drawn as well as the terminal allows."""

    DEFAULT_CSS = """
    PictureView { width: auto; height: auto; }
    PictureView > .picture-text { width: auto; height: auto; }
    """

    @dataclass
    class Drawn(TMessage):
        """The picture was drawn (``problem`` empty) or could not be (``problem`` in words)."""

        view: PictureView
        method: Method
        problem: str

    def __init__(
        self,
        data: bytes = b"",
        *,
        columns: int,
        rows: int,
        label: str = "",
        method: Method | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``data``: the file's bytes (PNG, JPEG, GIF, WebP); ``label``: plain words shown
        when it is not drawn (empty: nothing); ``method``: force one (tests), else chosen."""
        super().__init__(id=id, classes=classes)
        self.columns = columns
        self.rows = rows
        self._data = data
        self._label = label
        self._forced = method
        self._generation = 0
        self.drawing: Text | None = None
        """The half blocks drawn (``None``: not drawn in half blocks)."""
        self.problem = ""
        """Why the picture is not shown, in words (empty: it is, or there is none)."""
        self.styles.max_width = columns  # a label or a reason never takes more room either
        self.styles.max_height = rows

    def compose(self) -> ComposeResult:
        """The text part: half blocks, the label, or why not."""
        yield Static("", classes="picture-text")

    def on_mount(self) -> None:
        """Draw what was given."""
        self._draw()

    @property
    def method(self) -> Method:
        """How this view draws, here and now."""
        if self._forced is not None:
            return self._forced
        return choose_method(os.environ, self.app.console.color_system)

    def show(self, data: bytes, label: str = "") -> None:
        """Draw ``data`` instead (``b""``: the label alone)."""
        self._data, self._label = data, label
        if self.is_mounted:
            self._draw()

    def _text(self, content: Text) -> None:
        self.query_one(".picture-text", Static).update(content)

    def _draw(self) -> None:
        self._generation += 1
        for child in list(self.children)[1:]:
            child.remove()
        self.drawing, self.problem = None, ""
        self.query_one(".picture-text").display = True
        method = self.method
        if not self._data or method is Method.NONE:
            self._text(Text(self._label, no_wrap=True, overflow="ellipsis"))
            self.display = bool(self._label)
            self.post_message(self.Drawn(self, method, ""))
            return
        self.display = True
        self._text(Text("\n".join([" " * self.columns] * self.rows)))  # its place, kept
        self._start(partial(self._decode, self._data, method, self._generation), self._generation)

    def _start(self, work: Callable[[], None], generation: int) -> None:
        """Run ``work`` in a thread once the app's first frame is on the screen (Textual's
        ``Ready`` was posted): the first frame never waits for, nor shares the CPU with,
        Pillow's import and the decoding. A start for a picture replaced meanwhile is dropped."""
        if generation != self._generation:
            return
        if not getattr(self.app, "_dom_ready", True):
            self.set_timer(FIRST_FRAME_POLL, partial(self._start, work, generation))
            return
        self.run_worker(work, group="picture", exclusive=True, thread=True, exit_on_error=False)

    def _decode(self, data: bytes, method: Method, generation: int) -> None:
        """In a thread: decode (and load textual-image); hand the result to the UI thread."""
        result: Text | PILImage | PictureError
        try:
            if method in GRAPHICS:
                width, height = _cell_pixels()
                size = (
                    min(self.columns * width, MAX_GRAPHICS_PIXELS[0]),
                    min(self.rows * height, MAX_GRAPHICS_PIXELS[1]),
                )
                result = decode_image(data, size)
                load_graphics()
            else:
                picture = decode(data, self.columns, self.rows)
                result = half_block_text(picture, self.columns, self.rows)
        except PictureError as exc:
            result = exc
        with suppress(RuntimeError):  # the app is closing
            self.app.call_from_thread(self._decoded, generation, method, result)

    def _decoded(self, generation: int, method: Method, result: Any) -> None:
        if generation != self._generation or not self.is_mounted:
            return  # another picture was asked for meanwhile
        if isinstance(result, PictureError):
            self.problem = f"picture not shown: {result}"
            narrow = self.columns < NARROW  # an avatar: one line, cut, rather than a column
            self._text(Text(self.problem, Style(dim=True), no_wrap=narrow, overflow="ellipsis"))
        elif isinstance(result, Text):
            self.drawing = result
            self._text(result)
        else:
            self.query_one(".picture-text").display = False
            widget = load_graphics()[method](result)
            widget.styles.width = self.columns
            widget.styles.height = self.rows
            self.mount(widget)
        self.post_message(self.Drawn(self, method, self.problem))
