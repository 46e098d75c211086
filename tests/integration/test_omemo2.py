"""OMEMO 2 (``urn:xmpp:omemo:2``) between two tuichat accounts, on real Prosody.

Both accounts' devices publish OMEMO 2 and OMEMO 0.3, and tuichat sends OMEMO 0.3 unless a
recipient's device speaks only OMEMO 2 (``omemo2.needs_omemo2``). To have one tuichat account
send OMEMO 2 to the other, the tests make that one decision say yes: everything else (the
encryption, the server, the routing and decryption on the receiving side, the store) is the
real path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from slixmpp.xmlstream import ET

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.omemo_helpers import archived_text, befriend, running
from tuichat import events as ev
from tuichat.model import Direction, Encryption, MessageState, Trust
from tuichat.xmpp.omemo import omemo2


@pytest.fixture
def omemo2_everywhere(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Senders choose OMEMO 2 for every recipient; records each time the choice was made."""
    chosen: list[bool] = []

    def always(devices: Iterable[object]) -> bool:
        list(devices)
        chosen.append(True)
        return True

    monkeypatch.setattr(omemo2, "needs_omemo2", always)
    return chosen


async def test_omemo2_message_between_two_tuichat_accounts(
    prosody: ProsodyServer,
    account: Callable[..., TestAccount],
    tmp_path: Path,
    omemo2_everywhere: list[bool],
) -> None:
    """An OMEMO 2 message is decrypted and stored once (also after the receiver's catch-up
    reads it again from the archive); its correction, inside the envelope, changes it; the
    archive holds the OMEMO 2 element, not the text; the fallback body is never the message."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    path, path_a = tmp_path / "bob.db", tmp_path / "alice.db"
    async with running(prosody, a, path=path_a) as run_a:
        async with running(prosody, b, path=path) as run_b:
            sent = await run_a.manager.send_message(a.jid, b.jid, "omemo two secret")
            assert sent.encryption is Encryption.OMEMO
            [got] = await run_b.rec.wait(
                ev.MessageReceived, lambda e: e.account == b.jid, timeout=20
            )
            assert got.message.body == "omemo two secret"
            assert got.message.undecrypted is None
            assert got.message.encryption is Encryption.OMEMO
            assert got.message.trust is Trust.BLIND
            await run_a.rec.wait(
                ev.MessageStateChanged,
                lambda e: e.message_id == sent.id and e.state is MessageState.ACKED,
                timeout=20,
            )
        assert omemo2_everywhere, "the sender never chose between OMEMO 2 and OMEMO 0.3"
        async with running(prosody, b, path=path) as run_b:
            await asyncio.sleep(1.0)
            history = run_b.store.history(b.jid, a.jid)
            assert [(m.body, m.direction, m.undecrypted) for m in history] == [
                ("omemo two secret", Direction.IN, None)
            ]
            # tuichat's own correction travels inside the envelope: it changes the message,
            # adds none.
            await run_a.manager.correct_message(a.jid, sent, "omemo two corrected")
            [changed] = await run_b.rec.wait(
                ev.MessageChanged, lambda e: e.account == b.jid, timeout=20
            )
            assert changed.message.id == history[0].id
            assert changed.message.body == "omemo two corrected"
            [row] = run_b.store.history(b.jid, a.jid)
            assert (row.body, row.undecrypted) == ("omemo two corrected", None)
    # Both catch up again, reading the applied correction from the archive once more (its key
    # is spent): it is known as applied by its ids before any decryption, never a placeholder.
    for who, store_path, peer in ((b, path, a), (a, path_a, b)):
        async with running(prosody, who, path=store_path) as again:
            synced = again.manager.session(who.jid).archive
            assert synced is not None
            await again.manager.session(who.jid).sync_archive()
            await asyncio.sleep(0.5)
            rows = again.store.history(who.jid, peer.jid)
            assert [(m.body, m.undecrypted) for m in rows] == [("omemo two corrected", None)]
    archive = archived_text(prosody)
    assert "omemo two secret" not in archive and "omemo two corrected" not in archive
    assert "urn:xmpp:omemo:2" in archive
    assert omemo2.FALLBACK_BODY not in [m.body for m in history]


def _omemo2_element(recipient: str, device_id: int, *, payload: bool) -> ET.Element:
    """A hand-made OMEMO 2 element for ``device_id`` of ``recipient`` whose key is no real key."""
    body = "<payload>AAAA</payload>" if payload else ""
    return ET.fromstring(
        f"<encrypted xmlns='urn:xmpp:omemo:2'><header sid='4242'><keys jid='{recipient}'>"
        f"<key rid='{device_id}'>AAAA</key></keys></header>{body}</encrypted>"
    )


async def test_empty_omemo2_message_shows_nothing_and_a_broken_one_says_why(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """An OMEMO 2 message without payload (a key exchange or heartbeat) is dropped silently;
    one with a payload that cannot be read is a placeholder saying why, never the fallback
    body; the conversation goes on."""
    a, b = account("alice"), account("bob")
    await befriend(prosody, a, b)
    async with running(prosody, a) as run, Peer.connect(prosody, b.jid, b.password) as peer:
        device = await run.manager.own_device(a.jid)
        for payload in (False, True):
            stanza = peer.client.make_message(
                mto=a.jid, mtype="chat", mbody=omemo2.FALLBACK_BODY if payload else None
            )
            stanza.append(_omemo2_element(a.jid, device.device_id, payload=payload))
            stanza.enable("store")
            stanza.send()
        peer.send(a.jid, "after the OMEMO 2 ones")
        await run.rec.wait(
            ev.MessageReceived, lambda e: e.message.body == "after the OMEMO 2 ones", timeout=20
        )
        history = run.store.history(a.jid, b.jid)
        assert [m.body for m in history] == ["", "after the OMEMO 2 ones"]
        assert history[0].undecrypted is not None
        assert history[0].undecrypted.startswith("encrypted: the OMEMO 2 element is malformed")
