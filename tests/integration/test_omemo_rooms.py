"""OMEMO in group chats, between tuichat accounts on the real Prosody: members-only,
non-anonymous rooms encrypt to every member (present or not), archived messages are decrypted
with the real JID the room keeps, and a room that is not eligible never gets plaintext."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness import XdgDirs
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account
from tests.integration.omemo_helpers import Running, running
from tests.integration.test_muc import room_name
from tests.integration.test_omemo_cli import _run
from tuichat import events as ev
from tuichat.errors import ClientError
from tuichat.model import Direction, Encryption, Message, MessageState

WHOIS = "muc#roomconfig_whois"


def room_archive_text(server: ProsodyServer) -> str:
    """Everything Prosody's room archives (``muc_log``) hold, as text."""
    out = []
    for path in server.data_dir.rglob("*"):
        if path.is_file() and "muc_log" in str(path.relative_to(server.data_dir)):
            out.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(out)


async def make_room(run: Running, owner: str, room: str, *members: str, **options: object) -> None:
    """``owner`` creates ``room`` with ``options`` and makes ``members`` its members."""
    await run.manager.join_room(owner, room, owner.partition("@")[0])
    await run.manager.configure_room(owner, room, **options)
    for member in members:
        await run.manager.set_affiliation(owner, room, member, "member")


async def say(run: Running, account: str, room: str, text: str) -> Message:
    """Send ``text`` to ``room`` and wait for the room to reflect it (acked)."""
    sent = await run.manager.send_room_message(account, room, text)
    await run.rec.wait(
        ev.MessageStateChanged,
        lambda e: e.message_id == sent.id and e.state is MessageState.ACKED,
        timeout=30,
    )
    return sent


def texts(run: Running, account: str, room: str) -> list[tuple[str, Direction, str | None]]:
    """What ``account`` stored for ``room``: (text, direction, why not decrypted)."""
    history = run.store.history(account, room)
    assert all(m.encryption is Encryption.OMEMO for m in history)
    return [(m.body, m.direction, m.undecrypted) for m in history]


