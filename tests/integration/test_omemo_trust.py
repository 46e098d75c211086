"""A verified contact (or our own account) gains a new device: tuichat announces it, and once
a device of the contact was verified, sending waits for the user's decision on the new one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.omemo_helpers import OtherDevice, archived_text, befriend, running
from tuichat import events as ev
from tuichat.model import Encryption, MessageState, Trust

NS = "eu.siacs.conversations.axolotl"


async def _device_id(other: OtherDevice) -> int:
    manager = await other.plugin.get_session_manager()
    own, _others = await manager.get_own_device_information()
    return int(own.device_id)


def _collect(other: OtherDevice) -> list[Any]:
    """Every OMEMO message the other device receives, as it came."""
    got: list[Any] = []
    other.peer.client.add_event_handler(
        "message", lambda msg: got.append(msg) if msg.xml.find(f"{{{NS}}}encrypted") else None
    )
    return got


async def _readable(other: OtherDevice, stanza: Any) -> str | None:
    """The body the other device decrypts from ``stanza``, or None if it cannot."""
    try:
        decrypted, _device = await other.plugin.decrypt_message(stanza)
    except Exception:
        return None
    return str(decrypted["body"])


async def _held_until_decided(
    prosody: ProsodyServer, a: TestAccount, b: TestAccount, decision: Trust
) -> tuple[str | None, list[str]]:
    async with running(prosody, a, b) as run:
        manager, rec, store = run.manager, run.rec, run.store
        first = await manager.send_message(a.jid, b.jid, "before the new device")
        assert first.encryption is Encryption.OMEMO
        await rec.wait(ev.MessageReceived, lambda e: e.account == b.jid, timeout=20)
        [known] = await manager.devices(a.jid, b.jid)
        await manager.set_trust(a.jid, b.jid, known.fingerprint, Trust.VERIFIED)
        async with OtherDevice.open(prosody, b) as other:
            new_id = await _device_id(other)
            got = _collect(other)
            changed, *_ = await rec.wait(
                ev.DevicesChanged,
                lambda e: (
                    e.account == a.jid
                    and e.jid == b.jid
                    and any(d.device_id == new_id for d in e.added)
                ),
                timeout=20,
            )
            [fresh] = [d for d in changed.added if d.device_id == new_id]
            assert fresh.trust is Trust.UNDECIDED
            sent = await manager.send_message(a.jid, b.jid, "held for your decision")
            held, *_ = await rec.wait(
                ev.EncryptionHeld, lambda e: e.account == a.jid and e.conversation == b.jid
            )
            assert "waiting for your decision" in held.reason
            assert [d.device_id for d in held.undecided] == [new_id]
            await asyncio.sleep(1.5)
            row = store.get_message(sent.id or 0)
            assert row is not None and row.state is MessageState.PENDING
            assert [m.id for m in store.outbox(a.jid)] == [sent.id]
            assert got == []  # nothing encrypted to the undecided device
            bobs = [m.body for m in store.history(b.jid, a.jid)]
            assert bobs == ["before the new device"]  # nothing reached bob, in any form
            await manager.set_trust(a.jid, b.jid, fresh.fingerprint, decision)
            await rec.wait(
                ev.MessageStateChanged,
                lambda e: e.message_id == sent.id and e.state is MessageState.ACKED,
                timeout=20,
            )
            arrived, *_ = await rec.wait(
                ev.MessageReceived,
                lambda e: e.account == b.jid and e.message.body == "held for your decision",
                timeout=20,
            )
            assert arrived.message.encryption is Encryption.OMEMO
            await asyncio.sleep(1.0)
            readable = [await _readable(other, stanza) for stanza in got]
        return (readable[0] if readable else None), [m.body for m in store.history(b.jid, a.jid)]


async def test_verified_contact_new_device_holds_until_verified(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Verified: the held message goes out, and bob's new device reads it."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    read, bobs = await _held_until_decided(prosody, a, b, Trust.VERIFIED)
    assert read == "held for your decision"
    assert bobs == ["before the new device", "held for your decision"]
    assert "held for your decision" not in archived_text(prosody)


async def test_verified_contact_new_device_holds_until_distrusted(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Distrusted: the held message goes out to bob's known device only."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    read, bobs = await _held_until_decided(prosody, a, b, Trust.DISTRUSTED)
    assert read is None
    assert bobs == ["before the new device", "held for your decision"]
    assert "held for your decision" not in archived_text(prosody)


async def test_own_account_new_device_is_announced(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Our own account gains a device: ``DevicesChanged`` for our JID names it in ``added``."""
    a = account("alice")
    async with running(prosody, a) as run:
        async with OtherDevice.open(prosody, a) as other:
            new_id = await _device_id(other)
            changed, *_ = await run.rec.wait(
                ev.DevicesChanged,
                lambda e: e.jid == a.jid and any(d.device_id == new_id for d in e.added),
                timeout=20,
            )
        assert changed.account == a.jid
        assert not any(d.this_device for d in changed.added)
        assert any(d.this_device for d in changed.devices)
