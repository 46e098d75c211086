"""Provides the one way tuichat writes raw escape sequences: through Textual's driver.

Nothing may write to the terminal behind Textual's back. Textual itself writes OSC 52 in
``App.copy_to_clipboard`` and BEL in ``App.bell`` with ``self._driver.write``; this helper
mirrors that pattern (the driver's ``write`` is thread-safe and ordered with Textual's own
output). Sequences must come from :mod:`tuichat.ui.attention`, which sanitises payloads.
When headless (tests), the sequences are kept in ``written`` so tests can inspect them.
"""

from __future__ import annotations

from typing import Any

from textual.app import App


class TerminalWriter:
    """Writes escape sequences for one app."""

    def __init__(self, app: App[Any], keep: int = 100) -> None:
        self.app = app
        self.keep = keep
        self.written: list[str] = []
        """Sequences written (headless runs and tests), newest last, at most ``keep``."""

    def write(self, sequence: str) -> None:
        """Write ``sequence`` to the terminal (or only record it when headless)."""
        self.written.append(sequence)
        del self.written[: -self.keep]
        driver = self.app._driver
        if self.app.is_headless or driver is None:
            return
        driver.write(sequence)
