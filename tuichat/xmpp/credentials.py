"""Provides the checks made before connecting: can the password be sent, is the CA file one.

SASL (RFC 4013, SASLprep) refuses control characters and a few other kinds of code point in a
password. slixmpp finds out only in the middle of authentication, where the error surfaces as
an ``AttributeError`` and the connection is retried until a time-out; this check names the
character at once instead. Pure: no I/O.
"""

from __future__ import annotations

import stringprep
import unicodedata
from collections.abc import Callable
from pathlib import Path

from slixmpp.util.sasl.client import saslprep
from slixmpp.util.stringprep_profiles import StringPrepError

from tuichat.config.check import ca_file_problem
from tuichat.model import ConnectionState

_PROHIBITED: tuple[tuple[Callable[[str], bool], str], ...] = (
    (stringprep.in_table_c21_c22, "a control character"),
    (stringprep.in_table_c3, "a private-use character"),
    (stringprep.in_table_c4, "a non-character code point"),
    (stringprep.in_table_c5, "a surrogate code point"),
    (stringprep.in_table_c6, "a character unfit for plain text"),
    (stringprep.in_table_c7, "a character unfit for canonical representation"),
    (stringprep.in_table_c8, "a character that changes the display direction"),
    (stringprep.in_table_c9, "a tagging character"),
)
"""SASLprep's prohibited output tables (RFC 4013 section 2.3, less the spaces it maps)."""


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be sent over XMPP (SASLprep refuses it), or None if it can."""
    mapped = "".join(c for c in password if not stringprep.in_table_b1(c))  # mapped to nothing
    for char in unicodedata.normalize("NFKC", mapped):
        for prohibited, what in _PROHIBITED:
            if prohibited(char):
                return f"the password contains {what} (U+{ord(char):04X}), which XMPP cannot carry"
    try:
        saslprep(password)
    except StringPrepError as exc:  # e.g. mixed left-to-right and right-to-left text
        return f"the password cannot be sent over XMPP ({exc or 'SASLprep refused it'})"
    return None


def preflight(password: str, ca_file: Path | None) -> tuple[ConnectionState, str] | None:
    """The final state and reason when connecting cannot work, known before trying; else None.

    A password SASLprep refuses fails like a wrong one (no retry); a CA file that holds no
    certificate is named instead of ending as a silent time-out.
    """
    if problem := password_problem(password):
        return ConnectionState.AUTH_FAILED, problem
    if ca_file is not None and (problem := ca_file_problem(ca_file)):
        return ConnectionState.FAILED, f"ca_file: {problem}"
    return None
