"""Provides the errors the client contract may raise: the one vocabulary the UI and CLI catch.

Rule: a request made through :class:`tuichat.client.ChatClient` (or ``RoomClient``) fails
with a :class:`ClientError` and nothing else; ``str(exc)`` says what went wrong in words a
person can act on. The XMPP layer turns slixmpp's and ssl's exceptions into these at its
boundary (:func:`tuichat.xmpp.errors.map_exceptions`), so callers never see a stanza.
"""

from __future__ import annotations


class ClientError(Exception):
    """A request to the chat client failed; ``str(exc)`` says why, in words."""


class NotConnected(ClientError):
    """The request needs a connected account."""


class NoAnswer(ClientError):
    """The other side did not answer in time (it may answer a later question)."""


class RoomError(ClientError):
    """A room refused something (join, kick, configure…)."""


class CertificateRejected(ClientError):
    """The server's TLS certificate could not be verified."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"certificate of {host} rejected: {reason}")
        self.host = host
        self.reason = reason


class TLSRequired(ClientError):
    """The server offered no way to encrypt the connection, so we refused to log in."""


class ConnectFailed(ClientError):
    """The server could not be reached."""


class RegistrationFailed(ClientError):
    """The server refused to create an account."""


class GatewayError(ClientError):
    """A gateway (transport) refused a registration or its removal, or did not answer."""
