"""Pictures from the network drawn in the UI: the one decision of how (kitty, sixel, half
blocks, nothing), Pillow's decoding of PNG, JPEG, GIF and WebP into the half-block painter,
and hostile files (bombs, cut short, wrong type, too big) refused in words."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from tests.pngs import SIGNATURE, captcha_png, chunk
from tuichat.pictures import PictureError
from tuichat.ui.pictures import (
    MAX_FILE_BYTES,
    Method,
    choose_method,
    decode,
    decode_image,
    half_block_text,
)

RED, BLUE = (220, 0, 0), (0, 0, 220)


def _encoded(kind: str, size: tuple[int, int] = (16, 8), **options: object) -> bytes:
    """A picture of ``kind`` (Pillow's format name): red above, blue below."""
    picture = Image.new("RGB", size, RED)
    picture.paste(BLUE, (0, size[1] // 2, size[0], size[1]))
    out = io.BytesIO()
    picture.save(out, kind, **options)
    return out.getvalue()


# -- the decision ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "colours", "method"),
    [
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, "truecolor", Method.KITTY),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, "truecolor", Method.KITTY),
        ({"TERM": "xterm-ghostty"}, "truecolor", Method.KITTY),
        ({"TERM": "foot"}, "truecolor", Method.SIXEL),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "truecolor", Method.SIXEL),
        ({"TERM": "xterm-256color", "KONSOLE_VERSION": "230804"}, "256", Method.SIXEL),
        ({"TERM": "xterm-256color"}, "256", Method.HALF_BLOCKS),
        ({"TERM": "tmux-256color", "TMUX": "/tmp/t,1,0", "KITTY_WINDOW_ID": "1"}, "256",
         Method.HALF_BLOCKS),  # tmux does not pass kitty's graphics through
        ({"TERM": "xterm-kitty"}, "standard", Method.NONE),  # 16 colours: mush
        ({"TERM": "xterm-kitty"}, None, Method.NONE),
        ({"TERM": "xterm-kitty", "NO_COLOR": "1"}, "truecolor", Method.NONE),
        ({"TERM": "xterm-256color", "TUICHAT_PICTURES": "kitty"}, "truecolor", Method.KITTY),
        ({"TERM": "xterm-kitty", "TUICHAT_PICTURES": "blocks"}, "truecolor", Method.HALF_BLOCKS),
        ({"TERM": "xterm-kitty", "TUICHAT_PICTURES": "none"}, "truecolor", Method.NONE),
        ({"TERM": "xterm", "TUICHAT_PICTURES": "sixel"}, "standard", Method.NONE),
        ({"TERM": "xterm-256color", "TUICHAT_PICTURES": "bogus"}, "256", Method.HALF_BLOCKS),
    ],
)  # fmt: skip
def test_the_one_decision_of_how_pictures_are_drawn(
    environ: dict[str, str], colours: str | None, method: Method
) -> None:
    """A kitty-capable terminal gets textual-image's kitty path, sixel terminals sixel,
    multiplexers and the rest half blocks, terminals without 256 colours nothing."""
    assert choose_method(environ, colours) is method


# -- decoding into the painter -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options"),
    [("PNG", {}), ("JPEG", {"quality": 95}), ("GIF", {}), ("WEBP", {"lossless": True})],
)
def test_every_format_is_drawn_in_half_blocks(kind: str, options: dict[str, object]) -> None:
    """Each cell's upper pixel is the foreground, the lower the background: the red half
    above, the blue below, whatever the format."""
    picture = decode(_encoded(kind, **options), columns=16, rows=4)
    assert (picture.width, picture.height) == (16, 8)
    text = half_block_text(picture, columns=16, rows=4)
    assert str(text).split("\n") == ["▀" * 16] * 4
    top = text.spans[0].style
    bottom = text.spans[-1].style
    assert not isinstance(top, str) and not isinstance(bottom, str)
    assert top.color is not None and top.bgcolor is not None
    red, blue = top.color.triplet, bottom.bgcolor.triplet if bottom.bgcolor else None
    assert red is not None and red.red > 180 and red.blue < 40
    assert blue is not None and blue.blue > 180 and blue.red < 40


def test_a_big_picture_is_scaled_down_keeping_its_aspect() -> None:
    picture = decode(_encoded("PNG", (400, 100)), columns=8, rows=4)
    assert (picture.width, picture.height) == (8, 2)
    tall = decode(_encoded("PNG", (100, 400)), columns=8, rows=4)
    assert (tall.width, tall.height) == (2, 8)


def test_transparency_is_drawn_over_white() -> None:
    clear = Image.new("RGBA", (2, 2), (0, 0, 0, 0))
    out = io.BytesIO()
    clear.save(out, "PNG")
    picture = decode(out.getvalue(), columns=2, rows=1)
    assert set(picture.rows[0]) == {(255, 255, 255)}


def test_the_graphics_path_gets_an_rgb_picture_within_its_pixels() -> None:
    image = decode_image(_encoded("JPEG", (3000, 1500)), (800, 800))
    assert image.mode == "RGB" and max(image.size) <= 800 and image.size[0] == 2 * image.size[1]


def _ihdr(width: int, height: int, idat: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _bomb() -> bytes:
    """A PNG that says 20,000 x 20,000 pixels (1.2 GB unpacked), with its first rows of zeros:
    refused from the header, before anything is unpacked."""
    row = bytes(1 + 20_000 * 3)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(50)) + packer.flush()
    return _ihdr(20_000, 20_000, body)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        pytest.param(b"", "no picture", id="empty"),
        pytest.param(_bomb(), "too big", id="bomb"),
        pytest.param(_ihdr(1_000_000, 1_000_000, zlib.compress(b"")), "too big", id="huge-header"),
        pytest.param(b"\x89PNG" + bytes(MAX_FILE_BYTES), "too big", id="too-many-bytes"),
        pytest.param(captcha_png()[:200], "damaged or cut short", id="png-cut"),
        pytest.param(_encoded("JPEG")[:300], "damaged or cut short", id="jpeg-cut"),
        pytest.param(_ihdr(4, 4, b"definitely not zlib"), "damaged or cut short", id="bad-zlib"),
        pytest.param(b"GIF89a" + bytes(64), "damaged or cut short|not a picture", id="gif-junk"),
        pytest.param(
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            "not a picture that can be shown",
            id="svg",
        ),
        pytest.param(
            _encoded("BMP"), "not a picture that can be shown", id="bmp"
        ),  # a format we do not read
        pytest.param(_encoded("TIFF"), "not a picture that can be shown", id="tiff"),
        pytest.param(b"hello, I am text", "not a picture that can be shown", id="text"),
    ],
)
def test_hostile_pictures_are_refused_in_words(data: bytes, words: str) -> None:
    with pytest.raises(PictureError, match=words):
        decode(data, columns=8, rows=4)
