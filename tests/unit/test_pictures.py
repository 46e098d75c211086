"""Unit tests of the PNG decoder (every colour type, depth and filter; hostile files) and of
the half-block drawing (scaling, colours, the fallback rule)."""

from __future__ import annotations

import struct
import zlib

import pytest
from rich.style import Style

from tests.pngs import SIGNATURE, captcha_png, chunk, png, rgb_png
from tuichat.pictures import MAX_BYTES, PictureError, decode_png
from tuichat.ui.pictures import MAX_COLUMNS, can_draw, fit, half_block_text

PIXELS = [
    [((x * 37 + y * 11) % 256, (x * 5) % 256, (y * 90) % 256) for x in range(7)] for y in range(5)
]


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
def test_every_filter_gives_the_pixels_back(kind: int) -> None:
    picture = decode_png(rgb_png(PIXELS, filters=(kind,)))
    assert (picture.width, picture.height) == (7, 5)
    assert [list(row) for row in picture.rows] == PIXELS


def test_filters_mixed_row_by_row() -> None:
    picture = decode_png(rgb_png(PIXELS, filters=(4, 3, 2, 1, 0)))
    assert [list(row) for row in picture.rows] == PIXELS


def test_greyscale_8_and_low_depths() -> None:
    grey = decode_png(png(3, 1, [bytes([0, 128, 255])], colour=0, filters=(1,)))
    assert grey.rows == (((0, 0, 0), (128, 128, 128), (255, 255, 255)),)
    # 1 bit: 10100000 → black/white pixels; 2 bits: 00 01 10 11.
    one = decode_png(png(3, 1, [bytes([0b10100000])], colour=0, depth=1))
    assert one.rows == (((255,) * 3, (0,) * 3, (255,) * 3),)
    two = decode_png(png(4, 1, [bytes([0b00011011])], colour=0, depth=2))
    assert [p[0] for p in two.rows[0]] == [0, 85, 170, 255]
    four = decode_png(png(2, 1, [bytes([0x0F])], colour=0, depth=4))
    assert [p[0] for p in four.rows[0]] == [0, 255]


def test_palette_8_and_4_bits() -> None:
    palette = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255])
    eight = decode_png(png(3, 1, [bytes([2, 1, 0])], colour=3, palette=palette, filters=(2,)))
    assert eight.rows == (((0, 0, 255), (0, 255, 0), (255, 0, 0)),)
    four = decode_png(png(3, 1, [bytes([0x12, 0x00])], colour=3, depth=4, palette=palette))
    assert four.rows == (((0, 255, 0), (0, 0, 255), (255, 0, 0)),)


def test_alpha_is_blended_on_white() -> None:
    grey_alpha = decode_png(png(2, 1, [bytes([0, 255, 0, 0])], colour=4, filters=(4,)))
    assert grey_alpha.rows == (((0, 0, 0), (255, 255, 255)),)
    rgba = decode_png(png(1, 1, [bytes([255, 0, 0, 128])], colour=6, filters=(3,)))
    assert rgba.rows == (((255, 127, 127),),)


def _ihdr_png(width: int, height: int, body: bytes = b"") -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"GIF89a" + bytes(40), "not a PNG"),
        (_ihdr_png(5000, 10), "at most 400x200"),
        (_ihdr_png(10, 100_000), "at most 400x200"),
        (rgb_png(PIXELS)[:60], "cut short"),
        (_ihdr_png(2, 2, b"not zlib at all"), "cannot be unpacked"),
        (_ihdr_png(2, 2, zlib.compress(bytes(5))), "wrong size"),
        (_ihdr_png(20, 20, zlib.compress(bytes(100_000))), "wrong size"),  # a zip bomb, cut
        (b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES), "too big"),
        (png(1, 1, [bytes([5])], colour=3, palette=bytes(3)), "palette lacks"),
        (rgb_png(PIXELS).replace(b"IEND", b"IENX"), "checksum"),
        (png(1, 1, [bytes(3)], filters=(0,)).replace(b"IHDR", b"IHDR", 1)[:-12], "no end"),
    ],
)
def test_hostile_files_are_refused_in_words(data: bytes, words: str) -> None:
    with pytest.raises(PictureError, match=words):
        decode_png(data)


def test_unknown_filter_is_refused() -> None:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    data = SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x09\x00"))
    with pytest.raises(PictureError, match="unknown row filter"):
        decode_png(data + chunk(b"IEND", b""))


def test_fit_keeps_the_aspect_and_never_enlarges() -> None:
    assert fit(40, 10) == (40, 10)
    assert fit(120, 40) == (60, 20)
    assert fit(400, 200, 60, 12) == (48, 24)
    assert fit(1, 200) == (1, 24)


def test_half_blocks_carry_upper_and_lower_pixels() -> None:
    picture = decode_png(rgb_png([[(255, 0, 0), (0, 0, 255)], [(0, 255, 0), (9, 9, 9)]]))
    text = half_block_text(picture)
    assert text.plain == "▀▀"
    first = text.spans[0].style
    assert isinstance(first, Style)
    assert first.color is not None and first.bgcolor is not None
    assert first.color.triplet == (255, 0, 0) and first.bgcolor.triplet == (0, 255, 0)


def test_a_captcha_is_scaled_to_the_columns() -> None:
    text = half_block_text(decode_png(captcha_png(200, 100)))
    lines = text.plain.split("\n")
    assert len(lines) == 12 and {len(line) for line in lines} == {48}
    wide = half_block_text(decode_png(captcha_png(400, 20)))
    assert {len(line) for line in wide.plain.split("\n")} == {MAX_COLUMNS}


def test_only_256_colours_or_more_draw() -> None:
    assert can_draw("truecolor") and can_draw("256")
    assert not can_draw("standard") and not can_draw(None)
