"""Nothing lost, nothing twice: traffic both ways through cut connections and a server restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from xml.etree import ElementTree as ET

import pytest

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.harness.proxy import RecordingProxy
from tests.integration.helpers import Recorder, account_config
from tests.integration.omemo_helpers import archived_text
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.model import ConnectionState, Direction, Encryption
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


class Side:
    """One tuichat (manager + store + bus) for one account, connected through a proxy."""

    def __init__(
        self,
        server: ProsodyServer,
        acct: TestAccount,
        proxy: RecordingProxy,
        *,
        omemo: bool = False,
    ) -> None:
        self.jid = acct.jid
        self.bus, self.store = EventBus(), Store.memory()
        self.rec = Recorder(self.bus)
        config = replace(
            account_config(server, acct.jid, acct.password, port=proxy.port), omemo=omemo
        )
        self.manager = ConnectionManager([config], self.store, self.bus)

    async def send(self, to: str, body: str) -> None:
        await self.manager.send_message(self.jid, to, body)

    def bodies(self, peer: str, direction: Direction) -> list[str]:
        return [m.body for m in self.store.history(self.jid, peer) if m.direction == direction]

    def timeline(self, peer: str) -> str:
        """The conversation as stored, for a failure's message: order, times, ids."""
        return "\n".join(
            f"{m.timestamp.isoformat()} #{m.id} {m.direction.value} {m.body!r} "
            f"stanza-id={m.stanza_id} origin-id={m.origin_id}"
            for m in self.store.history(self.jid, peer)
        )

    def encryptions(self, peer: str) -> set[Encryption]:
        return {m.encryption for m in self.store.history(self.jid, peer)}

    async def connected(self, count: int) -> None:
        await self.rec.wait(
            ev.ConnectionStateChanged,
            lambda e: e.state == ConnectionState.CONNECTED,
            count=count,
            timeout=40,
        )


