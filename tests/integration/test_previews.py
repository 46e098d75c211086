"""Pictures for the log against the real Prosody (mod_http_file_share, https with the test
CA): fetched once into the private cache (0700, files 0600), read from it afterwards; a
download past the limit is stopped and nothing is kept; only https is fetched."""

from __future__ import annotations

import random
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness import XdgDirs
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import started_manager
from tests.pngs import rgb_png
from tuichat.errors import ClientError
from tuichat.files import Attachment
from tuichat.previews import PreviewCache
from tuichat.xmpp.features.download import fetch_preview


async def test_a_picture_is_fetched_once_into_the_private_cache(
    prosody: ProsodyServer,
    account: Callable[..., TestAccount],
    tmp_path: Path,
    xdg: XdgDirs,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg.home / "cache"))
    me = account("viewer")
    noise = random.Random(7)

    def pixel() -> tuple[int, int, int]:
        return (noise.randrange(256), noise.randrange(256), noise.randrange(256))

    pixels = [[pixel() for _ in range(64)] for _ in range(64)]
    data = rgb_png(pixels)  # noise: 12 KB that does not compress
    assert len(data) > 10_000
    source = tmp_path / "red.png"
    source.write_bytes(data)
    manager, _rec = await started_manager(prosody, me)
    try:
        shared = await manager.upload_file(me.jid, str(source))
        assert await manager.fetch_preview(me.jid, shared) == data
        folder = xdg.home / "cache" / "tuichat" / "pictures"
        [kept] = folder.iterdir()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert kept.read_bytes() == data
        kept.write_bytes(b"from the cache")  # a second look reads the cache, not the server
        assert await manager.fetch_preview(me.jid, shared) == b"from the cache"

        session = manager.session(me.jid)
        small = PreviewCache(tmp_path / "small")
        with pytest.raises(ClientError, match=r"over 1\.0 KB: not fetched"):
            await fetch_preview(session, shared, small, limit=1000)
        assert not (tmp_path / "small").exists() or not list((tmp_path / "small").iterdir())
        plain = Attachment(shared.url.replace("https://", "http://", 1), "red.png")
        with pytest.raises(ClientError, match="not offered over https"):
            await fetch_preview(session, plain, small)
        folder_url = shared.url.rsplit("/", 2)[0]  # https://host/file_share/SLOT/red.png
        missing = Attachment(f"{folder_url}/no-such-slot/gone.png", "gone.png")
        with pytest.raises(ClientError, match=r"did not give gone\.png: 404"):
            await fetch_preview(session, missing, small)
    finally:
        await manager.stop()
