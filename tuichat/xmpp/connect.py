"""Provides the one place where a slixmpp client is built with tuichat's security settings.

Rule: TLS always. Exactly one of direct TLS or STARTTLS per account, never plaintext; the
certificate is verified against the system store plus the account's ``ca_file``, or, for an
account with a pin, must be exactly the pinned one (:mod:`tuichat.xmpp.pinning`); and a guard
before SASL refuses to authenticate on a stream that is not encrypted or whose certificate was
not checked, so no password (nor any credential) is ever sent in the clear or to a server we
did not verify, whatever the server offers.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tuichat import tls_contexts
from tuichat.certificates import fingerprint
from tuichat.config import TLSMode
from tuichat.xmpp import library
from tuichat.xmpp.pinning import Pin, accepted

log = logging.getLogger(__name__)

DEFAULT_STARTTLS_PORT = 5222
DEFAULT_DIRECT_TLS_PORT = 5223
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"


def is_encrypted(client: Any) -> bool:
    """Whether the client's stream runs over TLS (STARTTLS done, or direct TLS)."""
    if "starttls" in client.features:
        return True
    return isinstance(client.socket, ssl.SSLSocket | ssl.SSLObject)


def configure_tls(client: Any, tls: TLSMode, ca_file: Path | None, *, pinned: bool = False) -> None:
    """Set the client's TLS policy: one method, no plaintext, and verified certificates, or
    (``pinned``) a handshake that leaves the check to the pin."""
    client.enable_direct_tls = tls == TLSMode.DIRECT
    client.enable_starttls = tls == TLSMode.STARTTLS
    client.enable_plaintext = False
    if pinned:
        client.ssl_context = (
            tls_contexts.new_unverified()
        )  # ca_certs stays None: nothing re-enables it
    elif ca_file is not None:
        client.ca_certs = Path(ca_file)


def peer_fingerprint(client: Any) -> str | None:
    """The fingerprint of the certificate the server offered on the client's stream, if any."""
    sock = client.socket
    if not isinstance(sock, ssl.SSLSocket | ssl.SSLObject):
        return None
    der = sock.getpeercert(binary_form=True)
    return fingerprint(der) if der else None


def ca_verified(client: Any) -> bool:
    """Whether the client's TLS stream was set up with the CA store checking chain and name
    (the handshake fails otherwise, so a stream that exists was verified)."""
    sock = client.socket
    if not isinstance(sock, ssl.SSLSocket | ssl.SSLObject) or sock.context is None:
        return False
    context = sock.context
    return context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def peer_address(client: Any) -> tuple[str, int] | None:
    """The ``(host, port)`` the client's transport is connected to, if it has one."""
    transport = getattr(client, "transport", None)
    peer = transport.get_extra_info("peername") if transport is not None else None
    return (str(peer[0]), int(peer[1])) if peer else None


def require_tls_before_auth(
    client: Any,
    on_refused: Callable[[], None],
    *,
    pin: Pin | None = None,
    on_unchecked: Callable[[str | None], None] | None = None,
) -> None:
    """Wrap the SASL stream feature so it runs only on an encrypted stream whose certificate
    was checked: the pinned one when ``pin`` is given, else one the CA store verified.

    On a plain stream (a server that offered no STARTTLS) ``on_refused`` is called; over an
    unchecked certificate, ``on_unchecked`` with the offered fingerprint. Either way the
    connection is aborted before any credential leaves the machine.
    """
    handler, restart = client._stream_feature_handlers["mechanisms"]

    def guarded(features: Any) -> Any:
        if not is_encrypted(client):
            log.warning("refusing to authenticate: the stream is not encrypted")
            on_refused()
            client.abort()
            return True
        offered = peer_fingerprint(client)
        if not accepted(pin, offered, ca_verified(client)):
            log.warning("refusing to authenticate: the certificate was not checked")
            (on_unchecked or (lambda _offered: on_refused()))(offered)
            client.abort()
            return True
        return handler(features)

    client._stream_feature_handlers["mechanisms"] = (guarded, restart)


