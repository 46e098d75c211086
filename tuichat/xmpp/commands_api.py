"""Provides :class:`CommandRequests`: the ad-hoc command requests of the connection manager.

A mixin, like :class:`~tuichat.xmpp.rooms_api.RoomRequests`: the manager inherits it and so
implements :class:`tuichat.command_client.CommandClient` for the UI and the CLI alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuichat.command_client import CommandStep
from tuichat.errors import ClientError
from tuichat.forms import Form
from tuichat.model import JID
from tuichat.xmpp.features import adhoc

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

ACTIONS = ("execute", "next", "prev", "complete", "cancel")


class CommandRequests:
    """Ad-hoc commands (XEP-0050) on top of the manager's sessions."""

    if TYPE_CHECKING:

        def _connected(self, account: str) -> Session:
            """The session of ``account``, connected (else NotConnected)."""
            ...

    async def list_commands(self, account: str, jid: str) -> list[tuple[str, str]]:
        """The commands ``jid`` offers us, as ``(node, name)``."""
        session = self._connected(account)
        return await adhoc.list_commands(session.client, _address(jid))

    async def run_command(
        self,
        account: str,
        jid: str,
        node: str,
        action: str = "execute",
        session: str = "",
        form: Form | None = None,
    ) -> CommandStep:
        """One step of a command (see :class:`~tuichat.command_client.CommandClient`)."""
        if action not in ACTIONS:
            raise ClientError(f"{action!r} is not a command action ({', '.join(ACTIONS)})")
        if not node:
            raise ClientError("which command? (no node given)")
        connected = self._connected(account)
        return await adhoc.run_step(connected.client, _address(jid), node, action, session, form)


def _address(jid: str) -> str:
    """``jid`` checked (a full JID stays full: commands may live on a resource)."""
    try:
        return str(JID.parse(jid))
    except ValueError as exc:
        raise ClientError(f"{jid!r} is not a JID: {exc}") from None
