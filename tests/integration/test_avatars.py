"""Contacts' avatars (XEP-0084) against the real Prosody with a slixmpp peer (nothing mocked):
fetched once by the SHA-1 announced, kept across a restart without fetching again, and a
data item that does not hash to its id refused."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from slixmpp.plugins.xep_0084.avatar import XEP_0084
from slixmpp.plugins.xep_0084.stanza import Data

from tests.harness.peer import Peer, wait_until
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import Recorder, account_config
from tests.pngs import captcha_png
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.errors import ClientError
from tuichat.model import ConnectionState, Subscription
from tuichat.store import Store
from tuichat.xmpp.features.avatars import NS_METADATA, Avatars
from tuichat.xmpp.manager import ConnectionManager


@asynccontextmanager
async def _tuichat(
    prosody: ProsodyServer, who: TestAccount, store_file: Path
) -> AsyncIterator[tuple[ConnectionManager, Store, Recorder]]:
    bus, store = EventBus(), Store.open(store_file)
    recorder = Recorder(bus)
    manager = ConnectionManager([account_config(prosody, who.jid, who.password)], store, bus)
    await manager.start()
    try:
        states = await manager.wait_connected(15)
        assert set(states.values()) == {ConnectionState.CONNECTED}, states
        yield manager, store, recorder
    finally:
        await manager.stop()
        store.close()


async def _befriend(manager: ConnectionManager, rec: Recorder, me: str, peer: Peer) -> None:
    await manager.add_contact(me, peer.bare)
    [req] = await rec.wait(ev.SubscriptionRequested, lambda e: e.jid == peer.bare)
    await manager.answer_subscription(me, req.jid, accept=True)
    receipts = manager.session(me).receipts
    assert receipts is not None
    await peer.wait_until(lambda: receipts.subscription(peer.bare) is Subscription.BOTH, 10)


async def publish_avatar(peer: Peer, data: bytes, *, announce_as: str | None = None) -> str:
    """``peer`` puts ``data`` in its avatar data node under ``announce_as`` (its real SHA-1
    unless forged) and announces that id in its metadata; the id."""
    if "xep_0084" not in peer.client.plugin:
        peer.client.register_plugin("xep_0084")
    sha1 = announce_as or hashlib.sha1(data).hexdigest()
    payload = Data()
    payload["value"] = data
    await peer.client.plugin["xep_0163"].publish(payload, id=sha1)
    info = {"id": sha1, "type": "image/png", "bytes": len(data)}
    await peer.client.plugin["xep_0084"].publish_avatar_metadata(info)
    return sha1


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts (without changing them) the data fetches and the metadata notifications."""
    counts = {"fetches": 0, "notifications": 0}
    fetch, notified = XEP_0084.retrieve_avatar, Avatars.on_metadata

    def counting_fetch(self: XEP_0084, *args: Any, **kwargs: Any) -> Any:
        counts["fetches"] += 1
        return fetch(self, *args, **kwargs)

    def counting_notification(self: Avatars, msg: Any) -> None:
        counts["notifications"] += 1
        notified(self, msg)

    monkeypatch.setattr(XEP_0084, "retrieve_avatar", counting_fetch)
    monkeypatch.setattr(Avatars, "on_metadata", counting_notification)
    return counts


async def test_an_avatar_is_fetched_once_and_kept_across_a_restart(
    prosody: ProsodyServer,
    account: Callable[..., TestAccount],
    tmp_path: Path,
    spies: dict[str, int],
) -> None:
    """The peer's avatar lands in the store once, with its hash; after a restart the server
    announces it again and nothing is fetched."""
    a, b = account("avta"), account("avtb")
    picture = captcha_png()
    store_file = tmp_path / "store.db"
    async with Peer.connect(prosody, b.jid, b.password) as bob:
        async with _tuichat(prosody, a, store_file) as (manager, store, rec):
            await _befriend(manager, rec, a.jid, bob)
            sha1 = await publish_avatar(bob, picture)
            [changed] = await rec.wait(ev.AvatarChanged, lambda e: e.jid == b.jid)
            assert changed.avatar is not None and changed.avatar.sha1 == sha1
            held = store.avatar(a.jid, b.jid)
            assert held is not None and (held.sha1, held.data) == (sha1, picture)
            assert spies["fetches"] == 1
        spies["notifications"] = 0
        async with _tuichat(prosody, a, store_file) as (manager, store, rec):
            # The server sends the last metadata item to our new presence (+notify).
            await wait_until(lambda: spies["notifications"] >= 1, 10)
            await asyncio.sleep(0.5)
            assert spies["fetches"] == 1  # the hash was held: not fetched again
            assert rec.of(ev.AvatarChanged) == []
            held = store.avatar(a.jid, b.jid)
            assert held is not None and held.sha1 == sha1


