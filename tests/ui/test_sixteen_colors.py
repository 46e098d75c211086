"""Pilot tests of the shipped themes as a 16-colour terminal shows them (``TERM=xterm-16color``).

Rich maps each colour to the nearest of the 16 basic ones; the terminal then paints those with
its own palette. The test takes xterm's default palette, the one the tester's tmux showed, and
asks for readable placeholders and a visible pane separator in every shipped theme.
"""

from __future__ import annotations

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from textual.widget import Widget
from textual.widgets import Input

from tests.ui.conftest import UI
from tests.ui.helpers import main_screen, settle
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.occupant_list import OccupantList

XTERM_16 = (
    (0x00, 0x00, 0x00), (0xCD, 0x00, 0x00), (0x00, 0xCD, 0x00), (0xCD, 0xCD, 0x00),
    (0x00, 0x00, 0xEE), (0xCD, 0x00, 0xCD), (0x00, 0xCD, 0xCD), (0xE5, 0xE5, 0xE5),
    (0x7F, 0x7F, 0x7F), (0xFF, 0x00, 0x00), (0x00, 0xFF, 0x00), (0xFF, 0xFF, 0x00),
    (0x5C, 0x5C, 0xFF), (0xFF, 0x00, 0xFF), (0x00, 0xFF, 0xFF), (0xFF, 0xFF, 0xFF),
)  # fmt: skip
"""xterm's default colours 0-15."""

TEXT_CONTRAST = 3.0
"""Placeholders are hints, not body text: WCAG's large-text and UI threshold."""
LINE_CONTRAST = 1.5
"""A one-cell separator line must be seen, nothing more."""


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_16(fg: RichColor | None, bg: RichColor | None) -> float:
    """The contrast of ``fg`` on ``bg`` once both are mapped to the 16 colours, in xterm."""
    assert fg is not None and bg is not None
    lum = [_luminance(XTERM_16[c.downgrade(ColorSystem.STANDARD).number or 0]) for c in (fg, bg)]
    high, low = max(lum), min(lum)
    return (high + 0.05) / (low + 0.05)


def separator_contrast(widget: Widget, side: str) -> float:
    """Contrast of ``widget``'s border line on ``side`` against its own background."""
    _kind, color = getattr(widget.styles, f"border_{side}")
    return contrast_16(color.rich_color, widget.styles.background.rich_color)


@pytest.mark.parametrize("theme", ["dark", "light", "high-contrast"])
async def test_placeholders_and_separators_show_in_16_colours(ui: UI, theme: str) -> None:
    """Composer and filter placeholders are readable, and the lines between the panes show."""
    async with ui.app.run_test(size=(80, 24)) as pilot:
        pilot.app.theme = theme
        await settle(pilot)
        screen = main_screen(pilot)
        composer = screen.query_one(Composer)
        hint = composer.get_component_rich_style("text-area--placeholder")
        assert contrast_16(hint.color, composer.rich_style.bgcolor) >= TEXT_CONTRAST
        roster_filter = screen.query_one("#roster-filter", Input)
        hint = roster_filter.get_component_rich_style("input--placeholder")
        assert contrast_16(hint.color, roster_filter.rich_style.bgcolor) >= TEXT_CONTRAST
        occupants = screen.query_one(OccupantList)
        assert separator_contrast(occupants, "left") >= LINE_CONTRAST
        # The sidebar's line is drawn by the main screen in $pane-separator on $surface.
        variables = pilot.app.theme_variables
        line = RichColor.parse(variables["pane-separator"])
        assert contrast_16(line, RichColor.parse(variables["surface"])) >= LINE_CONTRAST
