"""The TLS context every client is built with: the system CA store, loaded once, checks on."""

from __future__ import annotations

import ssl
import threading

import pytest

from tuichat import tls
from tuichat.xmpp.connect import new_client


def test_a_new_client_verifies_with_the_system_store_loaded_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chain and host name are checked against the system store, which is read once (slixmpp's
    default context read it twice, a few tens of milliseconds each, on the way to login)."""
    loads: list[ssl.SSLContext] = []
    real = ssl.SSLContext.set_default_verify_paths

    def counted(context: ssl.SSLContext) -> None:
        loads.append(context)
        real(context)

    monkeypatch.setattr(ssl.SSLContext, "set_default_verify_paths", counted)
    client = new_client("me@example.test/tuichat", "secret")
    context = client.ssl_context
    assert loads == [context]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert client.ca_certs is None  # the account's ca_file is added by configure_tls


def test_the_first_context_is_read_ahead_in_a_thread_and_serves_one_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``prepare`` reads the store in a thread (the app calls it as it starts); the first client
    takes that context, the next one gets a new context of its own."""
    readers: list[str] = []
    real = ssl.SSLContext.set_default_verify_paths

    def counted(context: ssl.SSLContext) -> None:
        readers.append(threading.current_thread().name)
        real(context)

    monkeypatch.setattr(ssl.SSLContext, "set_default_verify_paths", counted)
    tls.prepare()
    tls.prepare()  # one at a time
    first = new_client("me@example.test", "secret").ssl_context
    assert readers == ["tls-context"]
    second = tls.verified_context()
    assert second is not first
    assert readers == ["tls-context", threading.current_thread().name]
    for context in (first, second):
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