async def test_a_data_item_that_does_not_hash_to_its_id_is_refused(
    prosody: ProsodyServer,
    account: Callable[..., TestAccount],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A forged item (bytes whose SHA-1 is not the id) is not stored; a good one after it is."""
    a, b = account("avfa"), account("avfb")
    caplog.set_level(logging.WARNING, logger="tuichat.xmpp.features.avatars")
    async with (
        Peer.connect(prosody, b.jid, b.password) as bob,
        _tuichat(prosody, a, tmp_path / "store.db") as (manager, store, rec),
    ):
        await _befriend(manager, rec, a.jid, bob)
        forged = hashlib.sha1(b"what was announced").hexdigest()
        await publish_avatar(bob, captcha_png(), announce_as=forged)
        await wait_until(lambda: "hash differs" in caplog.text, 10)
        assert store.avatar(a.jid, b.jid) is None
        assert rec.of(ev.AvatarChanged) == []
        good = await publish_avatar(bob, captcha_png(32, 32))
        await rec.wait(ev.AvatarChanged, lambda e: e.jid == b.jid)
        held = store.avatar(a.jid, b.jid)
        assert held is not None and held.sha1 == good


async def test_avatar_metadata_from_a_stranger_is_dropped(
    prosody: ProsodyServer,
    account: Callable[..., TestAccount],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    spies: dict[str, int],
) -> None:
    """Someone not in our roster pushes a metadata "notification" at us (from their full JID,
    as a client can): nothing is fetched from them, nothing stored (each stranger would cost
    us a fetch and a row)."""
    a, c = account("avsa"), account("avsc")
    caplog.set_level(logging.INFO, logger="tuichat.xmpp.features.avatars")
    picture = captcha_png()
    sha1 = hashlib.sha1(picture).hexdigest()
    forged = (
        "<event xmlns='http://jabber.org/protocol/pubsub#event'>"
        "<items node='urn:xmpp:avatar:metadata'>"
        f"<item id='{sha1}'><metadata xmlns='urn:xmpp:avatar:metadata'>"
        f"<info id='{sha1}' type='image/png' bytes='{len(picture)}'/>"
        "</metadata></item></items></event>"
    )
    async with (
        Peer.connect(prosody, c.jid, c.password) as stranger,
        _tuichat(prosody, a, tmp_path / "store.db") as (_manager, store, rec),
    ):
        await publish_avatar(stranger, picture)  # really there, were anyone to fetch it
        message = stranger.client.make_message(mto=f"{a.jid}/tuichat")
        message.append(ET.fromstring(forged))
        message.send()
        await wait_until(lambda: "dropped avatar metadata" in caplog.text, 10)
        assert spies["notifications"] == 1 and spies["fetches"] == 0
        assert store.avatar(a.jid, c.jid) is None
        assert rec.of(ev.AvatarChanged) == []


async def test_our_avatar_is_published_and_a_contact_can_fetch_it(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    """`/avatar PATH`'s request: the data node holds the bytes under their SHA-1, the metadata
    announces it; a file that is no picture, or too big, is refused in words, nothing sent."""
    a, b = account("avpa"), account("avpb")
    picture = captcha_png(48, 48)
    path = tmp_path / "me.png"
    path.write_bytes(picture)
    async with (
        Peer.connect(prosody, b.jid, b.password) as bob,
        _tuichat(prosody, a, tmp_path / "store.db") as (manager, store, rec),
    ):
        await _befriend(manager, rec, a.jid, bob)
        sha1 = await manager.publish_avatar(a.jid, str(path))
        assert sha1 == hashlib.sha1(picture).hexdigest()
        bob.client.register_plugin("xep_0084")
        metadata = await bob.client.plugin["xep_0060"].get_items(a.jid, NS_METADATA)
        [item] = list(metadata["pubsub"]["items"])
        info = item.xml.find(f"{{{NS_METADATA}}}metadata/{{{NS_METADATA}}}info")
        assert info is not None
        assert (info.get("id"), info.get("type"), info.get("bytes")) == (
            sha1, "image/png", str(len(picture)),
        )  # fmt: skip
        data = await bob.client.plugin["xep_0084"].retrieve_avatar(a.jid, sha1)
        [got] = list(data["pubsub"]["items"])
        assert got["avatar_data"]["value"] == picture
        # Our own PEP tells us too: we keep our avatar like a contact's.
        await rec.wait(ev.AvatarChanged, lambda e: e.jid == a.jid)
        held = store.avatar(a.jid, a.jid)
        assert held is not None and held.sha1 == sha1
        text = tmp_path / "notes.txt"
        text.write_text("not a picture")
        with pytest.raises(ClientError, match="must be a PNG, JPEG, GIF or WebP"):
            await manager.publish_avatar(a.jid, str(text))
        big = tmp_path / "big.png"
        big.write_bytes(picture[:8] + bytes(300 * 1024))
        with pytest.raises(ClientError, match="too big"):
            await manager.publish_avatar(a.jid, str(big))
        with pytest.raises(ClientError, match="cannot read"):
            await manager.publish_avatar(a.jid, str(tmp_path / "missing.png"))
