"""Provides pictures drawn with half blocks: each cell is ``▀`` with the upper pixel as its
foreground colour and the lower one as its background.

Pure (no Textual). A picture is scaled down (never up) to fit :data:`MAX_COLUMNS` columns and
:data:`MAX_ROWS` text rows keeping its aspect ratio (a cell holds two pixels, one above the
other, so it is about square). Only a terminal with 256 colours or more draws it: with 16
colours or none the picture would be mush, and the caller shows its link instead
(:func:`can_draw`).
"""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from rich.text import Text

from tuichat.pictures import RGB, Picture, PictureError, decode_png

MAX_COLUMNS = 60
MAX_ROWS = 12
"""Text rows at most (24 pixel rows): a CAPTCHA above its field leaves room for the form."""

DRAWING_SYSTEMS = frozenset({"256", "truecolor", "windows"})
"""Rich colour systems that draw a picture (``standard`` is 16 colours; ``None`` is none)."""


def can_draw(color_system: str | None) -> bool:
    """Whether a terminal with ``color_system`` (Rich's name) shows pictures as half blocks."""
    return color_system in DRAWING_SYSTEMS


def fit(
    width: int, height: int, columns: int = MAX_COLUMNS, rows: int = MAX_ROWS
) -> tuple[int, int]:
    """The ``(columns, pixel rows)`` a ``width`` x ``height`` picture is drawn at: at most
    ``columns`` wide and ``rows`` text rows high, aspect kept, never enlarged."""
    scale = min(1.0, columns / width, (rows * 2) / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _scaled(picture: Picture, columns: int, pixel_rows: int) -> list[list[RGB]]:
    """Nearest-neighbour sampling of ``picture`` at ``columns`` x ``pixel_rows``."""
    return [
        [
            picture.rows[y * picture.height // pixel_rows][x * picture.width // columns]
            for x in range(columns)
        ]
        for y in range(pixel_rows)
    ]


def half_block_text(picture: Picture, columns: int = MAX_COLUMNS, rows: int = MAX_ROWS) -> Text:
    """``picture`` as lines of ``▀`` cells, scaled by :func:`fit` (an odd last pixel row gets
    a white one under it)."""
    width, height = fit(picture.width, picture.height, columns, rows)
    pixels = _scaled(picture, width, height)
    if height % 2:
        pixels.append([(255, 255, 255)] * width)
    text = Text(no_wrap=True, overflow="crop")
    for top_index in range(0, len(pixels), 2):
        if top_index:
            text.append("\n")
        for top, bottom in zip(pixels[top_index], pixels[top_index + 1], strict=True):
            style = Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))
            text.append("▀", style)
    return text


def png_drawing(data: bytes, color_system: str | None) -> tuple[Text | None, str]:
    """The PNG ``data`` drawn for a terminal with ``color_system``, and why not in words when
    it is not drawn (empty when there is nothing to draw or the terminal lacks the colours:
    the link is then enough)."""
    if not data or not can_draw(color_system):
        return None, ""
    try:
        return half_block_text(decode_png(data)), ""
    except PictureError as exc:
        return None, f"picture not shown: {exc}"
