"""Encrypted files (XEP-0454) in OMEMO conversations against the real Prosody: tuichat uploads
a file encrypted as it goes (the server's copy is ciphertext), sends its ``aesgcm://`` link as
the encrypted text (the archive holds neither the link nor the upload's address), and the
other tuichat account stores it as a file, decrypts and saves the very bytes (``0600``); a
wrong key saves nothing; slixmpp's own XEP-0454 decrypts the upload too; ``tuichat send
--file`` in an encrypted conversation does the same from the shell; so does an OMEMO room;
and a link a plain slixmpp-omemo client sends (its own XEP-0454 encryption) is a file too."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from slixmpp.plugins.xep_0454 import XEP_0454

from tests.harness import XdgDirs
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, env_for, history
from tests.integration.helpers import fetch_https
from tests.integration.omemo_helpers import OtherDevice, archived_text, befriend, running
from tests.integration.test_muc import room_name
from tests.integration.test_omemo_rooms import WHOIS, make_room, room_archive_text
from tuichat import events as ev
from tuichat.errors import ClientError
from tuichat.file_crypto import is_encrypted_url, parse_aesgcm
from tuichat.model import Direction, Encryption, MessageState


def _stored_uploads(server: ProsodyServer, size: int) -> list[bytes]:
    """The files of that size Prosody's http_file_share keeps in its data directory."""
    return [
        p.read_bytes()
        for p in server.data_dir.rglob("*")
        if p.is_file() and p.stat().st_size == size
    ]


async def test_an_encrypted_file_round_trip_between_two_tuichat_accounts(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path, xdg: XdgDirs
) -> None:
    a, b = account("filer"), account("receiver")
    await befriend(prosody, a, b)
    data = os.urandom(150_000)
    source = tmp_path / "plan v2.pdf"
    source.write_bytes(data)
    async with running(prosody, a, b) as run:
        manager, rec, store = run.manager, run.rec, run.store
        await manager.set_encryption(a.jid, b.jid, Encryption.OMEMO)
        shared = await manager.upload_file(a.jid, str(source), encrypt=True)
        assert is_encrypted_url(shared.url) and shared.size == len(data)
        https, _key = parse_aesgcm(shared.url)
        # The server keeps ciphertext only: the file's size plus the tag, none of its bytes.
        [kept] = _stored_uploads(prosody, len(data) + 16)
        assert data[:4096] not in kept and data[-4096:] not in kept
        fetched = await asyncio.to_thread(fetch_https, https, prosody.ca_file)
        assert fetched == kept
        assert XEP_0454.decrypt(io.BytesIO(fetched), shared.url.partition("#")[2]) == data

        queued = await manager.share_file(a.jid, b.jid, shared)
        assert queued.encryption is Encryption.OMEMO and queued.attachments == (shared,)
        [got] = await rec.wait(
            ev.MessageReceived,
            lambda e: e.account == b.jid and e.message.direction is Direction.IN,
            timeout=20,
        )
        message = got.message
        assert message.encryption is Encryption.OMEMO and message.body == shared.url
        [file] = message.attachments
        assert (file.url, file.name, file.content_type) == (
            shared.url,
            "plan v2.pdf",
            "application/pdf",
        )
        await rec.wait(
            ev.MessageStateChanged,
            lambda e: e.message_id == queued.id and e.state is MessageState.ACKED,
        )
        [stored] = store.history(b.jid, a.jid)
        assert stored.attachments == (file,)

        saved = await manager.save_file(b.jid, file)
        assert saved == xdg.home / "Downloads" / "plan v2.pdf"
        assert saved.read_bytes() == data
        assert saved.stat().st_mode & 0o777 == 0o600

        # A wrong key (or a changed file): refused in words, nothing left in Downloads.
        tail = "1111" if shared.url.endswith("0000") else "0000"
        wrong = replace(file, url=shared.url[:-4] + tail)
        with pytest.raises(ClientError, match="does not match its key"):
            await manager.save_file(b.jid, wrong)
        assert sorted(p.name for p in saved.parent.iterdir()) == ["plan v2.pdf"]

        # An encrypted file never goes out in the clear, nor a plain one encrypted.
        with pytest.raises(ClientError, match="holds its key"):
            await manager.share_file(a.jid, b.jid, shared, encryption=Encryption.NONE)
    archive = archived_text(prosody)
    assert shared.url.partition("#")[2] not in archive
    assert https.partition("://")[2] not in archive  # neither the link nor an OOB element


