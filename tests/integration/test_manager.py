"""Integration tests of the connection manager against the real Prosody (nothing mocked)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.harness.proxy import RecordingProxy
from tests.integration.helpers import Recorder, account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.model import ConnectionState, Direction, MessageState, Show
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


def _manager(*configs: object) -> tuple[ConnectionManager, EventBus, Store, Recorder]:
    bus, store = EventBus(), Store.memory()
    recorder = Recorder(bus)
    return ConnectionManager(list(configs), store, bus), bus, store, recorder  # type: ignore[arg-type]


async def test_two_accounts_over_starttls_and_direct_tls_talk_both_ways(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """One manager, two accounts (STARTTLS and direct TLS, test CA verified), both directions."""
    a, b = account("alice"), account("bob")
    manager, _bus, store, rec = _manager(
        account_config(prosody, a.jid, a.password),
        account_config(prosody, b.jid, b.password, direct_tls=True),
    )
    await manager.start()
    try:
        states = await manager.wait_connected(15)
        assert set(states.values()) == {ConnectionState.CONNECTED}, states
        sent = await manager.send_message(a.jid, b.jid, "hello over starttls")
        got = await rec.wait(ev.MessageReceived, lambda e: e.account == b.jid)
        assert got[0].message.body == "hello over starttls"
        assert got[0].message.direction == Direction.IN
        assert got[0].message.conversation == a.jid
        await rec.wait(
            ev.MessageStateChanged,
            lambda e: e.message_id == sent.id and e.state == MessageState.ACKED,
        )
        await manager.send_message(b.jid, a.jid, "and back over direct tls")
        back = await rec.wait(
            ev.MessageReceived, lambda e: e.account == a.jid and e.message.direction == "in"
        )
        assert back[0].message.body == "and back over direct tls"
        assert [m.body for m in store.history(b.jid, a.jid)] == [
            "hello over starttls",
            "and back over direct tls",
        ]
    finally:
        await manager.stop()
    assert rec.of(ev.ConnectionStateChanged)[-1].state == ConnectionState.DISCONNECTED


async def test_untrusted_certificate_is_refused_and_nothing_is_sent(
    prosody_factory: Callable[..., ProsodyServer], account: Callable[..., TestAccount]
) -> None:
    """A server whose certificate our CA did not sign is refused; no credential crosses."""
    bad = prosody_factory(cert="untrusted")
    bad.register("victim", "s3cret-pass")
    proxy = await RecordingProxy(bad.host, bad.starttls_port).start()
    manager, _bus, _store, rec = _manager(
        account_config(bad, f"victim@{bad.domain}", "s3cret-pass", port=proxy.port)
    )
    try:
        await manager.start()
        [event] = await rec.wait(
            ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.CERT_REJECTED
        )
        assert "certificate" in event.reason.lower() or "issuer" in event.reason.lower()
        await asyncio.sleep(2.5)  # long enough for a retry, which must not happen
        assert proxy.connections == 2  # the attempt, and the probe that reads its certificate
        assert manager.state(f"victim@{bad.domain}")[0] == ConnectionState.CERT_REJECTED
        assert b"<auth" not in proxy.sent
        assert b"s3cret-pass" not in proxy.sent
    finally:
        await manager.stop()
        await proxy.stop()


async def test_server_without_starttls_is_refused_before_any_credential(
    prosody_factory: Callable[..., ProsodyServer],
) -> None:
    """A server that offers no STARTTLS is refused; the plain stream never carries auth."""
    plain = prosody_factory(starttls_offered=False)
    plain.register("victim", "s3cret-pass")
    proxy = await RecordingProxy(plain.host, plain.starttls_port).start()
    manager, _bus, _store, rec = _manager(
        account_config(plain, f"victim@{plain.domain}", "s3cret-pass", port=proxy.port)
    )
    try:
        await manager.start()
        [event] = await rec.wait(
            ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.FAILED
        )
        assert "starttls" in event.reason.lower()
        await asyncio.sleep(1.5)
        assert proxy.connections == 1
        wire = bytes(proxy.sent)
        assert b"<stream:stream" in wire  # we did talk to it, in the clear
        assert b"<auth" not in wire
        assert b"s3cret-pass" not in wire
        assert base64.b64encode(b"\0victim\0s3cret-pass") not in wire
    finally:
        await manager.stop()
        await proxy.stop()


async def test_wrong_password_fails_once_without_retrying(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A wrong password gives 'authentication failed' and no reconnect loop."""
    a = account("wrongpw")
    manager, _bus, _store, rec = _manager(account_config(prosody, a.jid, "not-the-password"))
    try:
        await manager.start()
        await rec.wait(ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.AUTH_FAILED)
        await asyncio.sleep(3)
        states = [e.state for e in rec.of(ev.ConnectionStateChanged)]
        assert states[-1] == ConnectionState.AUTH_FAILED
        assert states.count(ConnectionState.CONNECTING) == 1, states
        assert str(ConnectionState.AUTH_FAILED) == "authentication failed"
    finally:
        await manager.stop()


