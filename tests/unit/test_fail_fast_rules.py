"""Unit tests for the rules that make a connection fail at once with its real reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuichat.model import ConnectionState
from tuichat.xmpp.credentials import password_problem, preflight


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("correct horse", None),
        ("päss wörd", None),
        ("a\ufeffb", None),  # mapped to nothing by SASLprep
        ("\u00a0x", None),  # mapped to a space
        ("pw\x01", "a control character (U+0001)"),
        ("\x00", "a control character (U+0000)"),
        ("\x1b[31m", "a control character (U+001B)"),
        ("\x7f", "a control character (U+007F)"),
        ("\x9b", "a control character (U+009B)"),
        ("\ue000", "a private-use character (U+E000)"),
        ("\ufdd0", "a non-character code point (U+FDD0)"),
        ("\u202e", "changes the display direction (U+202E)"),
        ("\U000e0041", "a tagging character (U+E0041)"),
        ("\u0627a", "cannot be sent over XMPP (BIDI violation"),
    ],
)
def test_password_problem(password: str, problem: str | None) -> None:
    """What SASLprep refuses is named, with its code point, before any connection."""
    found = password_problem(password)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_preflight_order_and_states(tmp_path: Path) -> None:
    """A password SASLprep refuses is final like a wrong one; a bad CA file is a failure."""
    assert preflight("pw", None) is None
    assert preflight("pw\x01", None) == (
        ConnectionState.AUTH_FAILED,
        "the password contains a control character (U+0001), which XMPP cannot carry",
    )
    assert preflight("pw", tmp_path / "nope.pem") == (
        ConnectionState.FAILED,
        f"ca_file: no such file: {tmp_path / 'nope.pem'}",
    )
