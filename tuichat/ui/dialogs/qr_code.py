"""Provides the QR code screen: this device's OMEMO fingerprint for another client to scan.

The code (see :mod:`tuichat.ui.qr`) stands on the left, dark on light whatever the theme; the
JID, the device id and the fingerprint in words stand on the right, to compare by eye. At
80x24 a usual URI (version 6: 45x23 cells with its quiet zone) and the text fit side by side.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tuichat.model import Device
from tuichat.ui.qr import DARK_STYLE, qr_rows
from tuichat.ui.render import safe_text
from tuichat.ui.trust import fingerprint_text


def qr_text(rows: list[str]) -> Text:
    """The code's rows as one Text, dark on light."""
    return Text("\n".join(rows), style=Style.parse(DARK_STYLE), no_wrap=True)


class QRCodeScreen(ModalScreen[None]):
    """``/omemo fingerprint``, or ``c`` on the own device screen: the code and its words."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
    ]

    DEFAULT_CSS = """
    QRCodeScreen { align: center middle; background: $surface; }
    QRCodeScreen > Horizontal {
        width: auto;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        background: $surface;
    }
    QRCodeScreen #qr-code { width: auto; height: auto; }
    QRCodeScreen #qr-words { width: 34; height: auto; padding: 0 1; }
    QRCodeScreen #qr-words Static { margin-bottom: 1; }
    QRCodeScreen #qr-hint { color: $foreground-darken-2; }
    """

    def __init__(self, jid: str, device: Device) -> None:
        super().__init__()
        self.jid = jid
        self.device = device
        self.rows = qr_rows(jid, device.device_id, device.fingerprint)
        """The code as drawn (segno is imported here, when the screen is made)."""

    def compose(self) -> ComposeResult:
        """The code, then what it says."""
        with Horizontal():
            yield Static(qr_text(self.rows), id="qr-code")
            with Vertical(id="qr-words"):
                yield Static(Text("Scan to verify this device", style=Style(bold=True)))
                yield Static(safe_text(self.jid))
                yield Static(Text(f"device {self.device.device_id}"))
                yield Static(fingerprint_text(self.device.fingerprint, per_line=2))
                yield Static(Text("Conversations scans it; or compare the digits."))
                yield Static(Text("q or Esc closes"), id="qr-hint")

    def action_close(self) -> None:
        """Back to where it was opened."""
        self.dismiss(None)
