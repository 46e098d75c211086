"""Provides :class:`GatewayClient`: the gateway (transport) requests, without the XMPP layer.

The connection manager implements it (through :class:`tuichat.xmpp.gateways_api.
GatewayRequests`). Which network a contact is on arrives as ``GatewayIdentified`` events.
The registration form is the forms model (:class:`tuichat.forms.Form`, shown by the generic
renderer and filled by the CLI's ``--field``); the answer goes back as that form filled in (or
its submission). Failures raise :class:`tuichat.errors.ClientError` (``GatewayError``)
with the reason in words.
"""

from __future__ import annotations

from typing import Protocol

from tuichat.errors import GatewayError
from tuichat.forms import Form
from tuichat.model import JID, InvalidJID
from tuichat.records import record


def gateway_domain(text: str) -> str:
    """The gateway address ``text`` names (a domain, such as ``irc.example.org``); raises
    :class:`GatewayError` in words for anything else (a user's or a resource's address)."""
    try:
        parsed = JID.parse(text)
    except InvalidJID as exc:
        raise GatewayError(f"{text!r} is not a valid address: {exc}") from None
    if parsed.local or parsed.resource:
        raise GatewayError(f"{text} is not a gateway address (a domain, such as irc.example.org)")
    return parsed.domain


@record(frozen=True)
class Registration:
    """How to register with a gateway (XEP-0077): its form, and whether we already are."""

    form: Form
    """The gateway's data form, or one made of the legacy fields it asks (all required)."""
    registered: bool = False
    """We are registered already: sending the form again changes the registration."""


class GatewayClient(Protocol):
    """What the UI and the headless commands can ask of gateways (XEP-0100)."""

    async def gateway_registration_form(self, account: str, gateway: str) -> Registration:
        """Ask ``gateway`` how to register (its form, and whether we are registered)."""
        ...

    async def register_gateway(self, account: str, gateway: str, form: Form) -> None:
        """Register ``account`` with ``gateway`` giving the values of ``form`` (the filled
        registration form or its submission; checked again, a required field left empty is
        named), add the gateway to the roster and ask for its presence; its contacts follow."""
        ...

    async def unregister_gateway(self, account: str, gateway: str) -> list[str]:
        """Cancel the registration with ``gateway``; remove it and its contacts from the
        roster. Returns the JIDs removed."""
        ...
