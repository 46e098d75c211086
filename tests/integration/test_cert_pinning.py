"""Integration tests of trust on first use and pinned certificates, against the real Prosody.

The untrusted server's certificate is signed by a CA the client is never told about, which is
what a self-signed certificate looks like to the client. What reached the server is read from
both ends: the recording proxy (no credential on the wire) and Prosody's debug log, which
records every element it receives, inside TLS too (no ``<auth`` before the user said yes).
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import ssl
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pytest

from tests.harness import XdgDirs
from tests.harness.pki import TestPKIs
from tests.harness.prosody import ProsodyServer
from tests.harness.proxy import RecordingProxy
from tests.integration.cli_helpers import add_account, config_file, tuichat
from tests.integration.helpers import Recorder, account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.certificates import fingerprint
from tuichat.config import AccountConfig
from tuichat.errors import ClientError
from tuichat.model import ConnectionState
from tuichat.store import Store
from tuichat.xmpp import probe
from tuichat.xmpp.certificate_trust import CertificateTrust
from tuichat.xmpp.manager import ConnectionManager

pytestmark = pytest.mark.prosody

PASSWORD = "s3cret-pass"
WRONG_PIN = "sha256:" + "ab" * 32
Make = Callable[..., ProsodyServer]


@pytest.fixture
def server(test_pki: TestPKIs) -> Iterator[Make]:
    """Return ``make(cert="untrusted"|"trusted")``: a started Prosody that logs at debug level
    (every element it receives), stopped after the test."""
    servers: list[ProsodyServer] = []
    # A short folder: Prosody cannot name the line of a repeated option (here `log`) in a
    # config file whose path Lua truncates, and refuses to start.
    folder = Path(tempfile.mkdtemp(prefix="tofu-"))

    def make(cert: Literal["trusted", "untrusted"] = "untrusted") -> ProsodyServer:
        base = folder / str(len(servers))
        sink = f'levels = {{ min = "debug" }}, to = "file", filename = "{base}/prosody.log"'
        started = ProsodyServer(
            base,
            trusted_pki=test_pki.trusted,
            pki=test_pki.untrusted if cert == "untrusted" else test_pki.trusted,
            extra_config=f"log = {{ {{ {sink} }} }}",
        )
        servers.append(started)
        started.start()
        return started

    try:
        yield make
    finally:
        for started in servers:
            started.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _server_fingerprint(server: ProsodyServer) -> str:
    """The fingerprint of the certificate ``server`` presents, from its PEM file."""
    return fingerprint(ssl.PEM_cert_to_DER_cert(server.pki.server_cert.read_text()))


def _manager(account: AccountConfig) -> tuple[ConnectionManager, Recorder]:
    bus = EventBus()
    recorder = Recorder(bus)
    return ConnectionManager([account], Store.memory(), bus), recorder


def _auth_received(server: ProsodyServer) -> list[str]:
    """The SASL ``<auth`` elements Prosody received, from its debug log."""
    lines = server.log_file.read_text().splitlines()
    return [line for line in lines if "Received[" in line and "<auth " in line]


def _assert_no_credential(proxy: RecordingProxy, user: str) -> None:
    wire = bytes(proxy.sent)
    assert b"<auth" not in wire
    assert PASSWORD.encode() not in wire
    assert base64.b64encode(f"\0{user}\0{PASSWORD}".encode()) not in wire


@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct-tls"])
async def test_an_untrusted_certificate_is_shown_and_nothing_is_sent_before_yes(
    server: Make, direct_tls: bool
) -> None:
    """The offered certificate's fingerprint is published, the account stays stopped, and
    no login reaches the server until the user trusts it; then it connects."""
    bad = server()
    jid = bad.register("victim", PASSWORD)
    port = bad.direct_tls_port if direct_tls else bad.starttls_port
    proxy = await RecordingProxy(bad.host, port).start()
    config = account_config(bad, jid, PASSWORD, direct_tls=direct_tls, port=proxy.port)
    manager, rec = _manager(config)
    try:
        await manager.start()
        [untrusted] = await rec.wait(ev.CertificateUntrusted)
        expected = _server_fingerprint(bad)
        assert (untrusted.account, untrusted.fingerprint) == (jid, expected)
        assert untrusted.host == f"{bad.host}:{proxy.port}"
        assert "certificate" in untrusted.reason
        state, reason = manager.state(jid)
        assert state == ConnectionState.CERT_REJECTED
        assert expected in reason and "press t on the Accounts screen (F4)" in reason
        await asyncio.sleep(2.5)  # long enough for a retry, which must not happen
        assert proxy.connections == 2  # the login attempt and the probe of its certificate
        assert manager.state(jid)[0] == ConnectionState.CERT_REJECTED
        _assert_no_credential(proxy, "victim")
        assert _auth_received(bad) == []

        await manager.trust_certificate(jid, untrusted.fingerprint)
        await rec.wait(ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.CONNECTED)
        assert _auth_received(bad) != []  # the oracle sees a login when there is one
    finally:
        await manager.stop()
        await proxy.stop()


@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct-tls"])
async def test_a_pinned_self_signed_certificate_connects_without_a_ca(
    server: Make, direct_tls: bool
) -> None:
    """`cert_fingerprint` alone is enough: no CA file, no question asked."""
    bad = server()
    jid, password = bad.new_account("pinned")
    config = replace(
        account_config(bad, jid, password, direct_tls=direct_tls),
        ca_file=None,
        cert_fingerprint=_server_fingerprint(bad),
    )
    manager, rec = _manager(config)
    try:
        await manager.start()
        await rec.wait(ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.CONNECTED)
        assert rec.of(ev.CertificateUntrusted) == []
    finally:
        await manager.stop()


@pytest.mark.parametrize("cert", ["untrusted", "trusted"])
async def test_a_changed_pinned_certificate_is_refused_before_auth(
    server: Make, cert: Literal["trusted", "untrusted"]
) -> None:
    """A certificate other than the pinned one is refused for good, with both fingerprints,
    before any login; even one the CA store would accept (`trusted`) is not taken silently."""
    pinned = server(cert)
    jid = pinned.register("victim", PASSWORD)
    proxy = await RecordingProxy(pinned.host, pinned.starttls_port).start()
    config = replace(
        account_config(pinned, jid, PASSWORD, port=proxy.port), cert_fingerprint=WRONG_PIN
    )
    manager, rec = _manager(config)
    try:
        await manager.start()
        [event] = await rec.wait(
            ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.CERT_REJECTED
        )
        offered = _server_fingerprint(pinned)
        assert event.reason == (
            f"the certificate of {pinned.domain} changed: pinned {WRONG_PIN}, offered "
            f"{offered}; if you expected this, remove cert_fingerprint from this account in "
            "the config"
        )
        await asyncio.sleep(2.5)
        assert proxy.connections == 1  # no retry, and no probe: the user has decided already
        assert manager.state(jid)[0] == ConnectionState.CERT_REJECTED
        assert rec.of(ev.CertificateUntrusted) == []
        _assert_no_credential(proxy, "victim")
        assert _auth_received(pinned) == []
        with pytest.raises(ClientError, match="pins another certificate"):
            await manager.trust_certificate(jid, offered)
    finally:
        await manager.stop()
        await proxy.stop()


async def test_the_guard_before_sasl_refuses_a_changed_certificate_on_its_own(
    server: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even without the check right after the handshake, SASL cannot run over a certificate
    that is not the pinned one: the guard in front of it checks again."""
    monkeypatch.setattr(CertificateTrust, "on_certificate", lambda self, pem: None)
    bad = server()
    jid = bad.register("victim", PASSWORD)
    config = replace(account_config(bad, jid, PASSWORD), cert_fingerprint=WRONG_PIN)
    manager, rec = _manager(config)
    try:
        await manager.start()
        [event] = await rec.wait(
            ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.CERT_REJECTED
        )
        assert f"pinned {WRONG_PIN}, offered {_server_fingerprint(bad)}" in event.reason
        await asyncio.sleep(1)
        assert _auth_received(bad) == []
    finally:
        await manager.stop()


