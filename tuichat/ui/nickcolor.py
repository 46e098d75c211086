"""Provides XEP-0392 consistent colours for nicknames and JIDs (hue from SHA-1, then HSLuv).

The algorithm (XEP-0392 §5, no colour-vision-deficiency correction): SHA-1 of the UTF-8
identifier; its first two bytes as a little-endian 16-bit number, divided by 65536 and times 360,
give the hue; HSLuv(hue, saturation 100, lightness 50) gives the RGB colour. The HSLuv
conversion (hsluv.org reference implementation, revision 4) is implemented here; it is small.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

from rich.style import Style

# sRGB D65 XYZ -> linear RGB, and CIE constants, as in the HSLuv reference implementation.
_M = (
    (3.240969941904521, -1.537383177570093, -0.498610760293),
    (-0.96924363628087, 1.87596750150772, 0.041555057407175),
    (0.055630079696993, -0.20397695888897, 1.056971514242878),
)
_REF_U = 0.19783000664283
_REF_V = 0.46831999493879
_KAPPA = 903.2962962
_EPSILON = 0.0088564516

RGB = tuple[float, float, float]


def hue_angle(identifier: str) -> float:
    """Return the XEP-0392 hue angle (degrees, 0 ≤ angle < 360) of `identifier`."""
    digest = hashlib.sha1(identifier.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    value = int.from_bytes(digest.digest()[:2], "little")
    return value / 65536 * 360


def _bounds(lightness: float) -> list[tuple[float, float]]:
    sub1 = (lightness + 16) ** 3 / 1560896
    sub2 = sub1 if sub1 > _EPSILON else lightness / _KAPPA
    lines = []
    for m1, m2, m3 in _M:
        for t in (0, 1):
            top1 = (284517 * m1 - 94839 * m3) * sub2
            top2 = (838422 * m3 + 769860 * m2 + 731718 * m1) * lightness * sub2
            top2 -= 769860 * t * lightness
            bottom = (632260 * m3 - 126452 * m2) * sub2 + 126452 * t
            lines.append((top1 / bottom, top2 / bottom))
    return lines


def _max_chroma(lightness: float, hue: float) -> float:
    rad = math.radians(hue)
    lengths = []
    for slope, intercept in _bounds(lightness):
        length = intercept / (math.sin(rad) - slope * math.cos(rad))
        if length >= 0:
            lengths.append(length)
    return min(lengths)


def _from_linear(c: float) -> float:
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def hsluv_to_rgb(hue: float, saturation: float, lightness: float) -> RGB:
    """Convert HSLuv (0–360, 0–100, 0–100) to sRGB components in 0–1."""
    if lightness > 99.9999999:
        return (1.0, 1.0, 1.0)
    if lightness < 1e-8:
        return (0.0, 0.0, 0.0)
    chroma = _max_chroma(lightness, hue) / 100 * saturation
    rad = math.radians(hue)
    u, v = math.cos(rad) * chroma, math.sin(rad) * chroma
    var_u = u / (13 * lightness) + _REF_U
    var_v = v / (13 * lightness) + _REF_V
    y = lightness / _KAPPA if lightness <= 8 else ((lightness + 16) / 116) ** 3
    x = -(9 * y * var_u) / ((var_u - 4) * var_v - var_u * var_v)
    z = (9 * y - 15 * var_v * y - var_v * x) / (3 * var_v)
    r, g, b = (_from_linear(row[0] * x + row[1] * y + row[2] * z) for row in _M)
    return (_clamp(r), _clamp(g), _clamp(b))


def _clamp(c: float) -> float:
    return min(1.0, max(0.0, c))


def nick_rgb(identifier: str) -> RGB:
    """Return the XEP-0392 colour of `identifier` as sRGB components in 0–1."""
    return hsluv_to_rgb(hue_angle(identifier), 100, 50)


def adapt_to_background(color: RGB, background: RGB) -> RGB:
    """XEP-0392 §5.3: mix 20 % of the inverted background into `color` for contrast."""
    r, g, b = (0.2 * (1 - bg) + 0.8 * c for c, bg in zip(color, background, strict=True))
    return (r, g, b)


def to_hex(color: RGB) -> str:
    """Format sRGB components in 0–1 as `#rrggbb`."""
    return "#" + "".join(f"{round(_clamp(c) * 255):02x}" for c in color)


@lru_cache(maxsize=4096)
def nick_color(nick: str) -> str:
    """Return the XEP-0392 colour of `nick` (a nickname or bare JID) as `#rrggbb`."""
    return to_hex(nick_rgb(nick))


def nick_style(nick: str, *, background_is_dark: bool = True, bold: bool = True) -> Style:
    """Return a Rich style colouring `nick`, adapted to a black or white background."""
    background: RGB = (0.0, 0.0, 0.0) if background_is_dark else (1.0, 1.0, 1.0)
    color = to_hex(adapt_to_background(nick_rgb(nick), background))
    return Style(color=color, bold=bold)
