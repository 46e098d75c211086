"""/info against the real Prosody: a vCard a peer published, its client's software while it is
online, and its last visit once it has gone (Prosody's mod_vcard_legacy and mod_lastactivity)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from slixmpp.xmlstream import ET

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import Recorder, account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.errors import ClientError
from tuichat.model import ConnectionState, Show
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager

VCARD = (
    "<vCard xmlns='vcard-temp'><FN>Bob [b]Builder[/b]</FN><NICKNAME>bob</NICKNAME>"
    "<EMAIL><INTERNET/><USERID>bob@example.org</USERID></EMAIL></vCard>"
)


async def test_info_shows_the_vcard_the_client_and_the_last_visit(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    me, bob = account("me"), account("bob")
    bus = EventBus()
    rec = Recorder(bus)
    manager = ConnectionManager([account_config(prosody, me.jid, me.password)], Store.memory(), bus)
    await manager.start()
    try:
        assert set((await manager.wait_connected(15)).values()) == {ConnectionState.CONNECTED}
        async with Peer.connect(prosody, bob.jid, bob.password) as peer:
            peer.client.register_plugin("xep_0092", {"name": "PeerClient", "version": "7.1"})
            iq = peer.client.make_iq_set()
            iq.append(ET.fromstring(VCARD))
            await iq.send()
            await manager.add_contact(me.jid, bob.jid)
            await rec.wait(
                ev.PresenceChanged, lambda e: e.jid.startswith(bob.jid) and e.show != Show.OFFLINE
            )
            info = await manager.contact_info(me.jid, bob.jid)
            assert info.full_name == "Bob [b]Builder[/b]"
            assert info.nickname == "bob"
            assert info.emails == ("bob@example.org",)
            assert [(c.name, c.version) for c in info.clients] == [("PeerClient", "7.1")]
            assert info.last_seen is None and info.unanswered == ()
        await rec.wait(
            ev.PresenceChanged, lambda e: e.jid.startswith(bob.jid) and e.show == Show.OFFLINE
        )
        await asyncio.sleep(1.1)
        gone = await manager.contact_info(me.jid, bob.jid)
        assert gone.clients == ()
        assert gone.last_seen is not None, gone.unanswered
        assert gone.full_name == "Bob [b]Builder[/b]"
    finally:
        await manager.stop()


async def test_info_on_a_stranger_names_what_went_unanswered(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """No vCard, no presence subscription (so no last visit): said, not raised."""
    me, stranger = account("me"), account("stranger")
    manager = ConnectionManager(
        [account_config(prosody, me.jid, me.password)], Store.memory(), EventBus()
    )
    await manager.start()
    try:
        await manager.wait_connected(15)
        info = await manager.contact_info(me.jid, stranger.jid)
        assert "no vCard" in info.unanswered
        assert "no answer about the last visit" in info.unanswered
        with pytest.raises(ClientError, match="not a JID"):
            await manager.contact_info(me.jid, "@@")
    finally:
        await manager.stop()
