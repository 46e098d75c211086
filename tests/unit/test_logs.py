"""Unit tests for log redaction: passwords never, bodies only in debug mode."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from tuichat.logs import RedactingFilter, setup_logging

AUTH = (
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</auth>"
)
BODY = "<message to='b@x'><body>private words</body></message>"


def test_sasl_payload_is_always_redacted() -> None:
    """A SASL PLAIN payload (base64 of the password) never survives, even in debug mode."""
    for keep in (False, True):
        out = RedactingFilter(keep_bodies=keep).redact(AUTH)
        assert "AGFsaWNlAHNlY3JldA" not in out
        assert "[redacted]" in out


def test_registration_password_is_redacted() -> None:
    """An in-band registration password element is redacted."""
    out = RedactingFilter(keep_bodies=True).redact("<query><password>hunter2</password></query>")
    assert "hunter2" not in out


def test_bodies_only_in_debug_mode() -> None:
    """Message bodies are redacted unless debug logging keeps them."""
    assert "private words" not in RedactingFilter(keep_bodies=False).redact(BODY)
    assert "private words" in RedactingFilter(keep_bodies=True).redact(BODY)


def test_log_file_is_private_and_filtered(tmp_path: Path) -> None:
    """The log file is 0600 and what reaches it is redacted."""
    log_file = tmp_path / "state" / "tuichat.log"
    handler = setup_logging(log_file, debug=False)
    try:
        logging.getLogger("tuichat.test").warning("SEND: %s", AUTH + BODY)
        handler.flush()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = log_file.read_text()
    assert "AGFsaWNlAHNlY3JldA" not in text and "private words" not in text
    assert "SEND:" in text
    assert os.stat(log_file).st_mode & 0o777 == 0o600
    assert os.stat(log_file.parent).st_mode & 0o777 == 0o700
