"""Provides the values of pictures from the network: decoded pixels (:class:`Picture`), the
error that says in words why one cannot be shown (:class:`PictureError`), and the most a
picture carried in a stanza may weigh (:data:`MAX_BYTES`).

Decoding is the UI's (``tuichat/ui/pictures.py``, Pillow within limits, off the UI thread);
these values are core so that the XMPP layer can bound what it keeps without Pillow.
"""

from __future__ import annotations

from tuichat.records import record

MAX_BYTES = 256 * 1024
"""The most a picture's file may weigh."""

RGB = tuple[int, int, int]


class PictureError(ValueError):
    """A picture that cannot be shown, with the reason in words."""


@record(frozen=True)
class Picture:
    """Decoded pixels: ``rows[y][x]`` is an ``(r, g, b)`` triple."""

    width: int
    height: int
    rows: tuple[tuple[RGB, ...], ...]