def on_starttls_refused(client: Any, on_refused: Callable[[], None]) -> None:
    """Call ``on_refused`` when the server answers STARTTLS with ``<failure/>``.

    slixmpp registers that stanza but never handles it: the server then closes the stream and
    the client would reconnect and be refused again, for ever.
    """
    client.register_handler(
        Callback(
            "STARTTLS refused",
            MatchXPath(f"{{{TLS_NS}}}failure"),
            lambda _stanza: on_refused(),
            instream=True,
        )
    )


def connect_now(client: Any, host: str | None, port: int | None) -> None:
    """Start one connection attempt at once: the session runs the retry schedule, so slixmpp's
    own growing wait before each attempt (1 s, 2 s, …) is reset first."""
    client._connect_loop_wait = 0
    if host is None:
        library.resolve_srv()  # the domain's SRV records name the server
    client.connect(host, port)


def address(host: str | None, port: int | None, tls: TLSMode) -> tuple[str | None, int | None]:
    """The (host, port) to pass to ``connect()``: ``(None, None)`` means DNS SRV lookup."""
    if host is None and port is None:
        return None, None
    default = DEFAULT_DIRECT_TLS_PORT if tls == TLSMode.DIRECT else DEFAULT_STARTTLS_PORT
    return host, port or default


def where(host: str | None, port: int | None, jid: str) -> str:
    """``host:port`` for messages, or the JID's domain when DNS SRV chooses the address."""
    return f"{host}:{port}" if host else jid.rpartition("@")[2].partition("/")[0]


def ack_promptly(client: Any) -> None:
    """Have the kernel acknowledge what the server sends next at once (Linux ``TCP_QUICKACK``).

    Right after a TLS 1.3 handshake the server sends its session tickets, then, when our new
    stream header comes, its own. With Nagle's algorithm on the server's socket (Prosody's
    default), that answer waits until the tickets are acknowledged, and Linux delays that
    acknowledgement, having no data to carry it, by up to 40 ms. Measured on loopback: 41 ms
    between our stream header and the server's, 3 ms with this. Run at each handshake.
    """
    transport = getattr(client, "transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    quick_ack = getattr(socket, "TCP_QUICKACK", None)  # Linux only
    if sock is None or quick_ack is None:
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, quick_ack, 1)
    except OSError:  # a socket closed meanwhile: the stream is going anyway
        log.debug("TCP_QUICKACK not set", exc_info=True)


def ack_after_handshake(client: Any) -> None:
    """:func:`ack_promptly` as the handshake ends, and again once our new stream header is
    out: sending it puts Linux back in its interactive mode, where what comes next (the
    tickets, when they come after the header) waits to be acknowledged with our next data. With
    the first call alone, 4 of 14 starts still waited 40 ms there; with both, none of 30."""
    ack_promptly(client)
    client.loop.call_soon(ack_promptly, client)


def new_client(jid: str, password: str, plugins: tuple[str, ...] = ()) -> Any:
    """A ``ClientXMPP`` for ``jid`` with ``plugins`` registered; subscription requests are left
    to the user (slixmpp's ``None``: ``False`` would refuse every request at once)."""
    # Not slixmpp's default context: it parses the whole system bundle twice, tens of
    # milliseconds each on the way to being connected. The account's ca_file is added later.
    client = slixmpp.ClientXMPP(jid, password, ssl_context=tls_contexts.new_verified())
    client.auto_authorize = None
    client.auto_subscribe = False
    client.add_event_handler("ssl_cert", lambda _pem: ack_after_handshake(client))
    for name in plugins:
        client.register_plugin(name)
    return client


async def close_client(client: Any, wait: float = 1.0) -> None:
    """Disconnect ``client`` and cancel its leftover tasks, so nothing leaks after it."""
    client.cancel_connection_attempt()
    try:
        await client.disconnect(wait=wait)
    except Exception:  # a half-open transport may fail to close; we are leaving anyway
        log.debug("disconnect failed", exc_info=True)
    task = getattr(client, "_run_out_filters", None)
    if task is not None and not task.done():
        task.cancel()
