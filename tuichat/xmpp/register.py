"""Provides in-band registration (XEP-0077): create an account on a server, over TLS only."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from slixmpp.exceptions import IqError, IqTimeout

from tuichat.config import TLSMode
from tuichat.errors import (
    CertificateRejected,
    ClientError,
    ConnectFailed,
    RegistrationFailed,
    TLSRequired,
)
from tuichat.model import JID
from tuichat.xmpp import connect
from tuichat.xmpp.errors import describe_connect_error, describe_ssl_error, is_certificate_error

_CONDITIONS = {
    "conflict": "the name is already taken",
    "not-acceptable": "the server did not accept the name or password",
    "not-allowed": "the server does not allow creating accounts",
    "forbidden": "the server does not allow creating accounts",
    "resource-constraint": "the server is refusing registrations for now; try again later",
    "service-unavailable": "the server does not offer in-band registration",
    "feature-not-implemented": "the server does not offer in-band registration",
}


def describe_iq_error(iq: Any) -> str:
    """The server's refusal in words: its text if it gave one, else its condition explained."""
    condition = iq["error"]["condition"]
    text = iq["error"]["text"]
    words = _CONDITIONS.get(condition, condition.replace("-", " "))
    return f"{words} ({text})" if text else words


async def register_account(
    jid: str,
    password: str,
    *,
    host: str | None = None,
    port: int | None = None,
    tls: TLSMode = TLSMode.STARTTLS,
    ca_file: Path | None = None,
    timeout: float = 30.0,
) -> None:
    """Create ``jid`` with ``password`` on its server, then log in once to prove it works.

    Raises :class:`ClientError` subclasses with the reason in words.
    """
    parsed = JID.parse(jid)
    if not parsed.local:
        raise RegistrationFailed(f"{jid}: a JID to register needs a name before '@'")
    client = connect.new_client(str(parsed.bare), password, ("xep_0030", "xep_0004", "xep_0077"))
    client.plugin["xep_0077"].force_registration = True
    connect.configure_tls(client, tls, ca_file)
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[None] = loop.create_future()

    def finish(error: ClientError | None) -> None:
        if not outcome.done():
            if error is None:
                outcome.set_result(None)
            else:
                outcome.set_exception(error)

    connect.require_tls_before_auth(
        client, lambda: finish(TLSRequired("the server offers no encryption (STARTTLS)"))
    )

    async def on_register(_form: Any) -> None:
        if not connect.is_encrypted(client):
            finish(TLSRequired("the server offers no encryption; refusing to register"))
            client.abort()
            return
        iq = client.Iq()
        iq["type"] = "set"
        iq["register"]["username"] = parsed.local
        iq["register"]["password"] = password
        try:
            await iq.send(timeout=timeout)
        except IqError as exc:
            finish(RegistrationFailed(f"{parsed.bare}: {describe_iq_error(exc.iq)}"))
            client.abort()
        except IqTimeout:
            finish(RegistrationFailed(f"{parsed.bare}: the server did not answer"))
            client.abort()

    def on_failed(error: Any) -> None:
        client.cancel_connection_attempt()
        if is_certificate_error(error):
            finish(CertificateRejected(parsed.domain, describe_ssl_error(error)))
        else:
            finish(ConnectFailed(f"{parsed.domain}: {describe_connect_error(error)}"))

    def on_bad_cert(error: Any) -> None:
        finish(CertificateRejected(parsed.domain, describe_ssl_error(error)))
        client.abort()

    client.add_event_handler("register", on_register)
    client.add_event_handler("session_start", lambda _e: finish(None))
    client.add_event_handler("connection_failed", on_failed)
    client.add_event_handler("ssl_invalid_chain", on_bad_cert)
    client.add_event_handler(
        "failed_all_auth",
        lambda _e: finish(RegistrationFailed(f"{parsed.bare}: registered, but login failed")),
    )
    client.add_event_handler(
        "disconnected",
        lambda reason: finish(
            ConnectFailed(f"{parsed.domain}: {describe_connect_error(reason or None)}")
        ),
    )
    client.connect(*connect.address(host, port, tls))
    try:
        await asyncio.wait_for(outcome, timeout)
    except TimeoutError:
        raise ConnectFailed(f"{parsed.domain}: no answer within {timeout:.0f} s") from None
    finally:
        await connect.close_client(client)
