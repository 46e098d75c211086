"""Provides the probe that reads a server's certificate without sending any credential.

Used when the CA store refused a certificate and the account pins none: to show the user what
they are asked to trust, we connect once more and stop right after the TLS handshake. For
direct TLS that is a handshake with verification off; for STARTTLS we say just enough XMPP
(the stream header, ``<starttls/>``) to get ``<proceed/>``, then shake hands. Nothing after the
handshake is sent: no stream restart, no SASL, no password (this code never has one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from tuichat import tls_contexts
from tuichat.certificates import fingerprint
from tuichat.xmpp.connect import TLS_NS

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 5.0
"""Seconds the whole probe may take."""
MAX_PREAMBLE_BYTES = 64 * 1024
"""What the server may send before ``<proceed/>``; a real one sends well under 2 KiB."""
STREAM_NS = "http://etherx.jabber.org/streams"


class ProbeFailed(Exception):
    """The certificate could not be read; ``str(exc)`` says why."""


def stream_header(domain: str) -> bytes:
    """The client's opening stream header for ``domain`` (RFC 6120 §4.7)."""
    # Here, not at the top: xml.sax.saxutils imports urllib.request and email (~1 MiB
    # resident), and an account probes a certificate rarely.
    from xml.sax.saxutils import quoteattr

    return (
        f"<?xml version='1.0'?><stream:stream to={quoteattr(domain)} version='1.0' "
        f"xmlns='jabber:client' xmlns:stream='{STREAM_NS}'>"
    ).encode()


class _Preamble:
    """What the server says before TLS, read element by element (bounded)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.received = 0

    async def until(self, wanted: str) -> str:
        """Read until ``wanted`` (or ``failure``) closes as a child of the stream; return the
        local name of what closed."""
        try:
            return await self._until(wanted)
        except ParseError:
            raise ProbeFailed("the server sent malformed XML") from None

    async def _until(self, wanted: str) -> str:
        while True:
            for event in self.parser.read_events():
                kind, element = event[0], event[-1]
                if not isinstance(element, Element):
                    continue
                if kind == "start":
                    self.depth += 1
                    continue
                self.depth -= 1
                name = str(element.tag).rpartition("}")[2]
                if self.depth == 1 and name in (wanted, "failure"):
                    return name
                if self.depth == 0:
                    raise ProbeFailed("the server closed the stream")
            data = await self.reader.read(4096)
            if not data:
                raise ProbeFailed("the server closed the connection")
            self.received += len(data)
            if self.received > MAX_PREAMBLE_BYTES:
                raise ProbeFailed("the server sent too much before TLS")
            self.parser.feed(data)


async def _starttls(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, domain: str
) -> None:
    preamble = _Preamble(reader)
    writer.write(stream_header(domain))
    if await preamble.until("features") != "features":
        raise ProbeFailed("the server refused the stream")
    writer.write(f"<starttls xmlns='{TLS_NS}'/>".encode())
    if await preamble.until("proceed") != "proceed":
        raise ProbeFailed("the server refused to start TLS")
    await writer.start_tls(tls_contexts.new_unverified(), server_hostname=domain)


async def offered_certificate(
    host: str, port: int, *, direct_tls: bool, domain: str, timeout: float = PROBE_TIMEOUT
) -> bytes:
    """The DER bytes of the certificate the server at ``host:port`` offers for ``domain``.

    Raises :class:`ProbeFailed` (or ``OSError``, ``ssl.SSLError``, ``TimeoutError``) when it
    cannot be read.
    """
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            if direct_tls:
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls_contexts.new_unverified(), server_hostname=domain
                )
            else:
                reader, writer = await asyncio.open_connection(host, port)
                await _starttls(reader, writer, domain)
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    finally:
        if writer is not None:
            writer.transport.abort()  # nothing more to say: no closing handshake to wait for
            with contextlib.suppress(Exception):
                await writer.wait_closed()
    if not der:
        raise ProbeFailed("the server offered no certificate")
    return bytes(der)


async def offered_fingerprint(host: str, port: int, *, direct_tls: bool, domain: str) -> str | None:
    """The fingerprint of :func:`offered_certificate`, or None (logged) when it cannot be read."""
    try:
        der = await offered_certificate(host, port, direct_tls=direct_tls, domain=domain)
    except Exception as exc:  # ProbeFailed, OSError, TimeoutError…: the account must not hang
        log.info("could not read the certificate of %s:%s: %s", host, port, exc)
        return None
    return fingerprint(der)
