"""Table tests of the certificate rules: which certificate may carry a login, and the words."""

from __future__ import annotations

import pytest

from tuichat.xmpp.pinning import Pin, accepted, changed_words, effective_pin, untrusted_words

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64


@pytest.mark.parametrize(
    ("pin", "offered", "ca_verified", "ok"),
    [
        (None, A, True, True),  # no pin: the CA store decides
        (None, A, False, False),
        (None, None, False, False),
        (Pin(A), A, False, True),  # a pin: that certificate, whoever signed it
        (Pin(A), B, True, False),  # even one the CA store vouches for is not taken silently
        (Pin(A), B, False, False),
        (Pin(A), None, True, False),
        (Pin(A, once=True), A, False, True),
        (Pin(A, once=True), B, True, False),
    ],
)
def test_which_certificate_may_carry_a_login(
    pin: Pin | None, offered: str | None, ca_verified: bool, ok: bool
) -> None:
    """A pin replaces the CA store entirely; without one, only a verified chain will do."""
    assert accepted(pin, offered, ca_verified) is ok


def test_the_config_pin_wins_over_one_trusted_once() -> None:
    """What the config pins is not overridden by an answer given in this run."""
    assert effective_pin(A, B) == Pin(A)
    assert effective_pin(None, B) == Pin(B, once=True)
    assert effective_pin(None, None) is None


def test_a_changed_certificate_is_named_with_both_fingerprints_and_what_to_do() -> None:
    """The refusal says what was pinned, what was offered, and how to accept a change."""
    assert changed_words("example.org", Pin(A), B) == (
        f"the certificate of example.org changed: pinned {A}, offered {B}; if you expected "
        "this, remove cert_fingerprint from this account in the config"
    )
    once = changed_words("example.org", Pin(A, once=True), B)
    assert f"trusted {A}, offered {B}" in once and "to review the new one" in once
    assert untrusted_words("self-signed certificate", A) == (
        f"untrusted certificate (self-signed certificate), {A}: press t on the Accounts "
        "screen (F4) to review it, or pin it as cert_fingerprint"
    )
