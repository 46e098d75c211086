"""Provides :class:`GatewayRequests`: the manager's gateway requests (XEP-0100, XEP-0077).

They run on a connected account's session through :mod:`tuichat.xmpp.features.gateway`;
forms go in and out as the forms model (``tuichat.forms``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuichat.forms import Form
from tuichat.gateway_client import Registration, gateway_domain
from tuichat.xmpp.features import gateway

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session


class GatewayRequests:
    """Gateway requests on top of the manager's sessions."""

    if TYPE_CHECKING:

        def _connected(self, account: str) -> Session:
            """The session of ``account``, raising ``NotConnected`` unless it is connected."""
            ...

    def _gateway(self, account: str, jid: str) -> tuple[Session, str]:
        domain = gateway_domain(jid)
        return self._connected(account), domain

    async def gateway_registration_form(self, account: str, jid: str) -> Registration:
        """The gateway's registration form (made of the legacy fields when it has none)."""
        session, domain = self._gateway(account, jid)
        return await gateway.registration_form(session, domain)

    async def register_gateway(self, account: str, jid: str, form: Form) -> None:
        """Register with the gateway ``jid`` giving the values of ``form``; it joins the
        roster."""
        session, domain = self._gateway(account, jid)
        await gateway.register(session, domain, form)

    async def unregister_gateway(self, account: str, jid: str) -> list[str]:
        """Unregister from the gateway ``jid``; it and its contacts leave the roster."""
        session, domain = self._gateway(account, jid)
        return await gateway.unregister(session, domain)
