"""The own fingerprint as a half-block QR code: the URI, the shape, and an exact drawing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tuichat.ui.qr import QUIET, from_half_blocks, half_blocks, omemo_uri, qr_matrix, qr_rows

FINGERPRINT = "05a1b2c3" * 8
JID = "alice.longernam@example.org"
DEVICE = 1234567890


def test_uri_is_the_form_other_clients_scan() -> None:
    """``xmpp:JID?omemo-sid-ID=HEX``: lowercase hex without spaces, the JID as it is."""
    spaced = " ".join(FINGERPRINT.upper()[i : i + 8] for i in range(0, 64, 8))
    uri = omemo_uri(JID, DEVICE, spaced)
    assert uri == f"xmpp:{JID}?omemo-sid-{DEVICE}={FINGERPRINT}"
    assert len(uri) == 118


def test_uri_escapes_what_would_break_it() -> None:
    """A JID with a character that means something in a URI is percent-encoded."""
    assert omemo_uri("a?b@example.org", 1, "0" * 64).startswith("xmpp:a%3Fb@example.org?")


def test_118_characters_fit_in_80x24() -> None:
    """Version 6-L (41 modules) with the quiet zone: 45 columns, 23 rows."""
    rows = qr_rows(JID, DEVICE, FINGERPRINT)
    assert len(rows) == 23
    assert {len(row) for row in rows} == {45}
    assert len(rows) <= 24 and len(rows[0]) <= 80


def test_only_half_blocks_are_drawn() -> None:
    rows = qr_rows(JID, DEVICE, FINGERPRINT)
    assert set("".join(rows)) <= {" ", "▀", "▄", "█"}


def test_quiet_zone_is_light_all_around() -> None:
    """Two light modules on every side: the first row, the columns at both edges."""
    matrix = qr_matrix(omemo_uri(JID, DEVICE, FINGERPRINT))
    size = len(matrix)
    assert size == 41 + 2 * QUIET
    for ring in range(QUIET):
        assert not any(matrix[ring]) and not any(matrix[size - 1 - ring])
        assert not any(row[ring] or row[size - 1 - ring] for row in matrix)
    assert matrix[QUIET][QUIET]  # the finder pattern's corner starts right inside


def test_half_blocks_reproduce_segno_matrix_exactly() -> None:
    """Decoding the drawing gives back segno's modules, one for one (plus a light pad row)."""
    import segno

    uri = omemo_uri(JID, DEVICE, FINGERPRINT)
    code = segno.make(uri, error="L", boost_error=False, micro=False)
    expected = [[bool(m) for m in row] for row in code.matrix_iter(scale=1, border=QUIET)]
    drawn = from_half_blocks(half_blocks(expected))
    assert drawn[: len(expected)] == expected
    assert drawn[len(expected) :] == [[False] * len(expected[0])]  # 45 rows: one pad row


@pytest.mark.parametrize(
    ("top", "bottom", "char"),
    [(False, False, " "), (True, False, "▀"), (False, True, "▄"), (True, True, "█")],
)
def test_each_pair_of_modules_has_its_character(top: bool, bottom: bool, char: str) -> None:
    assert half_blocks([[top], [bottom]]) == [char]


def test_segno_is_not_loaded_with_the_ui() -> None:
    """The app, its commands and dialogs import without segno: it loads when a code is drawn."""
    code = (
        "import sys, tuichat.ui.app, tuichat.ui.commands.omemo, tuichat.ui.dialogs.devices\n"
        "assert 'segno' not in sys.modules, 'segno imported at start'\n"
        "from tuichat.ui.qr import qr_rows\n"
        "qr_rows('a@b.c', 1, '0' * 64)\n"
        "assert 'segno' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
