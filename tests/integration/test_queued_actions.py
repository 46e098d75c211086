"""Actions that wait, against the real Prosody: our corrections, retractions and reactions made
while offline reach the peer exactly once (after a cut connection, and after a restart of
tuichat); received actions that an archive page brings before their message are applied when
the message comes, and forged ones stay ignored."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount, free_ports
from tests.harness.proxy import RecordingProxy
from tests.integration.helpers import Recorder, account_config
from tests.integration.test_message_actions import NS_REACTIONS, NS_RETRACT, capture, el, send_with
from tests.integration.test_message_actions import until as wait_for
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.config import AccountConfig
from tuichat.model import ConnectionState, Message
from tuichat.store import Store
from tuichat.xmpp.backoff import RetryPolicy
from tuichat.xmpp.features.mam import fetch_older
from tuichat.xmpp.manager import ConnectionManager

NS_CORRECT = "urn:xmpp:message-correct:0"
QUICK = RetryPolicy(attempts=None, base=0.3, cap=1.0)
"""Reconnect soon once the way to the server is back."""


def acting_on(seen: list[Any], tag: str, ns: str, ref: str) -> list[Any]:
    """The stanzas the peer got that do ``tag`` to the message ``ref``."""
    found = []
    for stanza in seen:
        element = stanza.xml.find(f"{{{ns}}}{tag}")
        if element is not None and element.get("id") == ref:
            found.append(stanza)
    return found


def fresh(store: Store, message: Message) -> Message:
    assert message.id is not None
    row = store.get_message(message.id)
    assert row is not None
    return row


class Tuichat:
    """One tuichat run (manager, file store, bus) reaching the server through ``proxy``."""

    def __init__(self, config: AccountConfig, path: Path) -> None:
        self.jid = config.jid
        self.bus, self.store = EventBus(), Store.open(path)
        self.rec = Recorder(self.bus)
        self.manager = ConnectionManager([config], self.store, self.bus, retry=QUICK)

    async def start(self) -> None:
        await self.manager.start()
        await self.manager.wait_connected(20)
        await asyncio.wait_for(self.manager.session(self.jid).synced.wait(), 30)

    async def stop(self) -> None:
        await self.manager.stop()
        self.store.close()

    def idle(self) -> bool:
        """Nothing left in the outbox, messages nor actions."""
        return not self.store.outbox(self.jid) and not self.store.queued_actions.waiting(self.jid)


async def offline(run: Tuichat, proxy: RecordingProxy, dead: int) -> None:
    """Cut tuichat's connection, and every new one, as a network gone away would; return
    once the session knows."""

    def lost(event: ev.ConnectionStateChanged) -> bool:
        return event.state == ConnectionState.DISCONNECTED

    before = len(run.rec.of(ev.ConnectionStateChanged, lost))
    proxy.target_port = dead
    proxy.cut()
    await run.rec.wait(ev.ConnectionStateChanged, lost, count=before + 1)


async def test_actions_made_offline_reach_the_peer_once_after_a_cut_and_a_restart(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    me, bob_account = account("qame"), account("qabob")
    proxy = await RecordingProxy(prosody.host, prosody.starttls_port).start()
    [dead] = free_ports(1)
    config = replace(account_config(prosody, me.jid, me.password, port=proxy.port), omemo=False)
    path = tmp_path / "store.sqlite"
    try:
        async with Peer.connect(prosody, bob_account.jid, bob_account.password) as bob:
            seen = capture(bob)
            run = Tuichat(config, path)
            try:
                await run.start()
                store, manager, jid = run.store, run.manager, me.jid
                theirs_id = bob.send(jid, "hello from bob")
                await run.rec.wait(ev.MessageReceived, lambda e: e.message.body == "hello from bob")
                one = await manager.send_message(jid, bob_account.jid, "mine one")
                two = await manager.send_message(jid, bob_account.jid, "mine two")
                await wait_for(run.idle)
                theirs = store.find_reference(jid, bob_account.jid, theirs_id)
                assert theirs is not None

                await offline(run, proxy, dead)
                await manager.react(jid, theirs, ("👍",))
                await manager.correct_message(jid, fresh(store, one), "mine one, fixed")
                await manager.retract_message(jid, fresh(store, two))
                three = await manager.send_message(jid, bob_account.jid, "mine three")
                await manager.react(jid, three, ("🎉",))  # after its message, still queued
                # Shown at once, marked as not sent yet; kept in the outbox.
                shown = fresh(store, one)
                assert shown.body == "mine one, fixed" and shown.marks is not None
                assert shown.marks.edited and shown.marks.pending
                liked = fresh(store, theirs).marks
                assert liked is not None and liked.pending
                assert liked.reactions == (("👍", (jid,)),)
                gone = fresh(store, two).marks
                assert gone is not None and gone.retracted and gone.pending
                changes = run.rec.of(ev.MessageChanged)
                assert any(c.message.id == one.id and c.message.marks.pending for c in changes)  # type: ignore[union-attr]
                assert len(store.queued_actions.waiting(jid)) == 4

                proxy.target_port = prosody.starttls_port  # the network is back
                await wait_for(run.idle, 40)
                assert not (fresh(store, one).marks or shown.marks).pending

                await offline(run, proxy, dead)  # and gone again: this waits for the next run
                await manager.react(jid, fresh(store, theirs), ("👍", "❤️"))
            finally:
                await run.stop()

            proxy.target_port = prosody.starttls_port
            again = Tuichat(config, path)  # tuichat restarted
            try:
                await again.start()
                await wait_for(again.idle, 40)
                marks = fresh(again.store, theirs).marks
                assert marks is not None and not marks.pending
                assert marks.reactions == (("👍", (jid,)), ("❤️", (jid,)))
            finally:
                await again.stop()
            await bob.client.plugin["xep_0199"].ping(timeout=30)
            await asyncio.sleep(1.0)  # a late duplicate would arrive now

        likes = acting_on(seen, "reactions", NS_REACTIONS, theirs_id)
        assert [[r.text for r in s.xml.find(f"{{{NS_REACTIONS}}}reactions")] for s in likes] == [
            ["👍"],
            ["👍", "❤️"],
        ]
        fixes = acting_on(seen, "replace", NS_CORRECT, one.message_id or "")
        assert [s["body"] for s in fixes] == ["mine one, fixed"]
        assert len(acting_on(seen, "retract", NS_RETRACT, two.message_id or "")) == 1
        bodies = [s["body"] for s in seen if s["body"]]
        assert bodies.count("mine three") == 1
        party = acting_on(seen, "reactions", NS_REACTIONS, three.message_id or "")
        assert len(party) == 1
        assert seen.index(party[0]) > [s["body"] for s in seen].index("mine three")
        ids = [s["id"] for s in seen]
        assert len(ids) == len(set(ids))  # nothing twice
    finally:
        await proxy.stop()


async def test_what_is_written_as_the_connection_drops_goes_again_on_the_resumed_stream(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    """A message and an action written in the very turn the connection is cut reach the wire
    after stream management stopped keeping them: the resumed stream must still carry them."""
    me, bob_account = account("racme"), account("racbob")
    proxy = await RecordingProxy(prosody.host, prosody.starttls_port).start()
    [dead] = free_ports(1)
    config = replace(account_config(prosody, me.jid, me.password, port=proxy.port), omemo=False)
    try:
        async with Peer.connect(prosody, bob_account.jid, bob_account.password) as bob:
            seen = capture(bob)
            run = Tuichat(config, tmp_path / "store.sqlite")
            try:
                await run.start()
                jid, manager = me.jid, run.manager
                first = await manager.send_message(jid, bob_account.jid, "before the cut")
                await wait_for(run.idle)
                proxy.target_port = dead
                proxy.cut()  # and, in the same turn, before tuichat can notice:
                late = await manager.send_message(jid, bob_account.jid, "as it drops")
                await manager.react(jid, fresh(run.store, first), ("🔌",))
                await run.rec.wait(
                    ev.ConnectionStateChanged, lambda e: e.state == ConnectionState.DISCONNECTED
                )
                await asyncio.sleep(0.5)
                proxy.target_port = prosody.starttls_port
                await wait_for(run.idle, 40)
            finally:
                await run.stop()
            await bob.client.plugin["xep_0199"].ping(timeout=30)
            await asyncio.sleep(1.0)
        assert [s["body"] for s in seen if s["body"] == "as it drops"] == ["as it drops"]
        assert len(acting_on(seen, "reactions", NS_REACTIONS, first.message_id or "")) == 1
        assert late.message_id in [s["id"] for s in seen]
    finally:
        await proxy.stop()


async def test_actions_before_their_message_in_the_archive_are_applied_when_it_comes(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """The archive holds M1, M2, N, then Bob's correction and reaction of M1, his retraction
    of M2, and a forged correction of M1 (from another device of ours, not M1's sender). The
    first catch-up pages back over the newest five only (N and the four actions: none of their
    messages), and M1 and M2 come later, on the next older page."""
    me, bob_account = account("mamact"), account("mambob")
    async with (
        Peer.connect(prosody, bob_account.jid, bob_account.password) as bob,
        Peer.connect(prosody, me.jid, me.password) as other_device,
    ):
        m1 = bob.send(me.jid, "helo wrold")
        m2 = bob.send(me.jid, "oops")
        bob.send(me.jid, "later")
        bob.send(me.jid, "hello world", replace_id=m1)
        keep = el("store", "urn:xmpp:hints")  # archived although it carries no body
        send_with(bob, me.jid, "", el("reactions", NS_REACTIONS, ("👍",), id=m1), keep)
        send_with(bob, me.jid, "", el("retract", NS_RETRACT, id=m2), keep)
        await bob.client.plugin["xep_0199"].ping(timeout=30)  # all archived, in this order
        other_device.send(bob_account.jid, "forged", replace_id=m1)
        await other_device.wait_until(lambda: len(other_device.messages) >= 3)
        await other_device.client.plugin["xep_0199"].ping(timeout=30)

    bus, store = EventBus(), Store.memory()
    config = replace(account_config(prosody, me.jid, me.password), omemo=False)
    manager = ConnectionManager([config], store, bus, archive_depth=5)
    await manager.start()
    try:
        await manager.wait_connected(20)
        session = manager.session(me.jid)
        await asyncio.wait_for(session.synced.wait(), 30)
        assert [m.body for m in store.history(me.jid, bob_account.jid)] == ["later"]
        waiting = store._conn.execute("SELECT count(*) FROM pending_actions").fetchone()[0]
        assert waiting == 4
        assert await fetch_older(session, bob_account.jid) == 2
        rows = store.history(me.jid, bob_account.jid)
        assert [m.body for m in rows] == ["hello world", "", "later"]
        first, second = rows[0].marks, rows[1].marks
        assert first is not None and first.edited and first.reactions == (("👍", (bob.bare,)),)
        assert second is not None and second.retracted
        assert [body for _ts, body in store.versions(rows[0].id or 0)] == ["helo wrold"]
        assert store.search("forged") == [] and store.search("oops") == []
        assert store._conn.execute("SELECT count(*) FROM pending_actions").fetchone()[0] == 0
    finally:
        await manager.stop()