async def test_a_certificate_trusted_once_that_changes_is_refused_then_asked_again(
    server: Make,
) -> None:
    """Trusted once, then another certificate: refused with both fingerprints; connecting
    again asks about the new one instead of taking it."""
    bad = server()
    jid, password = bad.new_account("once")
    manager, rec = _manager(account_config(bad, jid, password))
    try:
        await manager.start()
        await rec.wait(ev.CertificateUntrusted)
        await manager.trust_certificate(jid, WRONG_PIN)  # as if the certificate changed since
        [event] = await rec.wait(
            ev.ConnectionStateChanged,
            lambda e: e.state == ConnectionState.CERT_REJECTED and "changed" in e.reason,
        )
        assert f"trusted {WRONG_PIN}, offered {_server_fingerprint(bad)}" in event.reason
        await manager.reconnect(jid)
        await rec.wait(ev.CertificateUntrusted, count=2)
        assert _auth_received(bad) == []
    finally:
        await manager.stop()


async def _serve(answer: bytes) -> tuple[asyncio.Server, int]:
    """A loopback server that answers every connection with ``answer`` (then waits)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(4096)
        writer.write(answer)
        await writer.drain()
        await reader.read()  # until the probe leaves

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    return listener, int(listener.sockets[0].getsockname()[1])


FEATURES = (
    b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    b"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
    b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"
)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (FEATURES + b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", "refused to start TLS"),
        (FEATURES + b"</stream:stream>", "closed the stream"),
        (FEATURES + b"<x>" * 30_000, "too much before TLS"),
        (FEATURES[:-40] + b"<<", "malformed XML"),
        (b"", "timed out"),
    ],
    ids=["failure", "closed", "flood", "malformed", "silent"],
)
async def test_the_probe_gives_up_in_words_on_a_server_that_will_not_show_its_certificate(
    answer: bytes, words: str
) -> None:
    """A refusal, a closed stream, a flood or silence ends the probe, bounded and in words."""
    listener, port = await _serve(answer)
    try:
        with pytest.raises((probe.ProbeFailed, TimeoutError)) as info:
            await probe.offered_certificate(
                "127.0.0.1", port, direct_tls=False, domain="example.test", timeout=1.0
            )
        assert words in (str(info.value) or "timed out")
    finally:
        listener.close()


def test_headless_sync_names_the_fingerprint_and_a_pin_added_by_the_cli_connects(
    xdg: XdgDirs, prosody_factory: Callable[..., ProsodyServer]
) -> None:
    """`tuichat sync` says which certificate it refused (exit 1, one line); after `account add
    … --cert-fingerprint` with that fingerprint, `sync` connects (exit 0)."""
    bad = prosody_factory(cert="untrusted")
    jid, password = bad.new_account("cli")
    add_account(xdg, bad, jid, password)
    refused = tuichat(xdg, "sync")
    offered = _server_fingerprint(bad)
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and offered in refused.stderr, refused.stderr
    assert tuichat(xdg, "account", "remove", jid).returncode == 0
    added = tuichat(
        xdg, "account", "add", jid, "--password-stdin", "--host", bad.host,
        "--port", str(bad.starttls_port), "--cert-fingerprint", offered.upper(),
        stdin=password + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert f'cert_fingerprint = "{offered}"' in config_file(xdg).read_text()
    synced = tuichat(xdg, "sync")
    assert synced.returncode == 0, synced.stderr
