"""Provides tests of the test harness itself against the real Prosody (servers, PKI, peers)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable

import pytest

from tests.harness.peer import Peer, PeerConnectError
from tests.harness.prosody import ProsodyServer, TestAccount, stray_pids


@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct_tls"])
async def test_two_peers_exchange_messages_both_ways(
    prosody: ProsodyServer, account: Callable[..., TestAccount], direct_tls: bool
) -> None:
    """Two peers talk both ways over each TLS mode, with server stanza-ids and origin-ids."""
    alice, bob = account("alice"), account("bob")
    async with (
        Peer.connect(prosody, alice.jid, alice.password, direct_tls=direct_tls) as pa,
        Peer.connect(prosody, bob.jid, bob.password, direct_tls=direct_tls) as pb,
    ):
        assert pa.bare == alice.jid
        sent = pa.send(bob.jid, "hello bob")
        got = await pb.wait_message(lambda m: m.body == "hello bob")
        assert got.from_.startswith(alice.jid + "/")
        assert got.origin_id == sent
        assert got.stanza_id  # Prosody's mod_mam stamps XEP-0359 stanza-ids
        pb.send(alice.jid, "hello alice")
        back = await pa.wait_message(timeout=5)
        assert back.body == "hello alice"
        assert back.from_.startswith(bob.jid + "/")


async def test_restart_keeps_accounts(
    prosody_factory: Callable[..., ProsodyServer],
) -> None:
    """restart() keeps the data dir and ports, so an account made before still logs in."""
    server = prosody_factory()
    jid, password = server.new_account("keep")
    ports = (server.starttls_port, server.direct_tls_port, server.http_port)
    old_pid = server.pid
    server.restart()
    assert server.pid != old_pid
    assert (server.starttls_port, server.direct_tls_port, server.http_port) == ports
    async with Peer.connect(server, jid, password) as peer:
        assert peer.bare == jid


@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct_tls"])
async def test_untrusted_certificate_is_refused(
    prosody_factory: Callable[..., ProsodyServer], direct_tls: bool
) -> None:
    """A peer trusting only the test CA refuses a server whose cert another CA signed."""
    server = prosody_factory(cert="untrusted")
    jid, password = server.new_account("victim")
    with pytest.raises(PeerConnectError) as info:
        await Peer.open(server, jid, password, direct_tls=direct_tls, timeout=5)
    assert info.value.event == "ssl_invalid_chain"
    assert isinstance(info.value.detail, ssl.SSLError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value.detail)


async def test_wrong_password_fails_clearly(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A bad password surfaces as a failed_auth PeerConnectError, not a timeout."""
    acc = account("badpw")
    with pytest.raises(PeerConnectError) as info:
        await Peer.open(prosody, acc.jid, acc.password + "x", timeout=5)
    assert info.value.event == "failed_auth"


def test_no_starttls_variant_offers_no_starttls(
    prosody: ProsodyServer, prosody_factory: Callable[..., ProsodyServer]
) -> None:
    """The no-STARTTLS server's features lack <starttls/>; the normal one requires it."""
    plain = prosody_factory(starttls_offered=False)
    assert "urn:ietf:params:xml:ns:xmpp-tls" not in plain.stream_features()
    normal = prosody.stream_features()
    assert "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>" in normal


def test_stop_leaves_no_process(prosody_factory: Callable[..., ProsodyServer]) -> None:
    """stop() ends the Prosody process: nothing keeps running this server's config."""
    server = prosody_factory(max_archive_query_results=50)
    assert "max_archive_query_results = 50" in server.config_path.read_text()
    assert stray_pids(server)
    server.stop()
    assert not server.running
    assert stray_pids(server) == []


async def test_muc_join_and_message(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Peers can create/join a room and see each other's groupchat messages."""
    alice, bob = account("alice"), account("bob")
    room = f"harness-{alice.user}@{prosody.muc_domain}"
    async with (
        Peer.connect(prosody, alice.jid, alice.password) as pa,
        Peer.connect(prosody, bob.jid, bob.password) as pb,
    ):
        await pa.join_room(room, "Alice")
        await pb.join_room(room, "Bob")
        pa.send_room(room, "hi room")
        got = await pb.wait_message(lambda m: m.body == "hi room", queue=pb.room_messages)
        assert got.from_ == f"{room}/Alice"
        assert got.stanza_id


async def test_subscription_helpers(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A manual peer sees the request and authorizes; an auto peer approves on its own."""
    alice, bob = account("alice"), account("bob")
    async with (
        Peer.connect(prosody, alice.jid, alice.password, auto_authorize=False) as pa,
        Peer.connect(prosody, bob.jid, bob.password) as pb,
    ):
        pb.subscribe(alice.jid)
        assert await asyncio.wait_for(pa.subscription_requests.get(), 5) == bob.jid
        pa.authorize(bob.jid)
        await pb.wait_until(lambda: pb.subscription(alice.jid) == "to", timeout=5)
        pa.subscribe(bob.jid)  # bob approves automatically
        await pa.wait_until(lambda: pa.subscription(bob.jid) == "both", timeout=5)
        pb.set_presence("away", "lunch")
        await pa.wait_until(lambda: pa.is_online(bob.jid), timeout=5)

        def bob_away() -> bool:
            resources = pa.client.client_roster[bob.jid].resources.values()
            return any(r["show"] == "away" and r["status"] == "lunch" for r in resources)

        await pa.wait_until(bob_away, timeout=5)
