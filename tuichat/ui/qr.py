"""Provides the own OMEMO fingerprint as a QR code drawn with half-block characters.

Pure (no Textual). The code holds ``xmpp:JID?omemo-sid-DEVICEID=FINGERPRINTHEX``, the form
Conversations, Dino and Profanity scan to verify a device. Each text row draws two rows of
modules (``▀`` top dark, ``▄`` bottom dark, ``█`` both, space neither), so a 118-character URI
(version 6, error level L: 41x41 modules) with a quiet zone of :data:`QUIET` modules takes
45 columns x 23 rows and fits 80x24. ``segno`` makes the matrix; it is imported only when a
code is drawn (the QR screen opens), never at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

QUIET = 2
"""Light modules around the code. The standard asks for 4; readers scan 2 well, and 4 would
take 25 rows, one more than an 80x24 terminal has."""

DARK_STYLE = "#000000 on #ffffff"
"""Dark modules on light ones whatever the theme: readers want a dark code on a light ground."""

Matrix = list[list[bool]]
"""Rows of modules, ``True`` for dark, quiet zone included."""


def omemo_uri(jid: str, device_id: int, fingerprint: str) -> str:
    """The URI other clients scan: ``xmpp:JID?omemo-sid-DEVICEID=FINGERPRINTHEX``."""
    hexdigits = "".join(fingerprint.split()).lower()
    return f"xmpp:{quote(jid, safe='@.-_')}?omemo-sid-{device_id}={hexdigits}"


def qr_matrix(data: str, quiet: int = QUIET) -> Matrix:
    """The modules of the smallest QR code (error level L) that holds ``data``, with a quiet
    zone of ``quiet`` light modules."""
    import segno  # lazily: only when a code is drawn

    code = segno.make(data, error="L", boost_error=False, micro=False)
    return [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=quiet)]


HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
"""(top dark, bottom dark) → the character that draws them."""


def half_blocks(matrix: Sequence[Sequence[bool]]) -> list[str]:
    """``matrix`` as text rows of half blocks, two module rows per text row (an odd last row
    gets a light row under it)."""
    rows: list[str] = []
    for top_index in range(0, len(matrix), 2):
        top = matrix[top_index]
        bottom = matrix[top_index + 1] if top_index + 1 < len(matrix) else [False] * len(top)
        rows.append("".join(HALF_BLOCKS[pair] for pair in zip(top, bottom, strict=True)))
    return rows


def from_half_blocks(rows: Sequence[str]) -> Matrix:
    """The modules drawn by :func:`half_blocks` (an odd matrix comes back with its light pad
    row); for tests and for checking a drawing."""
    decode = {char: pair for pair, char in HALF_BLOCKS.items()}
    matrix: Matrix = []
    for row in rows:
        pairs = [decode[char] for char in row]
        matrix.append([top for top, _ in pairs])
        matrix.append([bottom for _, bottom in pairs])
    return matrix


def qr_rows(jid: str, device_id: int, fingerprint: str) -> list[str]:
    """The own device's code, ready to print (see :func:`omemo_uri`)."""
    return half_blocks(qr_matrix(omemo_uri(jid, device_id, fingerprint)))
