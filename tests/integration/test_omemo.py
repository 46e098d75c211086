"""OMEMO 0.3 between two tuichat accounts and a plain slixmpp-omemo device, on real Prosody."""

from __future__ import annotations

from collections.abc import Callable

from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.omemo_helpers import archived_text, befriend, running
from tuichat import events as ev
from tuichat.model import Direction, Encryption, MessageState, Trust


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