async def test_send_file_in_an_encrypted_conversation_from_the_shell(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs, tmp_path: Path
) -> None:
    """``tuichat send PEER --file PATH --encrypt`` uploads it encrypted and sends its link
    encrypted; the peer (a tuichat account) decrypts it; ``history --json`` gives the link
    (the user's data), plain ``history`` never shows the key."""
    me, bob = account("shellfiler"), account("shellbob")
    await befriend(prosody, me, bob)
    add_account(xdg, prosody, me.jid, me.password)
    data = os.urandom(30_000)
    path = tmp_path / "notes.txt"
    path.write_bytes(data)

    async def tuichat(*args: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tuichat", *args,
            env=env_for(xdg), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 90)
        return proc.returncode or 0, out.decode(), err.decode()

    async with running(prosody, bob) as run:
        code, _out, err = await tuichat("send", bob.jid, "--file", str(path), "--encrypt")
        assert code == 0, err
        [got] = await run.rec.wait(
            ev.MessageReceived, lambda e: e.message.direction is Direction.IN, timeout=20
        )
        [file] = got.message.attachments
        assert got.message.encryption is Encryption.OMEMO and is_encrypted_url(file.url)
        saved = await run.manager.save_file(bob.jid, file)
        assert saved.read_bytes() == data
    [row] = history(xdg, bob.jid)
    assert row["encryption"] == "omemo"
    assert row["attachments"] == [
        {
            "url": file.url,
            "name": "notes.txt",
            "size": 30_000,
            "type": "text/plain",
            "encrypted": True,
        }
    ]
    code, out, err = await tuichat("history", bob.jid)
    assert code == 0, err
    assert "notes.txt (encrypted file)" in out and file.url.partition("#")[2] not in out


async def test_an_encrypted_file_in_an_omemo_room(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path, xdg: XdgDirs
) -> None:
    """In a members-only, non-anonymous room that sends encrypted, a file goes up encrypted and
    its link as encrypted text; the other member stores it as a file and saves the very bytes;
    the room's archive holds neither the link nor the upload's address."""
    a, b = account("roomfiler"), account("roomgetter")
    room = room_name(prosody, "files")
    data = os.urandom(40_000)
    source = tmp_path / "minutes.txt"
    source.write_bytes(data)
    async with running(prosody, b, path=tmp_path / "b.db"):
        pass  # b's device is published
    async with running(prosody, a, b) as run:
        await make_room(run, a.jid, room, b.jid, members_only=True, **{WHOIS: "anyone"})
        await run.manager.set_encryption(a.jid, room, Encryption.OMEMO)
        await run.manager.join_room(b.jid, room, "getter")
        shared = await run.manager.upload_file(a.jid, str(source), encrypt=True)
        with pytest.raises(ClientError, match="private messages"):
            await run.manager.share_file(a.jid, f"{room}/getter", shared)
        sent = await run.manager.share_file(a.jid, room, shared)
        assert sent.encryption is Encryption.OMEMO
        [got] = await run.rec.wait(
            ev.MessageReceived,
            lambda e: e.account == b.jid and e.message.direction is Direction.IN,
            timeout=30,
        )
        assert got.message.encryption is Encryption.OMEMO
        [file] = got.message.attachments
        assert file.url == shared.url and file.name == "minutes.txt"
        saved = await run.manager.save_file(b.jid, file)
        assert saved.read_bytes() == data
    archive = room_archive_text(prosody)
    assert shared.url.partition("#")[2] not in archive
    assert parse_aesgcm(shared.url)[0].partition("://")[2] not in archive


async def test_a_file_from_another_omemo_client_is_received_and_decrypted(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path, xdg: XdgDirs
) -> None:
    """A plain slixmpp-omemo client (as Conversations does, with slixmpp's own XEP-0454
    encryption) sends an ``aesgcm://`` link: tuichat stores it as one file, its text never
    linked, and saves the bytes it decrypts."""
    a, b = account("interop"), account("sender")
    await befriend(prosody, a, b)
    data = os.urandom(25_000)
    ciphertext, fragment = XEP_0454.encrypt(io.BytesIO(data))
    upload = tmp_path / "photo.jpg"
    upload.write_bytes(ciphertext)
    async with running(prosody, a) as run:
        https = (await run.manager.upload_file(a.jid, str(upload))).url  # any account's slot
        link = XEP_0454.format_url(https, fragment)
        async with OtherDevice.open(prosody, b) as other:
            await other.send(a.jid, link)
            [got] = await run.rec.wait(
                ev.MessageReceived, lambda e: e.message.direction is Direction.IN, timeout=30
            )
        message = got.message
        assert message.encryption is Encryption.OMEMO and message.undecrypted is None
        [file] = message.attachments
        assert (file.url, file.name, file.content_type) == (link, "photo.jpg", "image/jpeg")
        saved = await run.manager.save_file(a.jid, file)
        assert saved.read_bytes() == data
