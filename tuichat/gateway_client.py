"""Provides :class:`GatewayClient`: the gateway (transport) requests, without the XMPP layer.

The connection manager implements it (through :class:`tuichat.xmpp.gateways_api.
GatewayRequests`). Which network a contact is on arrives as ``GatewayIdentified`` events.
Form values are plain ``{var: [value, …]}`` mappings, whatever the form's model; failures
raise :class:`tuichat.errors.ClientError` (``GatewayError``) with the reason in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class GatewayClient(Protocol):
    """What the UI and the headless commands can ask of gateways (XEP-0100)."""

    async def register_gateway(
        self, account: str, gateway: str, values: Mapping[str, Sequence[str]]
    ) -> None:
        """Register ``account`` with ``gateway`` (its form filled with ``values``), add the
        gateway to the roster and ask for its presence; its contacts follow."""
        ...

    async def unregister_gateway(self, account: str, gateway: str) -> list[str]:
        """Cancel the registration with ``gateway``; remove it and its contacts from the
        roster. Returns the JIDs removed."""
        ...
