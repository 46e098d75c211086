"""Provides logging set-up: a rotating file in the state dir, with secrets kept out.

Rule: passwords never reach the log; message bodies only with ``--debug``. slixmpp logs whole
stanzas at debug level, so its loggers stay at INFO unless debug is on, and SASL payloads are
redacted even then.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from tuichat.paths import private_file

_SASL = re.compile(
    r"(<(auth|response|challenge|success)\b[^>]*>)(.*?)(</\2>)", re.DOTALL | re.IGNORECASE
)
_BODY = re.compile(r"(<body\b[^>]*>)(.*?)(</body>)", re.DOTALL | re.IGNORECASE)
_PASSWORD = re.compile(r"(<password\b[^>]*>)(.*?)(</password>)", re.DOTALL | re.IGNORECASE)


class RedactingFilter(logging.Filter):
    """Removes SASL payloads and registration passwords always, bodies unless ``keep_bodies``."""

    def __init__(self, keep_bodies: bool = False) -> None:
        super().__init__()
        self.keep_bodies = keep_bodies

    def redact(self, text: str) -> str:
        """``text`` with secrets (and maybe bodies) replaced by ``[redacted]``."""
        text = _SASL.sub(r"\1[redacted]\4", text)
        text = _PASSWORD.sub(r"\1[redacted]\3", text)
        if not self.keep_bodies:
            text = _BODY.sub(r"\1[redacted]\3", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(log_file: Path, *, debug: bool = False) -> logging.Handler:
    """Send tuichat's and slixmpp's logs to ``log_file`` (0600, rotated at 2 MiB × 3)."""
    private_file(log_file)
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=2 * 1024 * 1024, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(keep_bodies=debug))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    logging.getLogger("slixmpp").setLevel(logging.DEBUG if debug else logging.WARNING)
    return handler
