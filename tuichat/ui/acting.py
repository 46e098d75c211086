"""Provides :class:`Acting`: what the reader is doing to messages (pure state).

The message selected in the log, and a reply or a correction the composer's next line becomes
(Up in an empty composer, ``e`` or ``r`` on a selected message), for one conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tuichat.model import Message
from tuichat.records import record
from tuichat.ui.state import ConvKey

PendingKind = Literal["reply", "correct"]


@record(frozen=True)
class Pending:
    """The composer's next line replies to, or corrects, ``message`` in ``key``."""

    kind: PendingKind
    key: ConvKey
    message: Message


@dataclass(slots=True)
class Acting:
    """The selection and the pending reply or correction."""

    selected: Message | None = None
    pending: Pending | None = None

    def take(self, key: ConvKey) -> Pending | None:
        """The pending action for ``key``, now used up (one for another conversation is
        dropped: it never applies elsewhere)."""
        pending, self.pending = self.pending, None
        return pending if pending is not None and pending.key == key else None
