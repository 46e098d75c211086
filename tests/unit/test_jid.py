"""Table tests for JID validation and normalisation (RFC 7622) as the config uses it."""

from __future__ import annotations

import pytest

from tuichat.config import normalise_account_jid
from tuichat.model import JID, InvalidJID

VALID = [
    ("alice@example.test", "alice@example.test"),
    ("Alice@Example.TEST", "alice@example.test"),
    ("  alice@example.test  ", "alice@example.test"),
    ("alice@example.test.", "alice@example.test"),
    ("example.test", "example.test"),
    ("alice@example.test/Laptop", "alice@example.test/Laptop"),
    ("alice@example.test/a/b", "alice@example.test/a/b"),
    ("ÅSA@Example.test", "åsa@example.test"),
    ("Straße@example.test", "strasse@example.test"),
    ("e\u0301@example.test", "\u00e9@example.test"),
    ("ΣΊΣΥΦΟΣ@example.test", "σίσυφοσ@example.test"),
    ("alice@[::1]", "alice@[::1]"),
]

INVALID = [
    ("", "empty"),
    ("   ", "empty"),
    ("@example.test", "empty"),
    ("alice@", "domain is empty"),
    ("a b@example.test", "space"),
    ("a@b@c", "may not contain"),
    ('a"b@example.test', "may not contain"),
    ("a\x00b@example.test", "control"),
    ("alice@exa\x07mple.test", "control"),
    ("alice@example.test/res\x1b", "control"),
    ("alice@example.test/", "resource after '/' is empty"),
    ("a" * 1024 + "@example.test", "longer than 1023 bytes"),
    ("alice@" + "b" * 64 + ".test", "longer than 63 bytes"),
    ("alice@-example.test", "starts or ends with '-'"),
    ("alice@exa_mple.test", "forbidden character"),
    ("alice@example..test", "empty label"),
]


@pytest.mark.parametrize(("text", "normalised"), VALID)
def test_valid_jid_is_normalised(text: str, normalised: str) -> None:
    """Case, Unicode form and a trailing dot must not make two JIDs of one account differ."""
    assert str(JID.parse(text)) == normalised


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_invalid_jid_is_refused_with_reason(text: str, reason: str) -> None:
    """A bad JID is refused with a reason a person can act on."""
    with pytest.raises(InvalidJID) as info:
        JID.parse(text)
    assert reason in str(info.value)


def test_casefolded_forms_compare_equal() -> None:
    """Two spellings of one address are one JID (duplicates are found after this)."""
    assert JID.parse("STRASSE@EXAMPLE.test") == JID.parse("straße@example.test")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Alice@Example.test", "alice@example.test"), (" bob@x.test ", "bob@x.test")],
)
def test_account_jid_is_normalised_bare(text: str, expected: str) -> None:
    """An account JID is stored in its normalised bare form."""
    assert normalise_account_jid(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("example.test", "needs a user name"),
        ("alice@example.test/phone", "no /resource"),
        ("a b@example.test", "space"),
    ],
)
def test_account_jid_must_be_bare_with_local_part(text: str, reason: str) -> None:
    """An account needs user@server; a resource belongs in `resource`, not the JID."""
    with pytest.raises(InvalidJID, match=reason):
        normalise_account_jid(text)
