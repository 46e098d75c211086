"""Service discovery and feeds against the real Prosody: `tuichat disco`, `tuichat feed`, the
manager's cache and the server's contact addresses (XEP-0157)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import SubElement

import pytest

from tests.harness import XdgDirs
from tests.harness.peer import Peer, wait_until
from tests.harness.prosody import (
    DOMAIN,
    MUC_DOMAIN,
    PUBSUB_DOMAIN,
    ProsodyServer,
    TestAccount,
)
from tests.integration.cli_helpers import add_account, tuichat
from tests.integration.feeds_helpers import (
    PUBLISHER,
    PUBLISHER_PASSWORD,
    atom,
    make_node,
    services_server,
)
from tests.integration.helpers import Recorder, account_config
from tests.ui.test_live_prosody import befriend
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.store import Store
from tuichat.xmpp.features.pubsub import NS_EVENT
from tuichat.xmpp.manager import ConnectionManager


@pytest.fixture
def services(prosody_factory: Callable[..., ProsodyServer]) -> ProsodyServer:
    """A server with a PubSub component, contact addresses, and the publisher's account."""
    return services_server(prosody_factory)


def _json(result: Any) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_disco_of_the_server_and_of_the_chat_service(services: ProsodyServer, xdg: XdgDirs) -> None:
    """`tuichat disco --json` gives identities, features and items in the documented shape."""
    me, password = services.new_account("disco")
    add_account(xdg, services, me, password)
    server = _json(tuichat(xdg, "disco", DOMAIN, "--json"))
    assert set(server) == {"jid", "node", "identities", "features", "items"}
    assert server["jid"] == DOMAIN and server["node"] == ""
    assert {"category": "server", "type": "im", "name": "Prosody"} in server["identities"]
    assert "http://jabber.org/protocol/disco#info" in server["features"]
    assert {i["jid"] for i in server["items"]} >= {MUC_DOMAIN, PUBSUB_DOMAIN}
    assert all(set(i) == {"jid", "node", "name"} for i in server["items"])

    muc = _json(tuichat(xdg, "disco", MUC_DOMAIN, "--json"))
    assert any(i["category"] == "conference" and i["type"] == "text" for i in muc["identities"])
    assert "http://jabber.org/protocol/muc" in muc["features"]
    assert muc["items"] == []  # no rooms yet

    text = tuichat(xdg, "disco", PUBSUB_DOMAIN)
    assert text.returncode == 0, text.stderr
    assert "identity\tpubsub/service" in text.stdout

    bad = tuichat(xdg, "disco", "not a jid")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    gone = tuichat(xdg, "disco", "nowhere.example.net", "--timeout", "20")
    assert gone.returncode == 1 and gone.stderr.count("\n") == 1, gone.stderr
    assert gone.stderr.startswith(f"tuichat: {me}: cannot discover nowhere.example.net: ")


def test_fifty_entries_read_in_order_subscribe_and_search(
    services: ProsodyServer, xdg: XdgDirs
) -> None:
    """A peer publishes 50 Atom entries; `feed read --json` returns them in order, stored once
    each and searchable; subscribe and unsubscribe change the service's subscriptions."""
    me, password = services.new_account("reader")
    pub, pub_password = PUBLISHER, PUBLISHER_PASSWORD
    add_account(xdg, services, me, password)

    async def publish() -> None:
        async with Peer.connect(services, pub, pub_password) as peer:
            pubsub = await make_node(peer, "news")
            for n in range(50):
                await pubsub.publish(PUBSUB_DOMAIN, "news", id=f"item-{n:02d}", payload=atom(n))

    asyncio.run(publish())
    nodes = tuichat(xdg, "feed", "list", PUBSUB_DOMAIN, "--json")
    assert nodes.returncode == 0, nodes.stderr
    assert {"jid": PUBSUB_DOMAIN, "node": "news", "name": ""} in map(
        json.loads, nodes.stdout.splitlines()
    )

    for _ in range(2):  # read twice: the second stores nothing new, prints the same
        started = time.monotonic()
        read = tuichat(xdg, "feed", "read", PUBSUB_DOMAIN, "news", "--limit", "50", "--json")
        print(f"tuichat feed read (50 entries): {time.monotonic() - started:.2f} s")
        assert read.returncode == 0, read.stderr
        rows = [json.loads(line) for line in read.stdout.splitlines()]
        assert [r["title"] for r in rows] == [f"Entry {n:02d}" for n in range(50)]
        assert [r["id"] for r in rows] == [f"item-{n:02d}" for n in range(50)]
    assert rows[7] == {
        "service": PUBSUB_DOMAIN,
        "node": "news",
        "id": "item-07",
        "title": "Entry 07",
        "author": "Publisher Pat",
        "published": "2026-01-05T08:07:00Z",
        "summary": "summary of entry 7 about zebrafish",
        "link": "https://example.test/7",
    }
    found = tuichat(xdg, "search", "zebrafish", "--json", "--limit", "100")
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert len(hits) == 50
    assert {h["kind"] for h in hits} == {"feed"}
    assert {h["conversation"] for h in hits} == {f"{PUBSUB_DOMAIN}/news"}

    assert tuichat(xdg, "feed", "subscribe", PUBSUB_DOMAIN, "news").returncode == 0

    async def subscribers() -> set[str]:
        async with Peer.connect(services, pub, pub_password) as peer:
            peer.client.register_plugin("xep_0060")
            iq = await peer.client.plugin["xep_0060"].get_node_subscriptions(PUBSUB_DOMAIN, "news")
            return {
                str(s["jid"])
                for s in iq["pubsub_owner"]["subscriptions"]
                if s["subscription"] == "subscribed"
            }

    assert me in asyncio.run(subscribers())
    assert tuichat(xdg, "feed", "unsubscribe", PUBSUB_DOMAIN, "news").returncode == 0
    assert me not in asyncio.run(subscribers())

    missing = tuichat(xdg, "feed", "read", PUBSUB_DOMAIN, "no-such-node", "--json")
    assert missing.returncode == 1
    assert "no-such-node" in missing.stderr and missing.stderr.count("\n") == 1