async def _settle(a: Side, b: Side, expected_a: list[str], expected_b: list[str]) -> None:
    """Wait until each side received everything the other sent and both outboxes are empty."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 40
    while loop.time() < deadline:
        if (
            len(b.bodies(a.jid, Direction.IN)) >= len(expected_a)
            and len(a.bodies(b.jid, Direction.IN)) >= len(expected_b)
            and not a.store.outbox(a.jid)
            and not b.store.outbox(b.jid)
        ):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # late duplicates would arrive now


@pytest.mark.parametrize("omemo", [False, True], ids=["plaintext", "omemo"])
async def test_messages_cross_cuts_and_a_server_restart_exactly_once_in_order(
    prosody_factory: Callable[..., ProsodyServer], omemo: bool
) -> None:
    """Both directions, through a TCP cut and a Prosody restart: all arrive, once, in order;
    with OMEMO on, every one of them encrypted (never late, never reordered by a key fetch)."""
    server = prosody_factory()
    acct_a = TestAccount(*server.new_account("ann"))
    acct_b = TestAccount(*server.new_account("ben"))
    proxy_a = await RecordingProxy(server.host, server.starttls_port).start()
    proxy_b = await RecordingProxy(server.host, server.starttls_port).start()
    a = Side(server, acct_a, proxy_a, omemo=omemo)
    b = Side(server, acct_b, proxy_b, omemo=omemo)
    sent_a: list[str] = []
    sent_b: list[str] = []

    async def burst(label: str, n: int = 5) -> None:
        for i in range(n):
            sent_a.append(f"a {label} {i}")
            await a.send(b.jid, sent_a[-1])
            sent_b.append(f"b {label} {i}")
            await b.send(a.jid, sent_b[-1])

    await a.manager.start()
    await b.manager.start()
    try:
        await a.connected(1)
        await b.connected(1)
        if omemo:
            await a.manager.set_encryption(a.jid, b.jid, Encryption.OMEMO)
            await b.manager.set_encryption(b.jid, a.jid, Encryption.OMEMO)
            # One side opens the encrypted sessions: two first messages crossing each other part
            # the sessions, and what is sent until they are repaired is lost to both sides
            # (test_omemo.py covers that repair).
            sent_a.append("a opens")
            await a.send(b.jid, sent_a[-1])
            await b.rec.wait(ev.MessageReceived, lambda e: e.message.body == "a opens", timeout=40)
            sent_b.append("b answers")
            await b.send(a.jid, sent_b[-1])
            await a.rec.wait(
                ev.MessageReceived, lambda e: e.message.body == "b answers", timeout=40
            )
        await burst("steady")
        await burst("cut", 3)  # some of these are in flight when the connections drop
        proxy_a.cut()
        proxy_b.cut()
        await burst("while-cut")
        await a.connected(2)
        await b.connected(2)
        await burst("after-cut")
        await asyncio.sleep(0.5)
        await asyncio.to_thread(server.stop)
        await burst("server-down")
        await asyncio.to_thread(server.start)
        await a.connected(3)
        await b.connected(3)
        await burst("after-restart")
        await _settle(a, b, sent_a, sent_b)
        assert b.bodies(a.jid, Direction.IN) == sent_a, b.timeline(a.jid)
        assert a.bodies(b.jid, Direction.IN) == sent_b, a.timeline(b.jid)
        assert a.bodies(b.jid, Direction.OUT) == sent_a
        assert b.bodies(a.jid, Direction.OUT) == sent_b
        assert a.store.outbox(a.jid) == [] and b.store.outbox(b.jid) == []
        if omemo:
            assert a.encryptions(b.jid) == b.encryptions(a.jid) == {Encryption.OMEMO}
            assert not [m for m in a.store.history(a.jid, b.jid) if m.undecrypted]
            assert not [m for m in b.store.history(b.jid, a.jid) if m.undecrypted]
            assert "a steady 0" not in archived_text(server)
    finally:
        await a.manager.stop()
        await b.manager.stop()
        await proxy_a.stop()
        await proxy_b.stop()


async def test_carbons_from_our_other_device_land_in_the_right_conversation(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """What our phone sends and receives shows up in tuichat, in the contact's conversation."""
    me, friend = account("multi"), account("friend")
    bus, store = EventBus(), Store.memory()
    rec = Recorder(bus)
    manager = ConnectionManager([account_config(prosody, me.jid, me.password)], store, bus)
    await manager.start()
    try:
        await manager.wait_connected(10)
        await asyncio.wait_for(manager.session(me.jid).synced.wait(), 20)
        async with (
            Peer.connect(prosody, f"{me.jid}/phone", me.password) as phone,
            Peer.connect(prosody, friend.jid, friend.password) as other,
        ):
            await phone.client.plugin["xep_0280"].enable()
            phone.send(friend.jid, "sent from my phone")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "sent from my phone")
            other.send(f"{me.jid}/phone", "to your phone only")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "to your phone only")
        rows = [(m.direction, m.body) for m in store.history(me.jid, friend.jid)]
        assert rows == [
            (Direction.OUT, "sent from my phone"),
            (Direction.IN, "to your phone only"),
        ]
    finally:
        await manager.stop()


async def test_forged_carbon_from_another_account_is_ignored(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A 'carbon' sent by someone else must not put words in a contact's mouth."""
    me, victim, mallory = account("target"), account("victim"), account("mallory")
    bus, store = EventBus(), Store.memory()
    manager = ConnectionManager([account_config(prosody, me.jid, me.password)], store, bus)
    rec = Recorder(bus)
    await manager.start()
    try:
        await manager.wait_connected(10)
        await asyncio.wait_for(manager.session(me.jid).synced.wait(), 20)
        async with Peer.connect(prosody, mallory.jid, mallory.password) as evil:
            forged = ET.fromstring(
                f"<message xmlns='jabber:client' to='{me.jid}/tuichat' type='chat'>"
                "<received xmlns='urn:xmpp:carbons:2'>"
                "<forwarded xmlns='urn:xmpp:forward:0'>"
                f"<message xmlns='jabber:client' from='{victim.jid}/x' to='{me.jid}' type='chat'>"
                "<body>I owe mallory money</body></message></forwarded></received></message>"
            )
            evil.client.send_raw(ET.tostring(forged, encoding="unicode"))
            evil.send(me.jid, "marker after the forgery")
            await rec.wait(
                ev.MessageReceived, lambda e: e.message.body == "marker after the forgery"
            )
        assert store.history(me.jid, victim.jid) == []
        assert all("money" not in m.body for m in store.history(me.jid, mallory.jid))
    finally:
        await manager.stop()
