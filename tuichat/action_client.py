"""Provides :class:`ActionClient`: the message action requests the UI and the CLI make.

Every request takes a stored :class:`~tuichat.model.Message` (as the store gives it) and
fails with a :class:`tuichat.errors.ClientError` saying why in words. What an action did to
the store arrives on the bus as :class:`tuichat.events.MessageChanged`.
"""

from __future__ import annotations

from typing import Protocol

from tuichat.model import Message


class ActionClient(Protocol):
    """Corrections, retractions, reactions, replies and moderation (issue 12)."""

    async def correct_message(self, account: str, message: Message, body: str) -> None:
        """Replace the text of our own ``message`` (XEP-0308)."""
        ...

    async def retract_message(self, account: str, message: Message) -> None:
        """Retract our own ``message`` (XEP-0424): it becomes a tombstone everywhere."""
        ...

    async def react(self, account: str, message: Message, reactions: tuple[str, ...]) -> None:
        """Set our full set of reactions to ``message`` (empty: none)."""
        ...

    async def reply(self, account: str, message: Message, body: str) -> Message:
        """Send ``body`` as a reply to ``message``; return the stored reply."""
        ...

    async def moderate(self, account: str, message: Message, reason: str = "") -> None:
        """Remove ``message`` from its room as a moderator, with a reason (XEP-0425)."""
        ...

    async def actions_flushed(self, account: str) -> None:
        """Return once the server has read the actions sent so far (headless commands)."""
        ...
