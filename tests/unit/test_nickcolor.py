"""XEP-0392 consistent colour tests, against the XEP's own test vectors."""

from __future__ import annotations

import re

import pytest

from tuichat.ui.nickcolor import (
    adapt_to_background,
    hsluv_to_rgb,
    hue_angle,
    nick_color,
    nick_rgb,
    nick_style,
)

# XEP-0392 "Test Vectors, no CVD correction": text, angle, r, g, b.
VECTORS = [
    ("Romeo", 327.255249, 0.865, 0.000, 0.686),
    ("juliet@capulet.lit", 209.410400, 0.000, 0.515, 0.573),
    ("😺", 331.199341, 0.872, 0.000, 0.659),
    ("council", 359.994507, 0.918, 0.000, 0.394),
    ("Board", 171.430664, 0.000, 0.527, 0.457),
]


@pytest.mark.parametrize(("text", "angle", "r", "g", "b"), VECTORS)
def test_xep_0392_vectors(text: str, angle: float, r: float, g: float, b: float) -> None:
    """Hue and RGB must match the XEP so colours agree with other clients."""
    assert hue_angle(text) == pytest.approx(angle, abs=1e-6)
    assert nick_rgb(text) == pytest.approx((r, g, b), abs=6e-4)


def test_nick_color_is_hex_and_stable() -> None:
    """nick_color returns #rrggbb, the same for the same input every time."""
    assert nick_color("Romeo") == "#dd00af"
    assert nick_color("Romeo") == nick_color("Romeo")
    assert re.fullmatch(r"#[0-9a-f]{6}", nick_color("juliet@capulet.lit"))


def test_nick_color_survives_lone_surrogates() -> None:
    """A nick decoded badly (lone surrogate) still gets a colour instead of crashing."""
    assert re.fullmatch(r"#[0-9a-f]{6}", nick_color("\ud800x"))


def test_hsluv_extremes() -> None:
    """HSLuv lightness 0 and 100 are black and white."""
    assert hsluv_to_rgb(10, 100, 0) == (0.0, 0.0, 0.0)
    assert hsluv_to_rgb(10, 100, 100) == (1.0, 1.0, 1.0)
    assert hsluv_to_rgb(0, 0, 50) == pytest.approx((0.4663, 0.4663, 0.4663), abs=1e-3)


def test_background_adaptation_follows_the_xep() -> None:
    """Mixing 20 % of the inverted background lightens on dark and darkens on light."""
    assert adapt_to_background((0.5, 0.0, 1.0), (0.0, 0.0, 0.0)) == pytest.approx((0.6, 0.2, 1.0))
    assert adapt_to_background((0.5, 0.0, 1.0), (1.0, 1.0, 1.0)) == pytest.approx((0.4, 0.0, 0.8))
    dark, light = nick_style("Romeo"), nick_style("Romeo", background_is_dark=False)
    assert dark.color is not None and light.color is not None
    assert dark.color != light.color
    assert dark.bold