async def test_reconnects_by_itself_after_the_server_restarts(
    prosody_factory: Callable[..., ProsodyServer],
) -> None:
    """After Prosody stops and starts again, the manager is back without being told."""
    server = prosody_factory()
    jid, password = server.new_account("phoenix")
    manager, _bus, _store, rec = _manager(account_config(server, jid, password))
    try:
        await manager.start()
        await rec.wait(ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.CONNECTED)
        await asyncio.to_thread(server.stop)
        await rec.wait(ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.DISCONNECTED)
        await asyncio.sleep(1.0)  # let at least one attempt fail against the stopped server
        await asyncio.to_thread(server.start)
        await rec.wait(
            ev.ConnectionStateChanged,
            lambda e: e.state == ConnectionState.CONNECTED,
            count=2,
            timeout=30,
        )
        assert manager.state(jid)[0] == ConnectionState.CONNECTED
    finally:
        await manager.stop()


async def test_roster_presence_and_subscription_flow(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Adding a contact asks for presence; their answer and their presence reach the bus."""
    a, b = account("carol"), account("dave")
    manager, _bus, store, rec = _manager(account_config(prosody, a.jid, a.password))
    async with Peer.connect(prosody, b.jid, b.password, auto_authorize=False) as peer:
        await manager.start()
        await manager.wait_connected(10)
        await manager.add_contact(a.jid, b.jid, "Dave")
        asker = await asyncio.wait_for(peer.subscription_requests.get(), 10)
        assert asker == a.jid
        peer.authorize(a.jid)
        peer.subscribe(a.jid)  # and dave asks back
        [req] = await rec.wait(ev.SubscriptionRequested, lambda e: e.jid == b.jid)
        await manager.answer_subscription(a.jid, req.jid, accept=True)
        await rec.wait(ev.PresenceChanged, lambda e: e.jid.startswith(b.jid))
        peer.set_presence("dnd", "busy")
        p = (await rec.wait(ev.PresenceChanged, lambda e: e.show == Show.DND))[0]
        assert p.status == "busy"
        changed = await rec.wait(
            ev.ContactChanged, lambda e: e.contact.jid == b.jid and e.contact.name == "Dave"
        )
        assert changed
        cached = {c.jid: c for c in store.roster(a.jid)}
        assert cached[b.jid].name == "Dave"
        await manager.stop()


async def test_edited_accounts_apply_without_a_restart(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A new account connects, a removed one disconnects, an untouched one stays connected."""
    from dataclasses import replace

    a, b = account("keep"), account("later")
    config_a = account_config(prosody, a.jid, a.password)
    config_b = account_config(prosody, b.jid, b.password)
    manager, _bus, _store, rec = _manager(config_a)
    await manager.start()
    try:
        await manager.wait_connected(10)
        await manager.apply_accounts([config_a, config_b])
        await rec.wait(
            ev.ConnectionStateChanged,
            lambda e: e.account == b.jid and e.state == ConnectionState.CONNECTED,
        )
        assert manager.accounts == (a.jid, b.jid)
        a_events = len(rec.of(ev.ConnectionStateChanged, lambda e: e.account == a.jid))
        await manager.apply_accounts([replace(config_a, enabled=False), config_b])
        await rec.wait(
            ev.ConnectionStateChanged,
            lambda e: e.account == a.jid and e.state == ConnectionState.DISCONNECTED,
        )
        assert manager.accounts == (b.jid,)
        assert manager.state(b.jid)[0] == ConnectionState.CONNECTED
        assert len(rec.of(ev.ConnectionStateChanged, lambda e: e.account == a.jid)) > a_events
    finally:
        await manager.stop()


async def test_subscription_request_waits_for_the_user_then_requester_sees_to(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A stranger's request is left pending (never refused by itself); after the user accepts,
    the requester's roster says ``to`` (or ``both``), as the requester sees it."""
    a, b = account("erin"), account("frank")
    manager, _bus, _store, rec = _manager(account_config(prosody, a.jid, a.password))
    refused: list[str] = []
    async with Peer.connect(prosody, b.jid, b.password, auto_authorize=False) as peer:
        peer.client.add_event_handler(
            "presence_unsubscribed", lambda p: refused.append(str(p["from"]))
        )
        await manager.start()
        try:
            await manager.wait_connected(10)
            peer.subscribe(a.jid)
            [req] = await rec.wait(ev.SubscriptionRequested, lambda e: e.jid == b.jid)
            # Give a refusal time to arrive: the old client answered "unsubscribed" at once.
            await asyncio.sleep(0.5)
            assert refused == []
            item = peer.client.client_roster[a.jid]
            assert item["subscription"] == "none" and item["pending_out"]
            await manager.answer_subscription(a.jid, req.jid, accept=True)
            await peer.wait_until(lambda: peer.subscription(a.jid) in ("to", "both"), timeout=10)
        finally:
            await manager.stop()


async def test_local_settings_change_keeps_the_connection(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Muting a conversation (or bell, notify) rewrites the account's config, but must not
    reconnect: contacts would see us leave and come back, rooms would be left and rejoined.
    A changed resource does reconnect."""
    from dataclasses import replace

    a = account("quiet")
    config = account_config(prosody, a.jid, a.password)
    manager, _bus, _store, rec = _manager(config)
    await manager.start()
    try:
        await manager.wait_connected(10)
        session = manager.session(a.jid)
        before = len(rec.of(ev.ConnectionStateChanged))
        local = replace(config, muted=("noisy@example.test",), bell=True, notify=False)
        await manager.apply_accounts([local])
        await asyncio.sleep(0.5)
        assert manager.session(a.jid) is session
        assert session.config.muted == ("noisy@example.test",)
        assert len(rec.of(ev.ConnectionStateChanged)) == before
        assert manager.state(a.jid)[0] == ConnectionState.CONNECTED
        await manager.apply_accounts([replace(local, resource="elsewhere")])
        await rec.wait(
            ev.ConnectionStateChanged,
            lambda e: e.state == ConnectionState.CONNECTED,
            count=2,
            timeout=15,
        )
        assert manager.session(a.jid) is not session
    finally:
        await manager.stop()


async def test_reconnect_skips_the_wait_of_a_scheduled_retry(
    prosody_factory: Callable[..., ProsodyServer],
) -> None:
    """The server went away; a retry is due in a minute. Once it is back, reconnect connects
    at once instead of waiting (the status bar's /reconnect)."""
    from tuichat.xmpp.backoff import Backoff

    server = prosody_factory()
    jid, password = server.new_account("waiter")
    manager, _bus, _store, rec = _manager(account_config(server, jid, password))
    manager.session(jid).backoff = Backoff(base=60.0, cap=60.0)
    await manager.start()
    try:
        await manager.wait_connected(10)
        server.stop()
        [down] = await rec.wait(
            ev.ConnectionStateChanged, lambda e: "retrying in" in e.reason, timeout=15
        )
        assert down.state == ConnectionState.DISCONNECTED
        server.start()
        await manager.reconnect(jid)
        await rec.wait(
            ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.CONNECTED, count=2
        )
        await manager.reconnect(jid)  # connected: left alone
        await asyncio.sleep(0.3)
        assert manager.state(jid)[0] == ConnectionState.CONNECTED
    finally:
        await manager.stop()


async def test_a_message_to_an_account_that_does_not_exist_fails_with_the_reason(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """The server acks the message, then bounces it (service-unavailable): it ends failed,
    with the reason in words on the message itself, not a tick."""
    a = account("lonely")
    manager, _bus, store, rec = _manager(account_config(prosody, a.jid, a.password))
    await manager.start()
    try:
        await manager.wait_connected(10)
        nobody = f"nobody-{a.jid.split('@')[0]}@{prosody.domain}"
        sent = await manager.send_message(a.jid, nobody, "anyone there?")
        [failed] = await rec.wait(
            ev.MessageStateChanged,
            lambda e: e.message_id == sent.id and e.state == MessageState.FAILED,
        )
        assert nobody in failed.reason and "cannot receive" in failed.reason, failed.reason
        row = store.get_message(sent.id or 0)
        assert row is not None and row.state == MessageState.FAILED
        assert row.failure == failed.reason
    finally:
        await manager.stop()
