"""Provides PNG files made in the tests with ``zlib`` and ``struct`` (no Pillow): every colour
type and row filter, for the decoder's tests and for CAPTCHA samples."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk with its length and CRC."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filtered(line: bytes, previous: bytes, kind: int, bpp: int) -> bytes:
    """``line`` with row filter ``kind`` applied (the encoder's side of PNG §9)."""
    out = bytearray()
    for i, value in enumerate(line):
        left = line[i - bpp] if i >= bpp else 0
        up = previous[i]
        up_left = previous[i - bpp] if i >= bpp else 0
        predictor = (0, left, up, (left + up) >> 1, _paeth(left, up, up_left))[kind]
        out.append((value - predictor) & 0xFF)
    return bytes(out)


def png(
    width: int,
    height: int,
    lines: Sequence[bytes],
    *,
    colour: int = 2,
    depth: int = 8,
    filters: Sequence[int] = (0,),
    palette: bytes = b"",
) -> bytes:
    """A PNG of the packed scanlines ``lines`` (row ``y`` uses ``filters[y % len]``)."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    bpp = max(1, channels * depth // 8)
    raw, previous = bytearray(), bytes(len(lines[0]))
    for y, line in enumerate(lines):
        kind = filters[y % len(filters)]
        raw += bytes([kind]) + filtered(line, previous, kind, bpp)
        previous = line
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    body = chunk(b"IHDR", header)
    if palette:
        body += chunk(b"PLTE", palette)
    return SIGNATURE + body + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


def rgb_png(
    pixels: Sequence[Sequence[tuple[int, int, int]]], filters: Sequence[int] = (0,)
) -> bytes:
    """An RGB PNG of ``pixels[y][x]``."""
    lines = [bytes(v for px in row for v in px) for row in pixels]
    return png(len(pixels[0]), len(pixels), lines, filters=filters)


def captcha_png(width: int = 80, height: int = 24) -> bytes:
    """A CAPTCHA-like picture: dark bars on light ground with a red stripe, every filter used."""
    rows = []
    for y in range(height):
        row = []
        for x in range(width):
            if y in (height // 2, height // 2 + 1):
                row.append((200, 0, 0))
            elif (x // 4) % 3 == 0 and 3 <= y < height - 3:
                row.append((20, 20, 60))
            else:
                row.append((240, 240, 220))
        rows.append(row)
    return rgb_png(rows, filters=(0, 1, 2, 3, 4))
