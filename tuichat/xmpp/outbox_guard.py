"""Provides the rule that sets aside an outbox item that keeps closing the stream.

A message the server cannot take (a character XML cannot carry, a stanza over its size limit)
makes it close the stream with a stream error, and the outbox would resend it on every connect:
the account could never stay online. New bodies are checked before they are queued
(:mod:`tuichat.sendable`); this rule is the defence for rows that are already in an outbox
(written by an older version) or that still kill the stream for a reason we do not know.

The server reads what we send in order and acks as it goes (XEP-0198; we ask for an ack right
behind each message), so when it ends the stream because of what it read, the message to blame
is the **oldest** outbox stanza of that stream it has not acked. Only stream errors about what
we sent count: a network loss, a shutdown or a login elsewhere blames nothing. The session
counts these closes per row in the store and sets the row aside at :data:`MAX_CLOSES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

__all__ = ["BLAMING_CONDITIONS", "MAX_CLOSES", "culprit", "set_aside_reason"]

K = TypeVar("K")

MAX_CLOSES = 2
"""Stream closes blamed on one outbox item before it is set aside (state ``failed``)."""

BLAMING_CONDITIONS = frozenset(
    {
        "bad-format",
        "bad-namespace-prefix",
        "improper-addressing",
        "invalid-namespace",
        "invalid-xml",
        "not-well-formed",
        "policy-violation",
        "restricted-xml",
        "unsupported-encoding",
        "unsupported-stanza-type",
        "xml-not-well-formed",
    }
)
"""RFC 6120 §4.9.3 stream error conditions that are about the data the client sent."""


def culprit(unacked: Sequence[K], condition: str | None) -> K | None:
    """The outbox item to blame for a stream that ended with ``condition`` (None: no error).

    ``unacked``: the outbox items put on that stream and not acked by the server, oldest first.
    """
    if condition not in BLAMING_CONDITIONS or not unacked:
        return None
    return unacked[0]


def set_aside_reason(closes: int, condition: str, text: str = "") -> str | None:
    """Why an item blamed for ``closes`` stream closes is set aside, or None to retry it."""
    if closes < MAX_CLOSES:
        return None
    times = "twice" if closes == 2 else f"{closes} times"
    detail = f"{condition}: {text}" if text else condition
    return f"the server closed the connection {times} on this message ({detail})"
