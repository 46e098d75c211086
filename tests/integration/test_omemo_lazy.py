"""The OMEMO engine loads when it is needed, not at every login, on real Prosody.

The first connect makes and publishes the identity; later ones leave python-omemo unloaded
until an encrypted message comes in or goes out (issue 15: memory after login). Loaded late,
the engine has missed the device-list notifications sent at our presence, so it fetches a
contact's list before its first encryption: a device the contact added meanwhile is not left
out. A start whose own device is missing from our published list loads it at once, and the
device is listed again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import Recorder, account_config
from tests.integration.omemo_helpers import OtherDevice, befriend, running
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.model import Direction, Encryption
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager
from tuichat.xmpp.omemo.rules import DEVICE_LIST_NODES, NS_OLDMEMO, listed_devices
from tuichat.xmpp.omemo.stage import ITEM_PATH

NS = NS_OLDMEMO


class Again:
    """tuichat started again on a store that already holds the accounts' identities."""

    def __init__(self, server: ProsodyServer, path: Path, *accounts: TestAccount) -> None:
        self.store = Store.open(path)
        self.bus = EventBus()
        self.rec = Recorder(self.bus)
        configs = [account_config(server, a.jid, a.password, resource="tc") for a in accounts]
        self.manager = ConnectionManager(configs, self.store, self.bus)

    async def __aenter__(self) -> Again:
        await self.manager.start()
        for session in self.manager.sessions.values():
            await asyncio.wait_for(session.synced.wait(), 20)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.manager.stop()
        self.store.close()

    def engine_loaded(self, jid: str) -> bool:
        return self.manager.session(jid).omemo is not None


def device_list(ids: list[int]) -> ET.Element:
    """An OMEMO 0.3 device list naming ``ids``."""
    root = ET.Element(f"{{{NS}}}list")
    for device_id in ids:
        ET.SubElement(root, f"{{{NS}}}device", id=str(device_id))
    return root


async def _own_listed(server: ProsodyServer, account: TestAccount) -> set[int]:
    """The device ids ``account`` publishes (OMEMO 0.3 list), read by a plain client."""
    async with Peer.connect(server, f"{account.jid}/look", account.password) as peer:
        pubsub = peer.client.plugin["xep_0060"]
        iq = await pubsub.get_item(account.jid, DEVICE_LIST_NODES[NS], "current", timeout=10)
        return listed_devices(iq.xml.find(ITEM_PATH), NS)


async def test_a_later_login_loads_omemo_only_when_a_message_needs_it(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    path = tmp_path / "store.sqlite3"
    async with running(prosody, a, b, path=path) as run:  # first connect: identities made
        await run.manager.send_message(a.jid, b.jid, "first")
        await run.rec.wait(ev.MessageReceived, lambda e: e.account == b.jid, timeout=20)
    async with Again(prosody, path, a, b):
        pass  # catches up the empty OMEMO message that completed the key exchange (decrypted)

    async with Again(prosody, path, a, b) as again:
        assert not again.engine_loaded(a.jid) and not again.engine_loaded(b.jid)
        # Bob adds a device while alice's engine is not loaded to hear of it.
        async with OtherDevice.open(prosody, b) as other:
            got: asyncio.Queue[Any] = asyncio.Queue()

            async def on_message(stanza: Any) -> None:
                if stanza.xml.find(f"{{{NS}}}encrypted") is not None:
                    decrypted, _device = await other.plugin.decrypt_message(stanza)
                    await got.put(decrypted["body"])

            other.peer.client.add_event_handler("message", on_message)
            assert again.manager.encryption(a.jid, b.jid) is Encryption.OMEMO
            sent = await again.manager.send_message(a.jid, b.jid, "second")
            assert sent.encryption is Encryption.OMEMO
            assert await asyncio.wait_for(got.get(), 20) == "second"  # the new device too
            [received] = await again.rec.wait(
                ev.MessageReceived,
                lambda e: e.account == b.jid and e.message.body == "second",
                timeout=20,
            )
        assert received.message.encryption is Encryption.OMEMO
        assert again.engine_loaded(a.jid) and again.engine_loaded(b.jid)
        rows = again.store.history(b.jid, a.jid)
        assert [(m.direction, m.body) for m in rows] == [
            (Direction.IN, "first"),
            (Direction.IN, "second"),
        ]


async def test_a_login_whose_device_was_unlisted_loads_omemo_and_lists_it_again(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    a = account("alice")
    path = tmp_path / "store.sqlite3"
    async with running(prosody, a, path=path):
        pass
    [own] = await _own_listed(prosody, a)
    # Another client of alice's publishes a list without this device.
    async with Peer.connect(prosody, f"{a.jid}/rude", a.password) as peer:
        await peer.client.plugin["xep_0060"].publish(
            a.jid, DEVICE_LIST_NODES[NS], id="current", payload=device_list([own + 1]), timeout=10
        )
    assert own not in await _own_listed(prosody, a)
    async with Again(prosody, path, a) as again:
        assert again.engine_loaded(a.jid)
        for _ in range(50):
            if own in await _own_listed(prosody, a):
                break
            await asyncio.sleep(0.2)
        assert own in await _own_listed(prosody, a)
