"""Provides the mapping of slixmpp's and ssl's failures onto :mod:`tuichat.errors`, in words.

Rule: slixmpp and ssl exceptions never leave ``tuichat.xmpp``; callers (the UI, the CLI) see
:class:`tuichat.errors.ClientError` and its kinds, each with a message a person can act on.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from errno import ECONNREFUSED
from xml.etree.ElementTree import Element

from tuichat.errors import ClientError, NoAnswer

NS_CLIENT = "jabber:client"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def describe_ssl_error(exc: BaseException) -> str:
    """One line explaining a TLS failure, without the OpenSSL noise."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return exc.verify_message or str(exc)
    if isinstance(exc, ssl.SSLError):
        return exc.reason or str(exc)
    return str(exc) or type(exc).__name__


def is_certificate_error(exc: BaseException | str | None) -> bool:
    """Whether ``exc`` is a certificate verification failure."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return True
    return isinstance(exc, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(exc)


_ERRNO = re.compile(r"\[Errno (\d+)\]")


def is_refused(exc: BaseException) -> bool:
    """Whether every address tried refused the connection (nothing listens there).

    asyncio reports several addresses (``localhost``: ::1 and 127.0.0.1) as one plain OSError
    whose text lists each ``[Errno N]``.
    """
    if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == ECONNREFUSED:
        return True
    codes = set(_ERRNO.findall(str(exc))) if isinstance(exc, OSError) else set()
    return codes == {str(ECONNREFUSED)}


def describe_connect_error(exc: BaseException | str | None, where: str = "") -> str:
    """One line explaining why a connection attempt failed; ``where`` is ``host:port``."""
    at = f" at {where}" if where else ""
    if exc is None:
        return "connection lost"
    if isinstance(exc, str):
        return exc
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {describe_ssl_error(exc)}"
    if is_refused(exc):
        return f"connection refused{at}"
    if isinstance(exc, TimeoutError):
        return f"timed out{at}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror.lower()}{at}"
    return str(exc) or type(exc).__name__


_CONDITIONS = {
    "bad-request": "the request was malformed",
    "conflict": "it conflicts with what the server has",
    "feature-not-implemented": "the server does not support this",
    "forbidden": "you are not allowed to do this",
    "item-not-found": "there is no such item",
    "jid-malformed": "the address is malformed",
    "not-acceptable": "the server did not accept it",
    "not-allowed": "the server does not allow this",
    "not-authorized": "you are not authorised to do this",
    "policy-violation": "it breaks the server's policy",
    "remote-server-not-found": "the other server cannot be found",
    "remote-server-timeout": "the other server does not answer",
    "resource-constraint": "the server is too busy",
    "service-unavailable": "the service is not available",
    "internal-server-error": "the server failed internally",
}


def condition_words(condition: str, text: str = "") -> str:
    """An XMPP error condition (RFC 6120 §8.3.3) in words, with the server's own text."""
    words = _CONDITIONS.get(condition, condition or "the server said no")
    return f"{words} (server: {text})" if text else words


@contextmanager
def map_exceptions(action: str) -> Iterator[None]:
    """Turn slixmpp's ``IqError``/``IqTimeout`` raised inside into :class:`ClientError`.

    ``action`` says what was being done ("add bob@example.org"), so the message reads
    "cannot add bob@example.org: you are not allowed to do this".
    """
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        yield
    except IqError as exc:
        error = exc.iq["error"]
        words = condition_words(error["condition"] or "", error["text"] or "")
        raise ClientError(f"cannot {action}: {words}") from None
    except IqTimeout:
        raise NoAnswer(f"cannot {action}: the server did not answer in time") from None


def error_condition(xml: Element) -> tuple[str, str]:
    """The ``(condition, text)`` of a stanza's ``<error/>`` (empty strings when absent)."""
    error = xml.find(f"{{{NS_CLIENT}}}error")
    if error is None:
        error = xml.find("error")
    if error is None:
        return "", ""
    condition, text = "", ""
    for child in error:
        if not child.tag.startswith(f"{{{NS_STANZAS}}}"):
            continue
        name = child.tag.rpartition("}")[2]
        if name == "text":
            text = (child.text or "").strip()
        elif not condition:
            condition = name
    return condition, text


_BOUNCES = {
    "service-unavailable": "{who} cannot receive messages (no such account, or it refuses them)",
    "item-not-found": "{who} does not exist",
    "remote-server-not-found": "the server of {who} cannot be found",
    "remote-server-timeout": "the server of {who} does not answer",
    "forbidden": "{who} does not accept messages from you",
    "not-allowed": "{who} does not accept messages from you",
    "not-acceptable": "{who} did not accept the message",
    "policy-violation": "the message breaks a rule of {who}'s server",
    "resource-constraint": "{who} cannot take more messages now",
    "recipient-unavailable": "{who} is not available",
}


def bounce_words(who: str, condition: str, text: str = "") -> str:
    """Why a one-to-one message to ``who`` came back as an error, in words, with the server's
    own text."""
    template = _BOUNCES.get(condition)
    words = template.format(who=who) if template else f"{who}: {condition_words(condition)}"
    return f"{words} (server: {text})" if text else words
