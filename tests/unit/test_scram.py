"""slixmpp's SCRAM login as tuichat runs it: the salted password in C, a secure nonce."""

from __future__ import annotations

from slixmpp.util.sasl.mechanisms import SCRAM

from tuichat.xmpp import library  # noqa: F401  # imports slixmpp with the SCRAM fixes


def scram(password: bytes) -> SCRAM:
    """A SCRAM-SHA-1 client mechanism on an encrypted stream, before its first step."""
    credentials = {
        "username": b"user",
        "password": password,
        "authzid": b"",
        "channel_binding": b"",
    }
    security = {"encrypted": True, "binding_proposed": True, "tls_version": "TLSv1.3"}
    return SCRAM("SCRAM-SHA-1", credentials, security)


def test_the_exchange_of_rfc_5802_gives_its_proof_and_accepts_its_server() -> None:
    """RFC 5802 §5's example, step by step: the client proof and the server signature come out
    as the RFC prints them, so the C derivation is the one slixmpp's loop computed."""
    mech = scram(b"pencil")
    mech.process_1(b"")
    mech.cnonce = b"fyko+d2lbbFgONRv9qkxdawL"  # the RFC's, instead of a random one
    mech.client_first_message_bare = b"n=user,r=" + mech.cnonce
    final = mech.process_2(
        b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
    )
    assert (
        final
        == b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
    )
    mech.process_3(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")  # raises on a wrong server signature


def test_the_salted_password_matches_pbkdf2_test_vectors() -> None:
    """RFC 6070's PBKDF2-HMAC-SHA1 vectors, through the mechanism's ``Hi``."""
    mech = scram(b"password")
    assert mech.Hi(b"password", b"salt", 1).hex() == "0c60c80f961f0e71f3a9b524af6012062fe037a6"
    assert mech.Hi("password", b"salt", 4096).hex() == "4b007901b765489abead49d926f721d065a429c1"


def test_client_nonces_do_not_come_from_the_predictable_generator() -> None:
    """Each login draws a fresh nonce from the system's secure source, not ``random.random``."""
    import random

    random.seed(1)
    first = scram(b"x")
    first.process_1(b"")
    random.seed(1)
    second = scram(b"x")
    second.process_1(b"")
    assert first.cnonce != second.cnonce
