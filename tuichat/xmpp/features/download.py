"""Provides :func:`save`: fetching a received file (over https only) into the downloads folder,
and :func:`fetch_preview`: fetching a picture for the log into the private cache.

Rules: only an address :func:`tuichat.files.fetchable` allows (https) is fetched; the
certificate is checked as uploads check it (the account's CA file, see
:func:`tuichat.xmpp.features.upload.https_context`); redirects are not followed (an https
address must not lead elsewhere); the file is created exclusively under a free name (never
overwriting one, see :func:`tuichat.files.create_free`), and removed again when the download
fails or grows past :data:`tuichat.files.MAX_DOWNLOAD`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from tuichat.errors import ClientError
from tuichat.files import MAX_DOWNLOAD, Attachment, create_free, fetchable, human_size
from tuichat.previews import PREVIEW_LIMIT, PreviewCache
from tuichat.xmpp.features.upload import CHUNK, TIMEOUT, https_context

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)


Write = Callable[[bytes], object]


async def _fetch(
    session: Session, attachment: Attachment, limit: int, start: Callable[[], Write]
) -> None:
    """Fetch ``attachment`` (the rules above), giving its bytes to what ``start()`` returns
    (called once the server answered with the file); a :class:`ClientError` in words when it
    is not https, the server refuses, it is over ``limit`` bytes (the download is stopped)
    or the connection fails."""
    import aiohttp

    name = attachment.name
    if not fetchable(attachment.url):
        raise ClientError(f"{name} is not offered over https: tuichat does not fetch it")
    timeout = aiohttp.ClientTimeout(total=None, sock_read=TIMEOUT, sock_connect=TIMEOUT)
    context = https_context(session)
    too_big = f"{name} is over {human_size(limit)}: not fetched"
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http:
            get = http.get(attachment.url, ssl=context, allow_redirects=False)
            async with get as answer:
                if answer.status != 200:
                    raise ClientError(
                        f"the server did not give {name}: {answer.status} {answer.reason or ''}"
                    )
                if (answer.content_length or 0) > limit:
                    raise ClientError(too_big)
                write = start()
                got = 0
                async for chunk in answer.content.iter_chunked(CHUNK):
                    got += len(chunk)
                    if got > limit:
                        raise ClientError(too_big)
                    write(chunk)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise ClientError(f"could not fetch {name}: {exc or type(exc).__name__}") from None


async def save(session: Session, attachment: Attachment, directory: Path) -> Path:
    """Fetch ``attachment`` into ``directory``; the path it was saved under."""
    opened: list[tuple[Path, BinaryIO]] = []

    def start() -> Write:
        opened.append(create_free(directory, attachment.name))
        return opened[-1][1].write

    try:
        await _fetch(session, attachment, MAX_DOWNLOAD, start)
    except BaseException:
        for path, file in opened:
            file.close()
            path.unlink(missing_ok=True)
        raise
    path, file = opened[0]
    file.close()
    return path


async def fetch_preview(
    session: Session, attachment: Attachment, cache: PreviewCache, limit: int = PREVIEW_LIMIT
) -> bytes:
    """The bytes of the picture ``attachment`` for the log: from ``cache`` when it was fetched
    before, else fetched (at most ``limit`` bytes) and kept there (the disk in a thread)."""
    kept = await asyncio.to_thread(cache.get, attachment.url)
    if kept is not None:
        return kept
    parts: list[bytes] = []
    await _fetch(session, attachment, limit, lambda: parts.append)
    data = b"".join(parts)
    try:
        await asyncio.to_thread(cache.put, attachment.url, data)
    except OSError as exc:  # shown all the same; fetched again next time
        log.warning("could not keep a picture in the cache: %s", exc)
    return data
