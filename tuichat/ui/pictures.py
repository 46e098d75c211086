"""Provides the one decision of how a picture is drawn here, the decoder of pictures from the
network, and the half-block painter.

Pure (no Textual). :func:`choose_method` decides, from the environment and the terminal's
colours, between a graphics protocol (kitty's or sixel, drawn by ``textual-image``), half
blocks, or nothing (the caller says in words what it would have shown). :func:`decode` reads
PNG, JPEG, GIF and WebP with Pillow (imported on first use, never for the first frame) within
limits against hostile files (:data:`MAX_FILE_BYTES`, :data:`MAX_PIXELS`, decompression bombs),
and every failure is a :class:`~tuichat.pictures.PictureError` in words. It is slow work: call
it off the UI thread (:class:`tuichat.ui.picture_view.PictureView` does).

Half blocks: each cell is ``▀`` with the upper pixel as its foreground colour and the lower one
as its background. A picture is scaled down (never up) to fit the columns and text rows given,
keeping its aspect ratio (a cell holds two pixels, one above the other, so it is about square).
Only a terminal with 256 colours or more draws it: with 16 colours or none the picture would be
mush (:func:`can_draw`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from rich.color import Color
from rich.style import Style
from rich.text import Text

from tuichat.pictures import RGB, Picture, PictureError

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

MAX_COLUMNS = 60
MAX_ROWS = 12
"""Text rows at most (24 pixel rows): a CAPTCHA above its field leaves room for the form."""

DRAWING_SYSTEMS = frozenset({"256", "truecolor", "windows"})
"""Rich colour systems that draw a picture (``standard`` is 16 colours; ``None`` is none)."""


def can_draw(color_system: str | None) -> bool:
    """Whether a terminal with ``color_system`` (Rich's name) shows pictures as half blocks."""
    return color_system in DRAWING_SYSTEMS


class Method(StrEnum):
    """How a picture is drawn (the values are what ``TUICHAT_PICTURES`` may say)."""

    KITTY = "kitty"
    """kitty's graphics protocol (through ``textual-image``)."""
    SIXEL = "sixel"
    """Sixel graphics (through ``textual-image``)."""
    HALF_BLOCKS = "blocks"
    """Coloured ``▀`` cells (:func:`half_block_text`)."""
    NONE = "none"
    """Not drawn: the caller says in words what it is."""


GRAPHICS = frozenset({Method.KITTY, Method.SIXEL})
"""The methods ``textual-image`` draws."""
_KITTY_TERMS = frozenset({"xterm-kitty", "xterm-ghostty"})
_SIXEL_TERMS = frozenset({"foot", "foot-extra", "mlterm", "contour", "yaft-256color"})
_SIXEL_PROGRAMS = frozenset({"WezTerm", "contour"})


def choose_method(environ: Mapping[str, str], color_system: str | None) -> Method:
    """How pictures are drawn in the terminal that ``environ`` and ``color_system`` describe.

    Told by the environment only, never by asking the terminal (Textual reads its answers):
    ``TUICHAT_PICTURES`` (``kitty``, ``sixel``, ``blocks``, ``none``) wins; ``NO_COLOR`` or a
    terminal without 256 colours draws nothing; inside tmux or screen (which do not pass the
    graphics through) half blocks; kitty and Ghostty use kitty's protocol; foot, mlterm,
    contour, WezTerm and Konsole use sixel; any other terminal half blocks.
    """
    wanted = environ.get("TUICHAT_PICTURES", "").strip().lower()
    if "NO_COLOR" in environ or not can_draw(color_system) or wanted == Method.NONE:
        return Method.NONE
    if wanted in {m.value for m in Method}:
        return Method(wanted)
    term, program = environ.get("TERM", ""), environ.get("TERM_PROGRAM", "")
    if "TMUX" in environ or "STY" in environ or term.startswith(("screen", "tmux")):
        return Method.HALF_BLOCKS
    if term in _KITTY_TERMS or "KITTY_WINDOW_ID" in environ or program == "ghostty":
        return Method.KITTY
    if term in _SIXEL_TERMS or program in _SIXEL_PROGRAMS or "KONSOLE_VERSION" in environ:
        return Method.SIXEL
    return Method.HALF_BLOCKS


MAX_FILE_BYTES = 16 * 1024 * 1024
"""The most a picture's file may weigh to be drawn."""
MAX_PIXELS = 40_000_000
"""The most pixels a picture may have (a decompression bomb announces many more)."""
FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
"""The formats read (Pillow's names); anything else is refused before it is parsed."""


def decode_image(data: bytes, max_size: tuple[int, int]) -> PILImage:
    """``data`` as an RGB picture scaled down to fit ``max_size`` pixels (aspect kept; the
    first frame of an animation; transparency over white). :class:`PictureError` in words when
    it is too big, of another kind, damaged or cut short. Slow: not on the UI thread."""
    if not data:
        raise PictureError("there is no picture")
    if len(data) > MAX_FILE_BYTES:
        raise PictureError(f"the picture is too big ({len(data)} bytes)")
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check, for every frame it reads
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as opened:
            width, height = opened.size  # from the header: nothing decoded yet
            if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
                raise PictureError(f"the picture is too big ({width}×{height} pixels)")
            opened.draft("RGB", max_size)  # JPEG: decode at a reduced scale
            picture = opened.convert("RGBA")
    except PictureError:
        raise
    except UnidentifiedImageError:
        raise PictureError(
            "this is not a picture that can be shown (PNG, JPEG, GIF, WebP)"
        ) from None
    except Image.DecompressionBombError:
        raise PictureError("the picture is too big (it unpacks to too many pixels)") from None
    except Exception as exc:  # Pillow says "truncated", "broken data stream", SyntaxError…
        raise PictureError(f"the picture is damaged or cut short ({type(exc).__name__})") from None
    picture.thumbnail(max_size, Image.Resampling.BOX)
    white = Image.new("RGBA", picture.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, picture).convert("RGB")


def decode(data: bytes, columns: int, rows: int) -> Picture:
    """``data`` decoded (:func:`decode_image`) to at most ``columns`` x ``rows`` half-block
    cells' pixels, as the painter's :class:`~tuichat.pictures.Picture`."""
    image = decode_image(data, (columns, rows * 2))
    width, height = image.size
    raw = image.tobytes()
    pixels = [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]
    lines = tuple(tuple(pixels[y * width : (y + 1) * width]) for y in range(height))
    return Picture(width, height, lines)


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
