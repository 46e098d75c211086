"""The block list (XEP-0191) and spam reports (XEP-0377) against the real Prosody.

Prosody's ``mod_blocklist`` keeps the list and drops what a blocked JID sends; its pushes reach
every resource of the account. Nothing is mocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from slixmpp.exceptions import IqError

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import Recorder, account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.errors import ClientError
from tuichat.model import ConnectionState
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


async def _start(prosody: ProsodyServer, me: TestAccount) -> tuple[ConnectionManager, Recorder]:
    bus = EventBus()
    recorder = Recorder(bus)
    manager = ConnectionManager([account_config(prosody, me.jid, me.password)], Store.memory(), bus)
    await manager.start()
    states = await manager.wait_connected(15)
    assert set(states.values()) == {ConnectionState.CONNECTED}, states
    return manager, recorder


async def test_a_blocked_stranger_is_silenced_until_unblocked(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Block with a spam report: the stranger's next message never arrives (the server
    bounces it); the list shows the stranger; unblocking lets messages through again."""
    me, spammer = account("me"), account("spam")
    manager, rec = await _start(prosody, me)
    try:
        assert await manager.blocked(me.jid) == []
        async with Peer.connect(prosody, spammer.jid, spammer.password) as peer:
            peer.send(me.jid, "buy now")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "buy now")
            await manager.block(me.jid, spammer.jid, report="spam")
            [changed] = await rec.wait(ev.BlocklistChanged)
            assert changed.blocked == (spammer.jid,)
            assert await manager.blocked(me.jid) == [spammer.jid]
            peer.send(me.jid, "buy more")
            bounced = await asyncio.wait_for(peer.errors.get(), 10)
            assert bounced.type == "error" and bounced.from_ == me.jid
            await manager.unblock(me.jid, spammer.jid)
            await rec.wait(ev.BlocklistChanged, lambda e: e.blocked == ())
            peer.send(me.jid, "hello again")
            await rec.wait(ev.MessageReceived, lambda e: e.message.body == "hello again")
        bodies = [e.message.body for e in rec.of(ev.MessageReceived)]
        assert "buy more" not in bodies
    finally:
        await manager.stop()


async def test_a_block_made_on_another_device_shows_here(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Our other resource blocks, then unblocks everyone: the pushes keep this list true."""
    me, a, b = account("me"), account("a"), account("b")
    manager, rec = await _start(prosody, me)
    try:
        assert await manager.blocked(me.jid) == []
        async with Peer.connect(prosody, me.jid, me.password) as other:
            other.client.register_plugin("xep_0191")
            await other.client.plugin["xep_0191"].block([a.jid, b.jid])
            await rec.wait(ev.BlocklistChanged, lambda e: set(e.blocked) == {a.jid, b.jid})
            assert await manager.blocked(me.jid) == sorted([a.jid, b.jid])
            iq = other.client.make_iq_set()
            iq.enable("unblock")  # no item: unblock every JID
            await iq.send()
            await rec.wait(ev.BlocklistChanged, lambda e: e.blocked == ())
    finally:
        await manager.stop()


async def test_a_forged_unblock_push_is_refused_and_ignored(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Anyone can address an unblock "push" to our full JID: it is answered forbidden and the
    list stays as it is."""
    me, spammer, forger = account("me"), account("spam"), account("forger")
    manager, rec = await _start(prosody, me)
    try:
        await manager.block(me.jid, spammer.jid)
        session = manager.session(me.jid)
        full = str(session.client.boundjid)
        async with Peer.connect(prosody, forger.jid, forger.password) as peer:
            peer.client.register_plugin("xep_0191")
            iq = peer.client.make_iq_set(ito=full)
            iq.enable("unblock")
            with pytest.raises(IqError) as refused:
                await iq.send()
            assert refused.value.iq["error"]["condition"] == "forbidden"
        assert await manager.blocked(me.jid) == [spammer.jid]
        assert rec.of(ev.BlocklistChanged)[-1].blocked == (spammer.jid,)
    finally:
        await manager.stop()


async def test_blocking_something_that_is_not_a_jid_says_so(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A typo is refused in words before anything is sent."""
    me = account("me")
    manager, _rec = await _start(prosody, me)
    try:
        with pytest.raises(ClientError, match="not a JID"):
            await manager.block(me.jid, "@@bad")
    finally:
        await manager.stop()
