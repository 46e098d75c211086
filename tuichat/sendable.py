"""Provides the rule for what a message body may hold before it is queued: what XMPP can carry.

XML 1.0 (RFC 6120 §11.1) cannot carry the C0 controls other than TAB, LF and CR (ESC and NUL
among them), the noncharacters U+FFFE and U+FFFF, or a lone surrogate. A server that reads one
closes the stream (Prosody: ``not-well-formed``), and a body too big for the server's stanza
limit does the same (Prosody: ``policy-violation``, 256 KiB by default). Stored in the outbox,
such a message would close the stream again on every connect; so every path that queues a
message (the CLI, the composer, rooms, room private messages) asks this module first.

:func:`check` refuses (the CLI, and the session as the last guard); :func:`clean` removes the
characters and says which (the composer). Both are pure.
"""

from __future__ import annotations

import re
from collections import Counter

from tuichat.records import record

__all__ = ["MAX_BODY_BYTES", "Cleaned", "Unsendable", "check", "clean", "describe"]

MAX_BODY_BYTES = 48 * 1024
"""The largest body we queue, in bytes of UTF-8.

Prosody's default ``c2s_stanza_size_limit`` is 256 KiB (ejabberd's ``max_stanza_size`` is the
same). XML escaping can grow a body five times (``&`` → ``&amp;``), so 48 KiB stays under
that limit, with room for the stanza around it, whatever the body holds.
"""

_UNSENDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_C0_NAMES = (
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
    "FS", "GS", "RS", "US",
)  # fmt: skip
"""The ASCII names of U+0000 to U+001F."""


class Unsendable(ValueError):
    """A body that cannot be sent over XMPP; ``str(exc)`` says what and where, in one line."""


@record(frozen=True)
class Cleaned:
    """What :func:`clean` made of a body."""

    text: str
    """The body without the characters XMPP cannot carry."""
    removed: tuple[str, ...] = ()
    """What was removed, one entry per kind of character: ``"ESC (U+001B) ×2"``."""

    @property
    def notice(self) -> str:
        """One line saying what was removed (empty when nothing was)."""
        if not self.removed:
            return ""
        return "removed what XMPP cannot carry: " + ", ".join(self.removed)


def describe(char: str) -> str:
    """A character's name and code point: ``ESC (U+001B)``, ``lone surrogate (U+D800)``."""
    point = ord(char)
    if point < 0x20:
        name = _C0_NAMES[point]
    elif 0xD800 <= point <= 0xDFFF:
        name = "lone surrogate"
    elif point in (0xFFFE, 0xFFFF):
        name = "noncharacter"
    else:
        name = repr(char)
    return f"{name} (U+{point:04X})"


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def check(body: str) -> None:
    """Raise :class:`Unsendable` if ``body`` holds a character XMPP cannot carry, or is too big.

    The message names the first such character and its 1-based byte offset in UTF-8.
    """
    found = _UNSENDABLE.search(body)
    if found is not None:
        offset = _utf8_size(body[: found.start()]) + 1
        raise Unsendable(f"byte {offset}: {describe(found.group())} cannot be sent in XMPP")
    size = _utf8_size(body)
    if size > MAX_BODY_BYTES:
        raise Unsendable(
            f"the message is {size:,} bytes; at most {MAX_BODY_BYTES:,} can be sent in XMPP"
        )


def clean(body: str) -> Cleaned:
    """``body`` without the characters XMPP cannot carry, and what was removed (size unchecked)."""
    counts = Counter(_UNSENDABLE.findall(body))
    if not counts:
        return Cleaned(body)
    removed = tuple(
        describe(char) + (f" ×{count}" if count > 1 else "")
        for char, count in sorted(counts.items())
    )
    return Cleaned(_UNSENDABLE.sub("", body), removed)
