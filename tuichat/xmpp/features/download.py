"""Provides :func:`save`: fetching a received file (over https only) into the downloads folder.

Rules: only an address :func:`tuichat.files.fetchable` allows (https) is fetched; the
certificate is checked as uploads check it (the account's CA file, see
:func:`tuichat.xmpp.features.upload.https_context`); redirects are not followed (an https
address must not lead elsewhere); the file is created exclusively under a free name (never
overwriting one, see :func:`tuichat.files.create_free`), and removed again when the download
fails or grows past :data:`tuichat.files.MAX_DOWNLOAD`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tuichat.errors import ClientError
from tuichat.files import MAX_DOWNLOAD, Attachment, create_free, fetchable, human_size
from tuichat.xmpp.features.upload import CHUNK, TIMEOUT, https_context

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session


async def save(session: Session, attachment: Attachment, directory: Path) -> Path:
    """Fetch ``attachment`` into ``directory``; the path it was saved under."""
    import aiohttp

    name = attachment.name
    if not fetchable(attachment.url):
        raise ClientError(f"{name} is not offered over https: tuichat does not fetch it")
    timeout = aiohttp.ClientTimeout(total=None, sock_read=TIMEOUT, sock_connect=TIMEOUT)
    context = https_context(session)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http:
            get = http.get(attachment.url, ssl=context, allow_redirects=False)
            async with get as answer:
                if answer.status != 200:
                    raise ClientError(
                        f"the server did not give {name}: {answer.status} {answer.reason or ''}"
                    )
                if (answer.content_length or 0) > MAX_DOWNLOAD:
                    raise ClientError(f"{name} is over {human_size(MAX_DOWNLOAD)}: not fetched")
                path, file = create_free(directory, name)
                try:
                    with file:
                        got = 0
                        async for chunk in answer.content.iter_chunked(CHUNK):
                            got += len(chunk)
                            if got > MAX_DOWNLOAD:
                                raise ClientError(
                                    f"{name} is over {human_size(MAX_DOWNLOAD)}: not fetched"
                                )
                            file.write(chunk)
                except BaseException:
                    path.unlink(missing_ok=True)
                    raise
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise ClientError(f"could not fetch {name}: {exc or type(exc).__name__}") from None
    return path
