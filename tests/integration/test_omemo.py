"""OMEMO 0.3 between two tuichat accounts and a plain slixmpp-omemo device, on real Prosody."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slixmpp.xmlstream import ET

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.omemo_helpers import OtherDevice, archived_text, befriend, running
from tuichat import events as ev
from tuichat.model import Direction, Encryption, MessageState, Trust, fingerprint_groups


async def test_two_tuichat_accounts_talk_encrypted_both_ways(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A contact who publishes devices gets encrypted messages; the archive holds no text;
    each message is stored once on each side, with its encryption and trust."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    async with running(prosody, a, b) as run:
        manager, rec, store = run.manager, run.rec, run.store
        sent = await manager.send_message(a.jid, b.jid, "secret one")
        assert sent.encryption is Encryption.OMEMO
        assert manager.encryption(a.jid, b.jid) is Encryption.OMEMO
        [got] = await rec.wait(ev.MessageReceived, lambda e: e.account == b.jid, timeout=20)
        assert got.message.body == "secret one"
        assert got.message.encryption is Encryption.OMEMO
        assert got.message.trust is Trust.BLIND
        await rec.wait(
            ev.MessageStateChanged,
            lambda e: e.message_id == sent.id and e.state is MessageState.ACKED,
        )
        # The last message from alice was encrypted: bob's side answers encrypted too.
        assert manager.encryption(b.jid, a.jid) is Encryption.OMEMO
        await manager.send_message(b.jid, a.jid, "secret two")
        [back] = await rec.wait(
            ev.MessageReceived,
            lambda e: e.account == a.jid and e.message.direction is Direction.IN,
            timeout=20,
        )
        assert back.message.body == "secret two"
        assert [(m.body, m.encryption) for m in store.history(a.jid, b.jid)] == [
            ("secret one", Encryption.OMEMO),
            ("secret two", Encryption.OMEMO),
        ]
        assert [m.body for m in store.history(b.jid, a.jid)] == ["secret one", "secret two"]
    archive = archived_text(prosody)
    assert "secret one" not in archive and "secret two" not in archive
    assert "eu.siacs.conversations.axolotl" in archive


async def test_other_device_catch_up_is_stored_once_without_placeholders(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    """20 messages from our other OMEMO device while tuichat is offline arrive exactly once
    after a restart, decrypted; our own archived messages are matched, never placeholders."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    path = tmp_path / "alice.db"
    async with running(prosody, b):
        async with running(prosody, a, path=path) as run:
            sent = await run.manager.send_message(a.jid, b.jid, "from tuichat")
            await run.rec.wait(
                ev.MessageStateChanged,
                lambda e: e.message_id == sent.id and e.state is MessageState.ACKED,
            )
        async with OtherDevice.open(prosody, a) as other:
            for n in range(20):
                await other.send(b.jid, f"other {n}")
        async with running(prosody, a, path=path) as run:
            history = run.store.history(a.jid, b.jid)
    assert [m.body for m in history] == ["from tuichat"] + [f"other {n}" for n in range(20)]
    assert all(m.undecrypted is None for m in history)
    assert all(m.encryption is Encryption.OMEMO for m in history)
    assert all(m.direction is Direction.OUT for m in history)


