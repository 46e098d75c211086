"""Provides :func:`save` (fetching a received file into the downloads folder),
:func:`fetch_into` (fetching one into a given path: plain or encrypted, all or nothing) and
:func:`fetch_preview` (fetching a picture for the log into the private cache).

Rules: only an address :func:`tuichat.files.download_address` allows (https) is fetched; the
certificate is checked as uploads check it (the account's CA file, see
:func:`tuichat.xmpp.features.upload.https_context`); redirects are not followed (an https
address must not lead elsewhere); a download past :data:`tuichat.files.MAX_DOWNLOAD` is
stopped. :func:`save` creates its file exclusively under a free name (never overwriting one,
see :func:`tuichat.files.create_free`) and removes it again when the download fails. An
encrypted file (XEP-0454, an ``aesgcm://`` link) is fetched from its https address and
decrypted as it arrives (:func:`tuichat.file_crypto.decrypting_into`): it appears, ``0600``,
only once its tag is verified; a wrong key or a changed file leaves nothing and says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat.errors import ClientError
from tuichat.file_crypto import FileCryptoError, decrypting_into, is_encrypted_url, parse_aesgcm
from tuichat.files import MAX_DOWNLOAD, Attachment, create_free, download_address, human_size
from tuichat.previews import PREVIEW_LIMIT, PreviewCache
from tuichat.xmpp.features.upload import CHUNK, TIMEOUT, https_context

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)


async def save(session: Session, attachment: Attachment, directory: Path) -> Path:
    """Fetch ``attachment`` into ``directory``; the path it was saved under."""
    name = attachment.name
    if download_address(attachment.url) is None:
        raise ClientError(f"{name} is not offered over https: tuichat does not fetch it")
    try:
        path, file = create_free(directory, name)
        file.close()
    except OSError as exc:
        raise ClientError(f"could not save {name}: {exc.strerror or exc}") from None
    try:
        await fetch_into(session, attachment, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


async def fetch_into(session: Session, attachment: Attachment, dst: Path) -> None:
    """Fetch ``attachment`` into ``dst`` (replacing it): a plain file as it is served, an
    encrypted one (``aesgcm://``) decrypted, visible only once whole and verified. Raises
    :class:`ClientError` in words (a wrong key, a refused or cut download…); on failure an
    encrypted file leaves nothing, a plain one whatever ``dst`` held is removed."""
    name = attachment.name
    address = download_address(attachment.url)
    if address is None:
        raise ClientError(f"{name} is not offered over https: tuichat does not fetch it")
    if not is_encrypted_url(attachment.url):
        try:
            with dst.open("wb") as file:
                await _get(session, address, name, file.write)
        except OSError as exc:
            dst.unlink(missing_ok=True)
            raise ClientError(f"could not save {name}: {exc.strerror or exc}") from None
        except BaseException:
            dst.unlink(missing_ok=True)
            raise
        return
    try:
        _https, key = parse_aesgcm(attachment.url)
        with decrypting_into(dst, key) as write:
            await _get(session, address, name, write)
    except FileCryptoError as exc:
        raise ClientError(f"could not save {name}: {exc}") from None


async def fetch_preview(
    session: Session, attachment: Attachment, cache: PreviewCache, limit: int = PREVIEW_LIMIT
) -> bytes:
    """The bytes of the picture ``attachment`` for the log: from ``cache`` when it was fetched
    before, else fetched (at most ``limit`` bytes) and kept there (the disk in a thread). An
    encrypted file is not previewed (its bytes are ciphertext until saved)."""
    address = download_address(attachment.url)
    if address is None or is_encrypted_url(attachment.url):
        raise ClientError(f"{attachment.name} is not offered over https: tuichat does not fetch it")
    kept = await asyncio.to_thread(cache.get, attachment.url)
    if kept is not None:
        return kept
    parts: list[bytes] = []
    await _get(session, address, attachment.name, parts.append, limit)
    data = b"".join(parts)
    try:
        await asyncio.to_thread(cache.put, attachment.url, data)
    except OSError as exc:  # shown all the same; fetched again next time
        log.warning("could not keep a picture in the cache: %s", exc)
    return data


async def _get(
    session: Session,
    url: str,
    name: str,
    write: Callable[[bytes], object],
    limit: int = MAX_DOWNLOAD,
) -> None:
    """GET the https ``url`` piece by piece into ``write`` (at most ``limit`` bytes)."""
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=None, sock_read=TIMEOUT, sock_connect=TIMEOUT)
    context = https_context(session)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http:
            get = http.get(url, ssl=context, allow_redirects=False)
            async with get as answer:
                if answer.status != 200:
                    raise ClientError(
                        f"the server did not give {name}: {answer.status} {answer.reason or ''}"
                    )
                too_big = f"{name} is over {human_size(limit)}: not fetched"
                if (answer.content_length or 0) > limit:
                    raise ClientError(too_big)
                got = 0
                async for chunk in answer.content.iter_chunked(CHUNK):
                    got += len(chunk)
                    if got > limit:
                        raise ClientError(too_big)
                    write(chunk)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise ClientError(f"could not fetch {name}: {exc or type(exc).__name__}") from None
