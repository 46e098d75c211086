"""Provides :class:`CertificateTrust`: one session's certificate policy, from handshake to login.

It sets the client's TLS up (the CA store, or a pin), checks the pinned certificate right after
each handshake and again in the guard before SASL, and, when the CA store refuses the
certificate of an account with no pin, stops the session for good, reads the certificate with a
probe that sends no credential (:mod:`tuichat.xmpp.probe`) and publishes
:class:`~tuichat.events.CertificateUntrusted` so the user can decide. The rules themselves are
in :mod:`tuichat.xmpp.pinning`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat.config import TLSMode
from tuichat.model import ConnectionState
from tuichat.xmpp import connect, pinning, probe
from tuichat.xmpp.errors import describe_ssl_error

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

Fail = Callable[[ConnectionState, str], None]


class CertificateTrust:
    """The pin in force for one session, and what happens to a certificate that is not trusted.

    ``fail(state, reason)`` stops the session's retries for good and publishes that state.
    """

    def __init__(self, session: Session, fail: Fail) -> None:
        self.session = session
        self._fail = fail
        self.trusted_once: str | None = None
        """A certificate the user trusted for this run (``cert_fingerprint`` pins for good)."""
        self._probe: asyncio.Task[None] | None = None

    @property
    def pin(self) -> pinning.Pin | None:
        """The pin in force: the config's, else the one trusted once, else none (CA store)."""
        return pinning.effective_pin(self.session.config.cert_fingerprint, self.trusted_once)

    def secure(self, client: Any, on_plain_stream: Callable[[], None]) -> None:
        """Set up a new client: its TLS policy, and the guard that lets SASL run only on an
        encrypted stream whose certificate was checked."""
        config, pin = self.session.config, self.pin
        connect.configure_tls(client, config.tls, config.ca_file, pinned=pin is not None)
        connect.require_tls_before_auth(
            client, on_plain_stream, pin=pin, on_unchecked=self.on_unchecked
        )

    def on_certificate(self, _pem: str) -> None:
        """Right after each TLS handshake, before the stream goes on: a pinned account's
        certificate must be the pinned one (the guard before SASL checks it once more)."""
        pin = self.pin
        offered = connect.peer_fingerprint(self.session.client)
        if pin is not None and not pinning.accepted(pin, offered, ca_verified=False):
            self.on_unchecked(offered)

    def on_unchecked(self, offered: str | None) -> None:
        """Refuse, loudly and for good, a certificate that is not the pinned one."""
        client, pin = self.session.client, self.pin
        self.trusted_once = None  # a changed certificate trusted once is asked about afresh
        words = pinning.changed_words(client.boundjid.domain, pin, offered)
        self._fail(ConnectionState.CERT_REJECTED, words)
        client.abort()  # nothing more goes over this stream, not even its header

    def on_untrusted(self, error: Any) -> None:
        """The CA store refused the certificate of an account with no pin: stop for good, read
        the certificate with a probe, then publish it for the user to decide."""
        session, client = self.session, self.session.client
        why, domain = describe_ssl_error(error), client.boundjid.domain
        direct = session.config.tls == TLSMode.DIRECT
        default = connect.DEFAULT_DIRECT_TLS_PORT if direct else connect.DEFAULT_STARTTLS_PORT
        host, port = connect.peer_address(client) or (
            session.config.host or domain,
            session.config.port or default,
        )
        # No retry: a certificate will not fix itself. CONNECTING until the probe has answered,
        # so the final state carries the fingerprint (and headless commands print it).
        self._fail(ConnectionState.CONNECTING, f"untrusted certificate ({why}); reading it")
        client.abort()
        probing = probe.offered_fingerprint(host, port, direct_tls=direct, domain=domain)
        self._probe = asyncio.ensure_future(self._publish(client, why, probing))

    async def _publish(self, client: Any, why: str, probing: Awaitable[str | None]) -> None:
        offered = await probing
        session, domain = self.session, client.boundjid.domain
        if session.client is not client or session.state != ConnectionState.CONNECTING:
            return  # stopped or restarted meanwhile: this answer is stale
        if offered is None:
            self._fail(ConnectionState.CERT_REJECTED, f"untrusted certificate ({why})")
            return
        self._fail(ConnectionState.CERT_REJECTED, pinning.untrusted_words(why, offered))
        config = session.config
        where = connect.where(*connect.address(config.host, config.port, config.tls), domain)
        session.bus.publish(ev.CertificateUntrusted(session.account, where, offered, why))