async def test_empty_omemo_message_shows_nothing(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A key exchange or heartbeat (OMEMO without payload) is dropped silently."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    async with running(prosody, a) as run, Peer.connect(prosody, b.jid, b.password) as peer:
        stanza = peer.client.make_message(mto=a.jid, mtype="chat")
        stanza.append(
            ET.fromstring(
                "<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='4242'>"
                "<key rid='1'>AAAA</key><iv>AAAAAAAAAAAAAAAA</iv></header></encrypted>"
            )
        )
        stanza.enable("store")
        stanza.send()
        peer.send(a.jid, "after the empty one")
        await run.rec.wait(ev.MessageReceived, lambda e: e.account == a.jid)
        assert [m.body for m in run.store.history(a.jid, b.jid)] == ["after the empty one"]


async def test_distrusted_sender_gives_a_placeholder_until_trusted(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A message from a distrusted device is kept as a placeholder saying why (never the
    fallback text); once the device is verified, it is decrypted (MessageDecrypted)."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    async with running(prosody, a, b) as run:
        manager, rec, store = run.manager, run.rec, run.store
        [device] = await manager.devices(a.jid, b.jid)
        await manager.set_trust(a.jid, b.jid, device.fingerprint, Trust.DISTRUSTED)
        await manager.send_message(b.jid, a.jid, "you do not trust me")
        [got] = await rec.wait(ev.MessageReceived, lambda e: e.account == a.jid, timeout=20)
        assert got.message.body == ""
        assert got.message.undecrypted == "encrypted: sent from a device you distrust"
        assert "OMEMO" not in got.message.body
        await manager.set_trust(
            a.jid, b.jid, " ".join(fingerprint_groups(device.fingerprint)), Trust.VERIFIED
        )
        [opened] = await rec.wait(ev.MessageDecrypted, timeout=20)
        assert opened.message.id == got.message.id
        assert (opened.message.body, opened.message.undecrypted) == ("you do not trust me", None)
        assert opened.message.trust is Trust.VERIFIED
        [row] = store.history(a.jid, b.jid)
        assert row.body == "you do not trust me"
        assert store.sealed(a.jid) == []


async def test_a_retried_placeholder_recovers_a_correction_as_a_live_one_would(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A correction from a distrusted device is a placeholder (never lost, never applied
    unread); once the device is trusted, the retry goes through the live decryption: the
    message opens in place and the correction is applied to it, leaving one edited message."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    async with running(prosody, a, b) as run:
        manager, rec, store = run.manager, run.rec, run.store
        [device] = await manager.devices(a.jid, b.jid)
        await manager.set_trust(a.jid, b.jid, device.fingerprint, Trust.DISTRUSTED)
        first = await manager.send_message(b.jid, a.jid, "helo")
        [got] = await rec.wait(ev.MessageReceived, lambda e: e.account == a.jid, timeout=20)
        await manager.correct_message(b.jid, first, "hello")
        [_, fix] = await rec.wait(
            ev.MessageReceived, lambda e: e.account == a.jid, count=2, timeout=20
        )
        assert [m.undecrypted is not None for m in store.history(a.jid, b.jid)] == [True, True]
        await manager.set_trust(a.jid, b.jid, device.fingerprint, Trust.VERIFIED)
        [opened] = await rec.wait(ev.MessageDecrypted, timeout=20)
        assert (opened.message.id, opened.message.body) == (got.message.id, "helo")
        [changed] = await rec.wait(ev.MessageChanged, lambda e: e.account == a.jid, timeout=20)
        assert (changed.message.id, changed.message.body) == (got.message.id, "hello")
        # The correction's placeholder was no message of its own: the log is told to drop it.
        [gone] = await rec.wait(ev.MessageRemoved, timeout=20)
        assert (gone.account, gone.conversation, gone.message_id) == (a.jid, b.jid, fix.message.id)
        [row] = store.history(a.jid, b.jid)
        assert row.body == "hello" and row.marks is not None and row.marks.edited
        assert store.sealed(a.jid) == []


async def test_two_first_messages_crossing_each_other_heal_the_sessions(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Both sides begin a session at once: each replaces its own with the other's, and what
    either sends next cannot be decrypted. One side starts a new session on the first such
    failure; the conversation decrypts again both ways."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    async with running(prosody, a, b) as run:
        manager, store = run.manager, run.store
        await manager.set_encryption(a.jid, b.jid, Encryption.OMEMO)
        await manager.set_encryption(b.jid, a.jid, Encryption.OMEMO)
        await asyncio.gather(
            manager.send_message(a.jid, b.jid, "a first"),
            manager.send_message(b.jid, a.jid, "b first"),
        )

        def bodies(me: str, peer: str) -> list[str]:
            return [m.body for m in store.history(me, peer) if m.direction is Direction.IN]

        for n in range(6):
            await manager.send_message(a.jid, b.jid, f"a {n}")
            await manager.send_message(b.jid, a.jid, f"b {n}")
            await asyncio.sleep(0.5)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while loop.time() < deadline:
            if "a 5" in bodies(b.jid, a.jid) and "b 5" in bodies(a.jid, b.jid):
                break
            await asyncio.sleep(0.2)
        assert "a 5" in bodies(b.jid, a.jid) and "b 5" in bodies(a.jid, b.jid), (
            bodies(b.jid, a.jid),
            bodies(a.jid, b.jid),
        )


async def test_encrypted_conversation_without_devices_holds_the_message(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Encryption on, a contact with no OMEMO device: the message waits in the outbox, says
    why, and nothing goes out in plaintext."""
    a, c = account("alice"), account("carl")
    async with running(prosody, a) as run, Peer.connect(prosody, c.jid, c.password) as peer:
        manager, rec, store = run.manager, run.rec, run.store
        await manager.set_encryption(a.jid, c.jid, Encryption.OMEMO)
        assert manager.encryption(a.jid, c.jid) is Encryption.OMEMO
        sent = await manager.send_message(a.jid, c.jid, "never in plaintext")
        [held] = await rec.wait(ev.EncryptionHeld, timeout=20)
        assert held.conversation == c.jid
        assert "no OMEMO device" in held.reason
        await asyncio.sleep(1.0)
        assert peer.messages == []
        row = store.get_message(sent.id or 0)
        assert row is not None and row.state is MessageState.PENDING
        assert [m.id for m in store.outbox(a.jid)] == [sent.id]


async def test_strangers_talk_encrypted(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Without a presence subscription the device lists are fetched directly (open access)."""
    a, b = account("alice"), account("bob")
    async with running(prosody, a, b) as run:
        await run.manager.set_encryption(a.jid, b.jid, Encryption.OMEMO)
        await run.manager.send_message(a.jid, b.jid, "hello stranger")
        [got] = await run.rec.wait(ev.MessageReceived, lambda e: e.account == b.jid, timeout=30)
        assert (got.message.body, got.message.encryption) == ("hello stranger", Encryption.OMEMO)


async def test_a_correction_in_an_encrypted_conversation_is_encrypted(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Between two tuichat accounts: the correction's text is encrypted (the archive never
    sees it), the receiver decrypts it and applies it: one edited message on each side."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    async with running(prosody, a, b) as run:
        manager, rec, store = run.manager, run.rec, run.store
        sent = await manager.send_message(a.jid, b.jid, "secret first")
        assert sent.encryption is Encryption.OMEMO
        [got] = await rec.wait(ev.MessageReceived, lambda e: e.account == b.jid, timeout=20)
        await manager.correct_message(a.jid, sent, "secret corrected")
        [changed] = await rec.wait(ev.MessageChanged, lambda e: e.account == b.jid, timeout=20)
        assert changed.message.id == got.message.id
        for account_jid, peer in ((a.jid, b.jid), (b.jid, a.jid)):
            [row] = store.history(account_jid, peer)
            assert (row.body, row.encryption) == ("secret corrected", Encryption.OMEMO)
            assert row.marks is not None and row.marks.edited
    archive = archived_text(prosody)
    assert "secret corrected" not in archive and "secret first" not in archive


async def test_a_slixmpp_omemo_peer_decrypts_a_correction_with_its_replace_beside(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """OMEMO 0.3 as Conversations sends it: the new text encrypted, ``<replace id/>`` in
    plaintext beside it; another client (slixmpp-omemo) decrypts it as a correction."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    async with OtherDevice.open(prosody, b) as peer, running(prosody, a) as run:
        got: asyncio.Queue[tuple[str, str | None]] = asyncio.Queue()

        async def on_message(stanza: Any) -> None:
            if not peer.plugin.is_encrypted(stanza):
                return
            decrypted, _device = await peer.plugin.decrypt_message(stanza)
            fix = stanza.xml.find("{urn:xmpp:message-correct:0}replace")
            await got.put((decrypted["body"], None if fix is None else fix.get("id")))

        peer.peer.client.add_event_handler("message", on_message)
        manager = run.manager
        await manager.set_encryption(a.jid, b.jid, Encryption.OMEMO)
        sent = await manager.send_message(a.jid, b.jid, "secret first")
        assert await asyncio.wait_for(got.get(), 20) == ("secret first", None)
        await manager.correct_message(a.jid, sent, "secret corrected")
        assert await asyncio.wait_for(got.get(), 20) == ("secret corrected", sent.message_id)
        [row] = run.store.history(a.jid, b.jid)
        assert row.body == "secret corrected" and row.marks is not None and row.marks.edited
    assert "secret corrected" not in archived_text(prosody)
