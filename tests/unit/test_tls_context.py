"""The TLS context every client is built with: the system CA store, read as chains need it,
chain and host name checked; a real handshake on loopback shows which CAs it trusts."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from tests.harness.pki import PKI, make_pki
from tuichat import tls_contexts
from tuichat.xmpp.connect import new_client
from tuichat.xmpp.features.upload import https_context


def paths_with(
    folder: Path, bundle: Path | None = None, default: str = ""
) -> ssl.DefaultVerifyPaths:
    """OpenSSL's paths as ``get_default_verify_paths`` gives them: the CA folder ``folder``, the
    bundle ``bundle`` (``SSL_CERT_FILE``'s, or OpenSSL's own ``default``)."""
    cafile = str(bundle) if bundle else None
    return ssl.DefaultVerifyPaths(cafile, str(folder), "SSL_CERT_FILE", default, "SSL_CERT_DIR", "")


def hashed_folder_of(folder: Path, *cas: Path) -> Path:
    """``folder`` holding ``cas`` under their subject hashes, as ``update-ca-certificates``
    leaves /etc/ssl/certs (``openssl rehash`` names them)."""
    folder.mkdir()
    for ca in cas:
        shutil.copy(ca, folder / ca.name)
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    return folder


@pytest.fixture
def pkis(tmp_path: Path) -> tuple[PKI, PKI]:
    return make_pki(tmp_path / "ours"), make_pki(tmp_path / "other", "another CA")


@pytest.fixture
def server(pkis: tuple[PKI, PKI]) -> Iterator[int]:
    """A TLS server on loopback with a certificate for ``localhost`` from our CA; its port."""
    ours = pkis[0]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ours.server_cert, ours.server_key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass  # the client refused the certificate

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(10)


def handshake(context: ssl.SSLContext, port: int) -> None:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="localhost"),
    ):
        pass


def test_a_ca_in_the_hashed_folder_is_read_only_when_a_chain_needs_it(
    tmp_path: Path, pkis: tuple[PKI, PKI], server: int
) -> None:
    """No CA is parsed when the context is made (the whole bundle was, ~30–50 ms each); the
    handshake with a server our CA signed reads ours from the folder and succeeds."""
    folder = hashed_folder_of(tmp_path / "certs", pkis[1].ca_cert, pkis[0].ca_cert)
    context = tls_contexts.new_verified(paths_with(folder))
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509"] == 0
    handshake(context, server)
    assert context.cert_store_stats()["x509_ca"] == 1


def test_a_server_no_ca_in_the_folder_signed_is_refused(
    tmp_path: Path, pkis: tuple[PKI, PKI], server: int
) -> None:
    folder = hashed_folder_of(tmp_path / "certs", pkis[1].ca_cert)
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        handshake(tls_contexts.new_verified(paths_with(folder)), server)


def test_without_a_hashed_folder_or_with_a_bundle_of_ones_own_everything_is_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder with no hashed names (or none at all), or ``SSL_CERT_FILE`` naming a bundle
    other than OpenSSL's default: OpenSSL's default paths, loaded whole (they honour it)."""
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "some-ca.pem").write_text("")
    hashed = hashed_folder_of(tmp_path / "certs", make_pki(tmp_path / "ca").ca_cert)
    default = tmp_path / "cert.pem"
    default.write_text("")
    (tmp_path / "default-again.pem").symlink_to(default)
    own = tmp_path / "own.pem"
    own.write_text("")
    loads: list[ssl.SSLContext] = []
    monkeypatch.setattr(ssl.SSLContext, "load_default_certs", lambda self: loads.append(self))
    for paths in (
        paths_with(plain),
        paths_with(tmp_path / "missing"),
        paths_with(hashed, own, str(default)),
    ):
        assert tls_contexts.hashed_folder(paths) is None
        tls_contexts.new_verified(paths)
    assert len(loads) == 3
    for same in (default, tmp_path / "default-again.pem"):
        assert tls_contexts.hashed_folder(paths_with(hashed, same, str(default))) == str(hashed)
    assert tls_contexts.hashed_folder(paths_with(hashed)) == str(hashed)


def test_a_new_client_verifies_with_the_system_store() -> None:
    """Chain and host name are checked against the system store: read as chains need it where
    the system has a hashed folder (Debian's /etc/ssl/certs), else loaded whole."""
    client = new_client("me@example.test/tuichat", "secret")
    context = client.ssl_context
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert client.ca_certs is None  # the account's ca_file is added by configure_tls
    loaded = context.cert_store_stats()["x509"]
    assert (loaded == 0) if tls_contexts.hashed_folder() is not None else (loaded > 0)


def test_file_transfers_trust_the_system_store_and_the_account_ca_file(
    tmp_path: Path, pkis: tuple[PKI, PKI], server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a private server's CA file set, a file on another server (whose CA is in the
    system store) is still fetched, and the CA file is trusted too, as the XMPP connection
    does. Before, uploads and downloads trusted the CA file alone."""
    ours, private = pkis
    system = hashed_folder_of(tmp_path / "system", ours.ca_cert)  # signed the server's certificate
    monkeypatch.setenv("SSL_CERT_DIR", str(system))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-bundle.pem"))
    session = SimpleNamespace(config=SimpleNamespace(ca_file=private.ca_cert))
    context = https_context(cast(Any, session))
    trusted = [dict(item[0] for item in ca["subject"]) for ca in context.get_ca_certs()]
    assert trusted == [{"commonName": "another CA"}]  # the CA file, read whole at once
    handshake(context, server)
