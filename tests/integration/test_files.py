"""Files as attachments against the real Prosody (mod_http_file_share over https, test CA):
an uploaded file goes to a slixmpp peer announced out of band (XEP-0066) and the peer fetches
the same bytes; a peer's file message is stored once with its file, kept through an archive
catch-up, and saved (https only, never overwriting); ``tuichat send --file`` does the same
from the shell."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, env_for, history
from tests.integration.helpers import account_config, fetch_https, started_manager
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.errors import ClientError
from tuichat.files import Attachment
from tuichat.model import Direction, MessageState
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


async def test_an_uploaded_file_reaches_the_peer_as_oob_and_its_bytes_match(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    """The peer gets body == URL and one OOB URL, and fetches the very bytes; the store keeps
    the file with the message, acked, and the archive copy adds no second file or row."""
    me, other = account("sharer"), account("getter")
    data = os.urandom(300_000)
    path = tmp_path / "notes v2.pdf"
    path.write_bytes(data)
    store = Store.memory()
    async with Peer.connect(prosody, other.jid, other.password) as peer:
        manager, rec = await started_manager(prosody, me, store)
        try:
            shared = await manager.upload_file(me.jid, str(path))
            queued = await manager.share_file(me.jid, peer.bare, shared)
            assert queued.attachments == (shared,)
            got = await peer.wait_message(lambda m: m.body == shared.url)
            assert got.oob_urls == (shared.url,)
            assert await asyncio.to_thread(fetch_https, got.oob_urls[0], prosody.ca_file) == data
            await rec.wait(ev.MessageStateChanged, lambda e: e.state is MessageState.ACKED)
            await manager.fetch_older(me.jid, peer.bare)  # the archive's copy: a duplicate
        finally:
            await manager.stop()
    [row] = store.history(me.jid, peer.bare)
    assert row.direction is Direction.OUT and row.state is not MessageState.PENDING
    assert row.attachments == (Attachment(shared.url, "notes v2.pdf", 300_000, "application/pdf"),)


async def test_a_file_shared_while_offline_goes_out_with_its_announcement_later(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    """Shared while disconnected: it waits in the outbox (with its file, in the store) and
    goes out announced once connected, like any message; an encrypted conversation refuses."""
    me, other = account("offline"), account("later")
    path = tmp_path / "later.txt"
    path.write_bytes(b"kept for later")
    store = Store.open(tmp_path / "o.sqlite3")
    manager, _rec = await started_manager(prosody, me, store)
    try:
        shared = await manager.upload_file(me.jid, str(path))
    finally:
        await manager.stop()
    offline = ConnectionManager([account_config(prosody, me.jid, me.password)], store, EventBus())
    secret = f"secret@{prosody.domain}"
    store.set_conversation_encryption(me.jid, secret, "omemo")
    with pytest.raises(ClientError, match="encrypted"):
        await offline.share_file(me.jid, secret, shared)  # never in the clear beside OMEMO
    queued = await offline.share_file(me.jid, other.jid, shared)
    assert store.outbox(me.jid) == [queued] and queued.attachments == (shared,)
    async with Peer.connect(prosody, other.jid, other.password) as peer:
        await offline.start()
        try:
            got = await peer.wait_message(lambda m: m.body == shared.url, timeout=20)
            assert got.oob_urls == (shared.url,)
        finally:
            await offline.stop()
    store.close()


async def test_a_peers_file_is_stored_once_kept_through_the_archive_and_saved(
    prosody: ProsodyServer,
    account: Callable[..., TestAccount],
    tmp_path: Path,
    xdg: XdgDirs,
) -> None:
    """One stored attachment live; a fresh store reads the same from the archive; saving
    fetches it over https into ~/Downloads as ``name``, then ``name (1).ext``; a hostile
    address is kept as text and never fetched."""
    me, other = account("keeper"), account("giver")
    data = os.urandom(50_000)
    source = tmp_path / "cat.png"
    source.write_bytes(data)
    store = Store.open(tmp_path / "a.sqlite3")
    async with Peer.connect(prosody, other.jid, other.password) as peer:
        manager, rec = await started_manager(prosody, me, store)
        try:
            url = (await manager.upload_file(me.jid, str(source))).url
            peer.send(me.jid, url, oob_urls=(url,))
            peer.send(me.jid, "javascript:alert(1)", oob_urls=("javascript:alert(1)",))
            await rec.wait(ev.MessageReceived, count=2)
            [first, hostile] = store.history(me.jid, peer.bare)
            assert [a.url for a in first.attachments] == [url]
            assert first.attachments[0].name == "cat.png"
            assert first.attachments[0].content_type == "image/png"
            saved = await manager.save_file(me.jid, first.attachments[0])
            again = await manager.save_file(me.jid, first.attachments[0])
            assert (saved, again) == (
                xdg.home / "Downloads/cat.png",
                xdg.home / "Downloads/cat (1).png",
            )
            assert saved.read_bytes() == data and again.read_bytes() == data
            with pytest.raises(ClientError, match="not offered over https"):
                await manager.save_file(me.jid, hostile.attachments[0])
        finally:
            await manager.stop()
        # A fresh store: the files come from the archive alone.
        fresh = Store.memory()
        manager, _rec = await started_manager(prosody, me, fresh)
        await manager.fetch_older(me.jid, peer.bare)
        await manager.stop()
    rows = store.history(me.jid, peer.bare)
    archived = fresh.history(me.jid, peer.bare)
    assert [r.attachments for r in archived] == [r.attachments for r in rows]
    # The archive's copies saved where the live ones are: duplicates, no second file.
    assert store.save_messages([replace(m, id=None) for m in archived]) == []
    assert [len(r.attachments) for r in store.history(me.jid, peer.bare)] == [1, 1]
    store.close()


async def test_send_file_from_the_shell_uploads_and_announces_it(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs, tmp_path: Path
) -> None:
    """``tuichat send PEER --file PATH`` exits 0 once acked; the peer gets the file announced
    out of band; ``history --json`` lists it; a missing file is exit 2 with one line."""
    me, other = account("shell"), account("listener")
    add_account(xdg, prosody, me.jid, me.password)
    data = os.urandom(20_000)
    path = tmp_path / "report.txt"
    path.write_bytes(data)

    async def tuichat(*args: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tuichat", *args,
            env=env_for(xdg), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _out, err = await asyncio.wait_for(proc.communicate(), 90)
        return proc.returncode or 0, err.decode()

    async with Peer.connect(prosody, other.jid, other.password) as peer:
        code, err = await tuichat("send", peer.bare, "--file", str(path))
        assert code == 0, err
        got = await peer.wait_message(lambda m: bool(m.oob_urls))
        assert got.body == got.oob_urls[0]
        assert await asyncio.to_thread(fetch_https, got.body, prosody.ca_file) == data
        code, err = await tuichat("send", peer.bare, "--file", str(tmp_path / "none.txt"))
        assert code == 2 and err.count("\n") == 1 and "cannot read" in err
        code, err = await tuichat("send", peer.bare, "hello", "--file", str(path))
        assert code == 2 and err.count("\n") == 1 and "give no TEXT" in err
    rows = history(xdg, peer.bare)
    assert [r["attachments"] for r in rows] == [
        [
            {
                "url": got.body,
                "name": "report.txt",
                "size": 20_000,
                "type": "text/plain",
                "encrypted": False,
            }
        ]
    ]


async def test_send_file_to_a_room_is_announced_and_reflected(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs, tmp_path: Path
) -> None:
    """``tuichat send ROOM --file PATH`` joins, shares the file, exits 0 once the room reflected
    it; an occupant gets the announcement; the reflection is stored once with its file."""
    me, other = account("roomsharer"), account("roomgetter")
    room = f"files-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"
    add_account(xdg, prosody, me.jid, me.password)
    path = tmp_path / "minutes.md"
    path.write_bytes(b"# minutes\n")
    async with Peer.connect(prosody, other.jid, other.password) as peer:
        await peer.join_room(room, "getter")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tuichat", "send", room, "--file", str(path),
            env=env_for(xdg), stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _out, err = await asyncio.wait_for(proc.communicate(), 90)
        assert proc.returncode == 0, err
        got = await peer.wait_message(lambda m: bool(m.oob_urls), queue=peer.room_messages)
        assert got.body == got.oob_urls[0]
        assert await asyncio.to_thread(fetch_https, got.body, prosody.ca_file) == b"# minutes\n"
    rows = history(xdg, room)
    assert [(r["kind"], r["state"], [f["name"] for f in r["attachments"]]) for r in rows] == [
        ("groupchat", "acked", ["minutes.md"])
    ]
