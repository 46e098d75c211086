"""The TLS context every client is built with: the system CA store, loaded once, checks on."""

from __future__ import annotations

import ssl

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