async def test_offline_member_and_a_sender_who_left_are_decrypted_from_the_archive(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    """Three members: carol is offline while alice and bob write, and bob leaves the room
    before carol comes. Carol decrypts everything from the room archive (bob's messages with
    the real JID the room archived, since he is gone), and bob, back later, decrypts what was
    written while he was out. The archive holds only ciphertext; each message is stored once
    (our own reflected messages matched by origin-id)."""
    a, b, c = account("alice"), account("bob"), account("carol")
    room = room_name(prosody, "secret")
    async with running(prosody, c, path=tmp_path / "carol.db"):
        pass  # carol's device is published, then she goes offline
    async with running(prosody, a) as alice:
        await make_room(alice, a.jid, room, b.jid, c.jid, members_only=True, **{WHOIS: "anyone"})
        await alice.manager.set_encryption(a.jid, room, Encryption.OMEMO)
        assert alice.manager.encryption(a.jid, room) is Encryption.OMEMO
        async with running(prosody, b, path=tmp_path / "bob.db") as bob:
            await bob.manager.join_room(b.jid, room, "bob")
            await say(alice, a.jid, room, "alice one")
            [got] = await bob.rec.wait(
                ev.MessageReceived, lambda e: e.message.body == "alice one", timeout=30
            )
            assert got.message.encryption is Encryption.OMEMO
            # Bob's side follows the room: its last incoming message was encrypted.
            assert bob.manager.encryption(b.jid, room) is Encryption.OMEMO
            await say(bob, b.jid, room, "bob one")
            await alice.rec.wait(ev.MessageReceived, lambda e: e.message.body == "bob one")
            await bob.manager.leave_room(b.jid, room)
        await say(alice, a.jid, room, "alice two")  # to bob too: a member, though gone
        assert texts(alice, a.jid, room) == [
            ("alice one", Direction.OUT, None),
            ("bob one", Direction.IN, None),
            ("alice two", Direction.OUT, None),
        ]
    async with running(prosody, c, path=tmp_path / "carol.db") as carol:
        await carol.manager.join_room(c.jid, room, "carol")
        assert texts(carol, c.jid, room) == [
            ("alice one", Direction.IN, None),
            ("bob one", Direction.IN, None),
            ("alice two", Direction.IN, None),
        ]
    async with running(prosody, b, path=tmp_path / "bob.db") as bob:
        await bob.manager.join_room(b.jid, room, "bob")
        assert texts(bob, b.jid, room) == [
            ("alice one", Direction.IN, None),
            ("bob one", Direction.OUT, None),
            ("alice two", Direction.IN, None),
        ]
    archive = room_archive_text(prosody)
    assert "eu.siacs.conversations.axolotl" in archive
    for text in ("alice one", "bob one", "alice two"):
        assert text not in archive


async def test_omemo_on_is_refused_in_words_where_a_room_is_not_eligible(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """An open room, and a members-only room that hides real JIDs: ``/omemo on`` says which
    of members-only and non-anonymous is missing, and the room keeps sending plaintext."""
    a = account("alice")
    open_room, hidden = room_name(prosody, "open"), room_name(prosody, "hidden")
    half = room_name(prosody, "half")
    async with running(prosody, a) as alice:
        await make_room(alice, a.jid, open_room, members_only=False)
        with pytest.raises(ClientError, match="is neither members-only nor non-anonymous:"):
            await alice.manager.set_encryption(a.jid, open_room, Encryption.OMEMO)
        await make_room(alice, a.jid, hidden, members_only=True, **{WHOIS: "moderators"})
        with pytest.raises(ClientError, match=r"is not non-anonymous \(it hides"):
            await alice.manager.set_encryption(a.jid, hidden, Encryption.OMEMO)
        await make_room(alice, a.jid, half, members_only=False, **{WHOIS: "anyone"})
        with pytest.raises(ClientError, match=r"is not members-only \(anyone may join\)"):
            await alice.manager.set_encryption(a.jid, half, Encryption.OMEMO)
        assert alice.manager.encryption(a.jid, open_room) is Encryption.NONE


async def test_a_room_that_stops_being_eligible_holds_messages_in_the_outbox(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """OMEMO on, then the owner opens the room: the next message waits in the outbox with the
    reason in words, and nothing of it reaches the room in plaintext; once the room is
    members-only again, it goes out encrypted."""
    a, b = account("alice"), account("bob")
    room = room_name(prosody, "closing")
    async with running(prosody, b):
        pass  # bob's device is published
    async with running(prosody, a) as alice:
        await make_room(alice, a.jid, room, b.jid, members_only=True, **{WHOIS: "anyone"})
        await alice.manager.set_encryption(a.jid, room, Encryption.OMEMO)
        await say(alice, a.jid, room, "while closed")
        await alice.manager.configure_room(a.jid, room, members_only=False)
        held = await alice.manager.send_room_message(a.jid, room, "now open")
        [why] = await alice.rec.wait(ev.EncryptionHeld, lambda e: e.conversation == room)
        assert "is not members-only (anyone may join)" in why.reason
        assert why.reason.endswith("it stays in the outbox")
        stored = alice.store.get_message(held.id)
        assert stored is not None and stored.state is MessageState.PENDING
        # Closed again: the room says its configuration changed, and the message goes out.
        await alice.manager.configure_room(a.jid, room, members_only=True)
        await alice.rec.wait(
            ev.MessageStateChanged,
            lambda e: e.message_id == held.id and e.state is MessageState.ACKED,
            timeout=30,
        )
    assert "now open" not in room_archive_text(prosody)
    assert "while closed" not in room_archive_text(prosody)


async def test_affiliation_changes_change_who_messages_are_encrypted_to(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    """The member lists are read once, then kept current from the room's announcements: a
    member added later (not in the room) gets what is written after, and reads it from the
    archive; one removed is no longer encrypted to."""
    a, b, d = account("alice"), account("bob"), account("dave")
    room = room_name(prosody, "growing")
    async with running(prosody, b), running(prosody, d, path=tmp_path / "dave.db"):
        pass  # their devices are published
    async with running(prosody, a) as alice:
        await make_room(alice, a.jid, room, b.jid, members_only=True, **{WHOIS: "anyone"})
        await alice.manager.set_encryption(a.jid, room, Encryption.OMEMO)
        await say(alice, a.jid, room, "before dave")
        rooms = alice.manager.session(a.jid).rooms
        assert rooms is not None
        assert set(rooms.members.members[room]) == {a.jid, b.jid}
        await alice.manager.set_affiliation(a.jid, room, d.jid, "member")
        await alice.manager.set_affiliation(a.jid, room, b.jid, "none")
        await asyncio.sleep(0.5)  # the room's announcements follow its answers
        assert set(rooms.members.members[room]) == {a.jid, d.jid}
        await say(alice, a.jid, room, "after dave")
    async with running(prosody, d, path=tmp_path / "dave.db") as dave:
        await dave.manager.join_room(d.jid, room, "dave")
        assert texts(dave, d.jid, room) == [
            ("", Direction.IN, "encrypted: not encrypted for this device"),
            ("after dave", Direction.IN, None),
        ]


async def test_send_encrypt_to_a_room(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """``tuichat send ROOM --encrypt``: an eligible room gets it encrypted (its owner reads
    it); a room that is not eligible exits 1 saying why, and nothing leaves in plaintext."""
    a, me = account("alice"), account("scripter")
    room, open_room = room_name(prosody, "cli"), room_name(prosody, "clio")
    add_account(xdg, prosody, me.jid, me.password)
    code, _out, err = await _run(xdg, "omemo", "fingerprint")  # our device is published
    assert code == 0, err
    async with running(prosody, a) as alice:
        await make_room(alice, a.jid, room, me.jid, members_only=True, **{WHOIS: "anyone"})
        await make_room(alice, a.jid, open_room)
        code, _out, err = await _run(xdg, "send", room, "cli secret", "--encrypt")
        assert code == 0, err
        [got] = await alice.rec.wait(ev.MessageReceived, lambda e: e.message.body == "cli secret")
        assert got.message.encryption is Encryption.OMEMO
        code, _out, err = await _run(xdg, "send", open_room, "cli open", "--encrypt")
        assert code == 1
        assert "is neither members-only nor non-anonymous" in err
    archive = room_archive_text(prosody)
    assert "cli secret" not in archive and "cli open" not in archive


async def test_a_member_without_devices_holds_room_messages_naming_them(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Every member must be reachable: one who never published an OMEMO device holds the
    message in the outbox, named, rather than leaving them out or sending plaintext."""
    a, e = account("alice"), account("eve")
    room = room_name(prosody, "nodevice")
    async with running(prosody, a) as alice:
        await make_room(alice, a.jid, room, e.jid, members_only=True, **{WHOIS: "anyone"})
        await alice.manager.set_encryption(a.jid, room, Encryption.OMEMO)
        held = await alice.manager.send_room_message(a.jid, room, "for eve too")
        [why] = await alice.rec.wait(ev.EncryptionHeld, lambda e: e.conversation == room)
        assert f"{e.jid} has no OMEMO device we can encrypt to" in why.reason
        stored = alice.store.get_message(held.id)
        assert stored is not None and stored.state is MessageState.PENDING
    assert "for eve too" not in room_archive_text(prosody)


async def test_our_other_device_in_the_room_reads_what_we_write(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    """A room message is encrypted to our own other devices too: a second tuichat of the same
    account, in the room under another nick, decrypts it (its sender's real JID is ours)."""
    a, b = account("alice"), account("bob")
    room = room_name(prosody, "twodevices")
    async with running(prosody, b):
        pass  # bob's device is published
    async with (
        running(prosody, a, path=tmp_path / "second.db", resource="tc2") as second,
        running(prosody, a) as alice,  # after the second: it finds that device published
    ):
        await make_room(alice, a.jid, room, b.jid, members_only=True, **{WHOIS: "anyone"})
        await alice.manager.set_encryption(a.jid, room, Encryption.OMEMO)
        await second.manager.join_room(a.jid, room, "alice2")
        await say(alice, a.jid, room, "to my other device")
        [got] = await second.rec.wait(
            ev.MessageReceived, lambda e: e.message.body == "to my other device", timeout=30
        )
        assert got.message.encryption is Encryption.OMEMO and got.message.undecrypted is None
