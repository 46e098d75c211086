"""Provides a small PNG decoder for pictures that come from the network, such as CAPTCHAs.

Pure and stdlib only (``zlib``, ``struct``): no Pillow. It reads non-interlaced PNGs of every
colour type (greyscale, RGB, palette, greyscale with alpha, RGBA) at bit depth 8, and 1, 2 or 4
for greyscale and palette, with the five row filters. A picture from the network may be
hostile: its size (:data:`MAX_WIDTH` x :data:`MAX_HEIGHT`), the bytes it may inflate to and the
chunks it may hold are bounded, CRCs are checked, and anything wrong is a :class:`PictureError`
that says what, in words. Transparent pixels are blended onto white.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_WIDTH = 400
MAX_HEIGHT = 200
MAX_BYTES = 256 * 1024
"""The most a picture's file may weigh."""
MAX_CHUNKS = 1_000

RGB = tuple[int, int, int]

_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
"""Colour type → samples per pixel."""
_DEPTHS = {0: (1, 2, 4, 8), 2: (8,), 3: (1, 2, 4, 8), 4: (8,), 6: (8,)}


class PictureError(ValueError):
    """A picture that cannot be shown, with the reason in words."""


@dataclass(frozen=True)
class Picture:
    """Decoded pixels: ``rows[y][x]`` is an ``(r, g, b)`` triple."""

    width: int
    height: int
    rows: tuple[tuple[RGB, ...], ...]


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if len(data) > MAX_BYTES:
        raise PictureError(f"the picture is too big ({len(data)} bytes, at most {MAX_BYTES})")
    if not data.startswith(SIGNATURE):
        raise PictureError("this is not a PNG picture")
    chunks: list[tuple[bytes, bytes]] = []
    at = len(SIGNATURE)
    while at < len(data):
        if at + 12 > len(data) or len(chunks) >= MAX_CHUNKS:
            raise PictureError("the picture is cut short or malformed")
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        if len(body) != length or at + 12 + length > len(data):
            raise PictureError("the picture is cut short")
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise PictureError("the picture is damaged (a checksum is wrong)")
        chunks.append((kind, body))
        at += 12 + length
        if kind == b"IEND":
            return chunks
    raise PictureError("the picture is cut short (no end)")


def _inflate(compressed: bytes, expected: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, expected + 1)
    except zlib.error as exc:
        raise PictureError("the picture's data cannot be unpacked") from exc
    if len(raw) != expected:
        raise PictureError("the picture's data has the wrong size")
    return raw


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> list[bytes]:
    """The scanlines of ``raw`` with their filters undone (PNG §9)."""
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(bpp):
                line[i] = (line[i] + previous[i]) & 0xFF  # left and up-left are 0: Paeth is up
            for i in range(bpp, stride):
                line[i] = (line[i] + _paeth(line[i - bpp], previous[i], previous[i - bpp])) & 0xFF
        elif kind != 0:
            raise PictureError(f"the picture uses an unknown row filter ({kind})")
        rows.append(bytes(line))
        previous = line
    return rows


def _samples(line: bytes, width: int, channels: int, depth: int) -> list[int]:
    if depth == 8:
        return list(line[: width * channels])
    per_byte, mask = 8 // depth, (1 << depth) - 1
    out = [(byte >> (8 - depth * (k + 1))) & mask for byte in line for k in range(per_byte)]
    return out[:width]


def _blend(value: int, alpha: int) -> int:
    """``value`` over white at ``alpha`` (0-255)."""
    return (value * alpha + 255 * (255 - alpha)) // 255


def _pixels(samples: list[int], colour: int, depth: int, palette: list[RGB]) -> tuple[RGB, ...]:
    if colour == 0:
        scale = 255 // ((1 << depth) - 1)
        return tuple((v * scale,) * 3 for v in samples)
    if colour == 3:
        if any(v >= len(palette) for v in samples):
            raise PictureError("the picture refers to a colour its palette lacks")
        return tuple(palette[v] for v in samples)
    if colour == 2:
        return tuple(
            (samples[i], samples[i + 1], samples[i + 2]) for i in range(0, len(samples), 3)
        )
    if colour == 4:
        return tuple((_blend(samples[i], samples[i + 1]),) * 3 for i in range(0, len(samples), 2))
    return tuple(
        (
            _blend(samples[i], samples[i + 3]),
            _blend(samples[i + 1], samples[i + 3]),
            _blend(samples[i + 2], samples[i + 3]),
        )
        for i in range(0, len(samples), 4)
    )


def decode_png(data: bytes) -> Picture:
    """The pixels of the PNG ``data``; :class:`PictureError` (in words) when it is not one this
    decoder reads or breaks a limit."""
    chunks = _chunks(data)
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise PictureError("the picture has no header")
    width, height, depth, colour, method, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    if not (0 < width <= MAX_WIDTH and 0 < height <= MAX_HEIGHT):
        raise PictureError(f"the picture is {width}x{height}, at most {MAX_WIDTH}x{MAX_HEIGHT}")
    if colour not in _CHANNELS or depth not in _DEPTHS[colour]:
        raise PictureError(f"this kind of PNG is not read (colour type {colour}, depth {depth})")
    if method != 0 or filtering != 0 or interlace != 0:
        raise PictureError("interlaced or unusual PNGs are not read")
    palette: list[RGB] = []
    for kind, body in chunks:
        if kind == b"PLTE":
            palette = [(body[i], body[i + 1], body[i + 2]) for i in range(0, len(body) - 2, 3)]
    if colour == 3 and not palette:
        raise PictureError("the picture has no palette")
    channels = _CHANNELS[colour]
    stride = (width * channels * depth + 7) // 8
    compressed = b"".join(body for kind, body in chunks if kind == b"IDAT")
    raw = _inflate(compressed, height * (stride + 1))
    bpp = max(1, channels * depth // 8)
    lines = _unfilter(raw, height, stride, bpp)
    rows = tuple(
        _pixels(_samples(line, width, channels, depth), colour, depth, palette) for line in lines
    )
    return Picture(width, height, rows)
