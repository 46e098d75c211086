"""Provides :class:`ActionRequests`: the message action requests of the connection manager.

A mixin of :class:`~tuichat.xmpp.manager.ConnectionManager` implementing
:class:`tuichat.action_client.ActionClient` through each session's
:class:`~tuichat.xmpp.features.message_actions.MessageActions`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tuichat import sendable
from tuichat.errors import ClientError
from tuichat.model import Message
from tuichat.xmpp import errors


@contextmanager
def map_exceptions(action: str) -> Iterator[None]:
    """:func:`tuichat.xmpp.errors.map_exceptions`, and a text XMPP cannot carry in words."""
    with errors.map_exceptions(action):
        try:
            yield
        except sendable.Unsendable as exc:
            raise ClientError(f"cannot {action}: {exc}") from None


if TYPE_CHECKING:
    from tuichat.xmpp.session import Session


class ActionRequests:
    """Correct, retract, react, reply, moderate."""

    def session(self, account: str) -> Session:  # provided by the manager
        raise NotImplementedError

    async def correct_message(self, account: str, message: Message, body: str) -> None:
        """Replace the text of our own ``message`` (XEP-0308)."""
        with map_exceptions("correct the message"):
            await self.session(account).actions.correct(message, body)

    async def retract_message(self, account: str, message: Message) -> None:
        """Retract our own ``message`` (XEP-0424)."""
        with map_exceptions("retract the message"):
            await self.session(account).actions.retract(message)

    async def react(self, account: str, message: Message, reactions: tuple[str, ...]) -> None:
        """Set our full set of reactions to ``message`` (XEP-0444)."""
        with map_exceptions("react"):
            await self.session(account).actions.react(message, reactions)

    async def reply(self, account: str, message: Message, body: str) -> Message:
        """Send ``body`` as a reply to ``message`` (XEP-0461)."""
        with map_exceptions("reply"):
            return self.session(account).actions.reply(message, body)

    async def moderate(self, account: str, message: Message, reason: str = "") -> None:
        """Remove ``message`` from its room as a moderator (XEP-0425)."""
        with map_exceptions("remove the message"):
            await self.session(account).actions.moderate(message, reason)

    async def actions_flushed(self, account: str) -> None:
        """Return once the server has read the actions sent so far."""
        with map_exceptions("reach the server"):
            await self.session(account).actions.flushed()
