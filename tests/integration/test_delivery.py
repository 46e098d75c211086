"""Delivery and read state against the real Prosody with slixmpp peers (nothing mocked):
receipts sent only after storing, confirmations only from the peer, read sync across two
devices of one account, chat states at a bounded rate, and ``send --wait``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, tuichat
from tests.integration.helpers import Recorder, account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.model import ConnectionState, MessageState, Subscription
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


@asynccontextmanager
async def _device(
    prosody: ProsodyServer, who: TestAccount, resource: str = "tuichat"
) -> AsyncIterator[tuple[ConnectionManager, Store, Recorder]]:
    bus, store = EventBus(), Store.memory()
    recorder = Recorder(bus)
    manager = ConnectionManager(
        [account_config(prosody, who.jid, who.password, resource=resource)], store, bus
    )
    await manager.start()
    try:
        states = await manager.wait_connected(15)
        assert set(states.values()) == {ConnectionState.CONNECTED}, states
        await manager.session(who.jid).synced.wait()
        yield manager, store, recorder
    finally:
        await manager.stop()


async def _befriend(manager: ConnectionManager, rec: Recorder, me: str, peer: Peer) -> None:
    """Mutual presence subscription between ``me`` and the (auto-authorizing) peer."""
    await manager.add_contact(me, peer.bare)
    [req] = await rec.wait(ev.SubscriptionRequested, lambda e: e.jid == peer.bare)
    await manager.answer_subscription(me, req.jid, accept=True)
    receipts = manager.session(me).receipts
    assert receipts is not None
    await peer.wait_until(lambda: receipts.subscription(peer.bare) is Subscription.BOTH, 10)


async def _no_item(queue: asyncio.Queue[str], within: float) -> None:
    try:
        got = await asyncio.wait_for(queue.get(), within)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected {got!r}")


async def test_receipt_only_after_storing_and_never_to_strangers_or_for_the_archive(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    a, b, c = account("rcpa"), account("rcpb"), account("rcpc")
    async with Peer.connect(prosody, b.jid, b.password) as bob:
        async with _device(prosody, a) as (manager, store, rec):
            await _befriend(manager, rec, a.jid, bob)
            sent = bob.send(a.jid, "please confirm", receipt=True)
            acked = await asyncio.wait_for(bob.receipts.get(), 10)
            assert acked == sent
            # The receipt left only once the message was stored.
            assert [m.body for m in store.history(a.jid, b.jid)] == ["please confirm"]
            async with Peer.connect(prosody, c.jid, c.password) as stranger:
                stranger.send(a.jid, "who are you?", receipt=True)
                await rec.wait(ev.MessageReceived, lambda e: e.message.conversation == c.jid)
                await _no_item(stranger.receipts, 2.0)  # a receipt would leak our presence
        # Offline: the message reaches us through the archive catch-up, not live.
        bob.send(a.jid, "while you were away", receipt=True)
        await asyncio.sleep(0.5)
        async with _device(prosody, a) as (_manager, store, _rec):
            assert "while you were away" in [m.body for m in store.history(a.jid, b.jid)]
            await _no_item(bob.receipts, 2.0)


async def test_delivered_then_displayed_only_from_the_peer(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    a, b, c = account("dispa"), account("dispb"), account("dispc")
    async with (
        Peer.connect(prosody, b.jid, b.password) as bob,
        Peer.connect(prosody, c.jid, c.password) as mallory,
        _device(prosody, a) as (manager, store, rec),
    ):
        bob.stop_receipts()
        first = await manager.send_message(a.jid, b.jid, "one")
        second = await manager.send_message(a.jid, b.jid, "two")
        for row in (first, second):
            await rec.wait(
                ev.MessageStateChanged,
                lambda e, row=row: e.message_id == row.id and e.state is MessageState.ACKED,
            )
        got = [await bob.wait_message(), await bob.wait_message()]
        assert [m.body for m in got] == ["one", "two"]
        assert all(m.id for m in got)
        # Forged by a third party: ignored.
        mallory.send_receipt(a.jid, second.message_id or "")
        mallory.send_displayed(a.jid, second.message_id or "")
        await asyncio.sleep(1.5)
        assert store.get_message(second.id or 0).state is MessageState.ACKED  # type: ignore[union-attr]
        bob.send_receipt(a.jid, first.message_id or "")
        await rec.wait(
            ev.MessageStateChanged,
            lambda e: e.message_id == first.id and e.state is MessageState.DELIVERED,
        )
        bob.send_displayed(a.jid, second.message_id or "")  # confirms "one" as well
        for row in (first, second):
            await rec.wait(
                ev.MessageStateChanged,
                lambda e, row=row: e.message_id == row.id and e.state is MessageState.DISPLAYED,
            )
        # Never backwards: a late receipt for "two" leaves it displayed.
        bob.send_receipt(a.jid, second.message_id or "")
        await asyncio.sleep(1.0)
        states = [m.state for m in store.history(a.jid, b.jid)]
        assert states == [MessageState.DISPLAYED, MessageState.DISPLAYED]


async def test_two_devices_agree_on_the_unread_state(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """XEP-0490: reading on one device clears the unread count on the other, both ways."""
    a, b = account("mdsa"), account("mdsb")
    async with (
        Peer.connect(prosody, b.jid, b.password) as bob,
        _device(prosody, a, "laptop") as (laptop, laptop_store, laptop_rec),
        _device(prosody, a, "phone") as (phone, phone_store, phone_rec),
    ):
        for n, (reader, reader_store, other_store, other_rec) in enumerate(
            (
                (laptop, laptop_store, phone_store, phone_rec),
                (phone, phone_store, laptop_store, laptop_rec),
            )
        ):
            body = f"unread {n}"
            bob.send(a.jid, body)
            for rec in (laptop_rec, phone_rec):
                await rec.wait(ev.MessageReceived, lambda e, body=body: e.message.body == body)
            assert laptop_store.unread_count(a.jid, b.jid) >= 1
            assert phone_store.unread_count(a.jid, b.jid) >= 1
            cleared = lambda e: e.conversation == b.jid and e.unread == 0  # noqa: E731
            before = len(other_rec.of(ev.ReadUpTo, cleared))
            reader_store.mark_read(a.jid, b.jid)  # what the UI does when it shows it
            reader.mark_read(a.jid, b.jid)
            got = await other_rec.wait(ev.ReadUpTo, cleared, count=before + 1, timeout=10)
            assert got[-1].account == a.jid
            assert other_store.unread_count(a.jid, b.jid) == 0


async def test_a_read_conversation_sends_one_displayed_marker(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    a, b = account("marka"), account("markb")
    async with (
        Peer.connect(prosody, b.jid, b.password) as bob,
        _device(prosody, a) as (manager, _store, rec),
    ):
        await _befriend(manager, rec, a.jid, bob)
        sent = bob.send(a.jid, "read me", markable=True)
        await rec.wait(ev.MessageReceived, lambda e: e.message.body == "read me")
        manager.mark_read(a.jid, b.jid)
        assert await asyncio.wait_for(bob.displayed.get(), 10) == sent
        manager.mark_read(a.jid, b.jid)  # at most once per message
        await _no_item(bob.displayed, 1.5)


async def test_chat_states_are_sent_at_a_bounded_rate(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    a, b = account("typa"), account("typb")
    async with (
        Peer.connect(prosody, b.jid, b.password) as bob,
        _device(prosody, a) as (manager, _store, rec),
    ):
        await _befriend(manager, rec, a.jid, bob)
        for _ in range(30):  # three seconds of typing, ten keys a second
            manager.draft_changed(a.jid, b.jid, empty=False)
            await asyncio.sleep(0.1)
        await asyncio.sleep(6.0)  # idle: paused once
        seen: list[str] = []
        while not bob.chat_states.empty():
            seen.append(bob.chat_states.get_nowait()[1])
        assert seen == ["composing", "paused"]


async def test_send_wait_delivered_exits_zero_only_when_confirmed(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    a, b = account("waita"), account("waitb")
    add_account(xdg, prosody, a.jid, a.password)
    async with Peer.connect(prosody, b.jid, b.password) as bob:
        done = await asyncio.to_thread(
            tuichat, xdg, "send", b.jid, "confirm me", "--wait", "delivered", "--timeout", "20"
        )
        assert done.returncode == 0, done.stderr
        history = await asyncio.to_thread(tuichat, xdg, "history", b.jid, "--json")
        assert '"state": "delivered"' in history.stdout, history.stdout
        bob.stop_receipts()
        silent = await asyncio.to_thread(
            tuichat, xdg, "send", b.jid, "nobody answers", "--wait", "delivered", "--timeout", "4"
        )
        assert silent.returncode == 1
        assert "sent, but no delivery receipt in time" in silent.stderr, silent.stderr


async def test_our_other_device_displayed_marker_counts_as_read(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A ``displayed`` our other client sent (its carbon reaches us) clears the unread count."""
    a, b = account("carba"), account("carbb")
    async with (
        Peer.connect(prosody, b.jid, b.password) as bob,
        _device(prosody, a) as (_manager, store, rec),
        Peer.connect(prosody, a.jid, a.password) as other_device,
    ):
        sent = bob.send(a.jid, "seen elsewhere", markable=True)
        await rec.wait(ev.MessageReceived, lambda e: e.message.body == "seen elsewhere")
        assert store.unread_count(a.jid, b.jid) == 1
        other_device.send_displayed(b.jid, sent)
        await rec.wait(ev.ReadUpTo, lambda e: e.conversation == b.jid and e.unread == 0)
        assert store.unread_count(a.jid, b.jid) == 0


async def test_in_a_room_the_displayed_marker_names_the_rooms_stanza_id(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    a, b = account("roommark"), account("roompeer")
    room = f"marks-{a.jid.split('@')[0]}@{prosody.muc_domain}"
    async with (
        _device(prosody, a) as (manager, _store, rec),
        Peer.connect(prosody, b.jid, b.password) as bob,
    ):
        await manager.join_room(a.jid, f"{room}/Alice")
        await bob.join_room(room, "Bob")
        bob.send_room(room, "mark me", markable=True)
        reflected = await bob.wait_message(lambda m: m.body == "mark me", queue=bob.room_messages)
        assert reflected.stanza_id
        await rec.wait(ev.MessageReceived, lambda e: e.message.body == "mark me")
        manager.mark_read(a.jid, room)
        assert await asyncio.wait_for(bob.displayed.get(), 10) == reflected.stanza_id
