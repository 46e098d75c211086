"""Provides certificate fingerprints: the one stored form, reading what a person types, groups.

Rule: a fingerprint is the SHA-256 of the certificate's DER bytes, stored and compared in one
canonical form, ``sha256:`` then 64 lowercase hex digits. What a person types or pastes
(colons between byte pairs, either case) is read into that form, or refused in words.
Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import re

PREFIX = "sha256:"
_HEX = re.compile(r"[0-9a-f]{64}\Z")
_PAIRS = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){31}\Z")


class BadFingerprint(ValueError):
    """A fingerprint that cannot be read; ``str(exc)`` says why."""


def fingerprint(der: bytes) -> str:
    """The canonical fingerprint of a certificate given as DER bytes."""
    return PREFIX + hashlib.sha256(der).hexdigest()


def parse_fingerprint(text: str) -> str:
    """``text`` in the canonical form; raises :class:`BadFingerprint` saying what is wrong.

    Accepted: ``sha256:`` followed by 64 hex digits, in either case, with or without a colon
    between each pair of digits.
    """
    value = text.strip().lower()
    if not value.startswith(PREFIX):
        raise BadFingerprint(f"{text!r} must start with {PREFIX} (a SHA-256 fingerprint)")
    digits = value.removeprefix(PREFIX)
    if _PAIRS.match(digits):
        digits = digits.replace(":", "")
    if not _HEX.match(digits):
        raise BadFingerprint(
            f"{text!r} must be {PREFIX} and 64 hex digits (colons between pairs allowed)"
        )
    return PREFIX + digits


def groups(canonical: str, size: int = 4) -> list[str]:
    """The hex digits of a canonical fingerprint in upper-case groups of ``size``, to compare
    by eye (16 groups of 4 for SHA-256)."""
    digits = canonical.removeprefix(PREFIX).upper()
    return [digits[i : i + size] for i in range(0, len(digits), size)]
