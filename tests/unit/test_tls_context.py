"""The TLS context every client is built with: the system CA store, loaded once, checks on."""

from __future__ import annotations

import ssl
import threading

import pytest

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


def test_contexts_prepared_in_a_thread_are_handed_out_once_each_then_fresh_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The contexts the command prepares while it imports the XMPP layer are verified ones,
    each given to one client; once they are taken, a client gets a fresh one."""
    from tuichat import tls_contexts

    monkeypatch.setattr(tls_contexts, "_made", [])
    monkeypatch.setattr(tls_contexts, "_maker", None)
    makers: list[str] = []
    real = tls_contexts.new_verified

    def made() -> ssl.SSLContext:
        makers.append(threading.current_thread().name)
        return real()

    monkeypatch.setattr(tls_contexts, "new_verified", made)
    tls_contexts.prepare(2)
    tls_contexts.prepare(2)  # once per process
    given = [tls_contexts.verified() for _ in range(3)]
    assert makers == ["tls-contexts", "tls-contexts", "MainThread"]
    assert len({id(context) for context in given}) == 3
    for context in given:
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname
