"""File upload (XEP-0363) against the real Prosody's mod_http_file_share, over https with the
test CA: progress, the file fetched back intact, the size limit, a cancel mid-way, and an
address that is not https refused."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import fetch_https, started_manager
from tuichat import events as ev
from tuichat.errors import ClientError
from tuichat.files import UploadState
from tuichat.xmpp.features.upload import require_https, slot_headers


async def test_a_file_goes_up_with_progress_and_comes_back_intact(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    me = account("me")
    data = os.urandom(700_000)
    path = tmp_path / "holiday photo.jpg"
    path.write_bytes(data)
    manager, rec = await started_manager(prosody, me)
    try:
        shared = await manager.upload_file(me.jid, str(path))
        assert shared.url.startswith(f"https://{prosody.host}:{prosody.https_port}/")
        assert (shared.name, shared.size, shared.content_type) == (
            "holiday photo.jpg",
            700_000,
            "image/jpeg",
        )
        got = await asyncio.to_thread(fetch_https, shared.url, prosody.ca_file)
        assert got == data
        events = rec.of(ev.UploadProgressed)
        assert events[0].state is UploadState.UPLOADING and events[0].sent == 0
        assert events[-1].state is UploadState.DONE and events[-1].sent == 700_000
        assert len({e.upload for e in events}) == 1
    finally:
        await manager.stop()


async def test_too_big_missing_and_cancelled_uploads_say_why(
    prosody: ProsodyServer, account: Callable[..., TestAccount], tmp_path: Path
) -> None:
    me = account("me")
    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(11 * 1024 * 1024)  # the test server takes 10 MiB at most
    manager, rec = await started_manager(prosody, me)
    try:
        with pytest.raises(ClientError, match=r"big.bin is 11.5 MB; .* accepts at most 10.5 MB"):
            await manager.upload_file(me.jid, str(big))
        with pytest.raises(ClientError, match="cannot read"):
            await manager.upload_file(me.jid, str(tmp_path / "nowhere.txt"))
        with pytest.raises(ClientError, match="is not a file"):
            await manager.upload_file(me.jid, str(tmp_path))

        medium = tmp_path / "medium.bin"
        medium.write_bytes(os.urandom(9 * 1024 * 1024))

        def cancel_once_sending(event: ev.UploadProgressed) -> None:
            if event.state is UploadState.UPLOADING and event.sent > 0:
                manager.cancel_upload(me.jid, event.upload)

        manager.bus.subscribe(ev.UploadProgressed, cancel_once_sending)
        with pytest.raises(ClientError, match=r"medium\.bin was cancelled"):
            await manager.upload_file(me.jid, str(medium))
        states = [e.state for e in rec.of(ev.UploadProgressed) if e.name == "medium.bin"]
        assert states[-1] is UploadState.CANCELLED
        assert UploadState.DONE not in states
    finally:
        await manager.stop()


def test_only_https_addresses_and_allowed_headers_are_used() -> None:
    assert require_https("https://up.example/x", "an upload address") == "https://up.example/x"
    with pytest.raises(ClientError, match="without encryption"):
        require_https("http://up.example/x", "an upload address")
    headers = {
        "Authorization": "Basic abc",
        "Cookie": "a=b",
        "Expires": "Tue",
        "X-Evil": "1",
        "Host": "evil.example",
    }
    assert slot_headers(headers) == {
        "Authorization": "Basic abc",
        "Cookie": "a=b",
        "Expires": "Tue",
    }
    assert slot_headers({"Cookie": "a=b\r\nX-Injected: 1"}) == {}