async def test_contacts_cache_and_live_entries(services: ProsodyServer) -> None:
    """The server's contact addresses (XEP-0157); disco#info asked once per stream; a
    subscribed node's new entry arrives as an event and is stored."""
    me, password = services.new_account("live")
    pub, pub_password = PUBLISHER, PUBLISHER_PASSWORD
    bus, store = EventBus(), Store.memory()
    recorder = Recorder(bus)
    manager = ConnectionManager([account_config(services, me, password)], store, bus)
    await manager.start()
    try:
        await manager.wait_connected(15)
        contacts = await manager.server_contacts(me)
        assert contacts == {
            "abuse": ("mailto:abuse@example.test", "xmpp:abuse@example.test"),
            "admin": ("xmpp:admin@example.test",),
        }
        session = manager.session(me)
        disco = session.disco
        assert disco is not None
        for _ in range(200):  # the search for the server's chat services asks through the cache
            if session.muc_services is not None:
                break
            await asyncio.sleep(0.05)
        assert session.muc_services == {MUC_DOMAIN}
        assert (MUC_DOMAIN, "") in disco.cache
        asked = disco.asked
        first = await manager.disco_info(me, MUC_DOMAIN)
        again = await manager.disco_info(me, MUC_DOMAIN)
        assert first == again and first.is_chat_service
        assert disco.asked == asked  # both came from the cache
        await manager.disco_info(me, MUC_DOMAIN, refresh=True)
        assert disco.asked == asked + 1

        # A notification goes to the bare JID: only to an available resource (our presence
        # follows the catch-up), or it is dropped as a headline to nobody.
        await asyncio.wait_for(session.synced.wait(), 15)
        async with Peer.connect(services, pub, pub_password) as peer:
            pubsub = await make_node(peer, "live")
            await pubsub.publish(PUBSUB_DOMAIN, "live", id="first", payload=atom(1))
            assert [e.title for e in await manager.read_feed(me, PUBSUB_DOMAIN, "live")] == [
                "Entry 01"
            ]
            await manager.subscribe_feed(me, PUBSUB_DOMAIN, "live")
            await pubsub.publish(PUBSUB_DOMAIN, "live", id="second", payload=atom(2, "Breaking"))
            [got] = await recorder.wait(
                ev.FeedEntriesReceived, lambda e: any(x.title == "Breaking" for x in e.entries)
            )
            assert (got.service, got.node) == (PUBSUB_DOMAIN, "live")
            # A user forging a notification of that node (and of another) is not believed.
            for node in ("live", "spam"):
                forged = peer.client.make_message(mto=me, mtype="headline")
                event = SubElement(forged.xml, f"{{{NS_EVENT}}}event")
                items = SubElement(event, f"{{{NS_EVENT}}}items", node=node)
                SubElement(items, f"{{{NS_EVENT}}}item", id=f"forged-{node}").append(
                    atom(3, "Forged")
                )
                forged.send()
            peer.send(me, "after the forgeries")
            await recorder.wait(ev.MessageReceived, lambda e: e.message.body.startswith("after"))
        stored = manager.feed_entries(me, PUBSUB_DOMAIN, "live")
        assert [(e.title, e.unread) for e in stored] == [("Entry 01", True), ("Breaking", True)]
        assert not recorder.of(
            ev.FeedEntriesReceived, lambda e: any(x.title == "Forged" for x in e.entries)
        )
        assert [(f.node, f.unread) for f in manager.feeds(me)] == [("live", 2)]
        manager.mark_feed_read(me, PUBSUB_DOMAIN, "live")
        assert manager.feeds(me)[0].unread == 0
        # A feed is not a chat: only the publisher's chat message is a conversation.
        assert [c.conversation for c in store.conversations(me)] == [PUBLISHER]
    finally:
        await manager.stop()


async def test_peers_features_come_from_their_capabilities(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Two contacts running the same software announce one capabilities hash: their info is
    answered from slixmpp's caps cache, without a disco#info question of ours."""
    me, bob, carol = account("capsme"), account("capsbob"), account("capscarol")
    async with (
        Peer.connect(prosody, bob.jid, bob.password) as pb,
        Peer.connect(prosody, carol.jid, carol.password) as pc,
    ):
        for other in (pb, pc):
            await befriend(prosody, me, other, other.bare)
        manager = ConnectionManager(
            [account_config(prosody, me.jid, me.password)], Store.memory(), EventBus()
        )
        await manager.start()
        try:
            await manager.wait_connected(15)
            session = manager.session(me.jid)
            caps = session.client.plugin["xep_0115"]

            async def known(jid: str) -> bool:
                return await caps.get_caps(jid=jid) is not None

            for peer in (pb, pc):
                await wait_until(lambda peer=peer: known(peer.jid), timeout=10)
            disco = session.disco
            assert disco is not None
            asked = disco.asked
            infos = [await manager.disco_info(me.jid, p.jid) for p in (pb, pc)]
            assert disco.asked == asked  # both from the capabilities cache
            assert infos[0].features == infos[1].features
            assert "http://jabber.org/protocol/disco#info" in infos[0].features
            assert infos[0].has_identity("client")
        finally:
            await manager.stop()
