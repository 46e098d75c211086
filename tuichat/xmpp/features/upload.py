"""Provides :class:`Uploads`: sending a file by HTTP upload (XEP-0363), with progress and cancel.

One upload: find the server's upload service (disco, once per session), ask it for a slot
(its answer names the https address to PUT to and the one to share), then stream the file to
it in chunks, publishing :class:`~tuichat.events.UploadProgressed` as it goes. Rules:
- both addresses must be https: a file is never sent, nor shared, in the clear;
- of the headers the service asks us to send, only those XEP-0363 allows (Authorization,
  Cookie, Expires) are sent, without line breaks;
- the certificate is checked with the account's CA file (or the system's store);
- a file over the service's limit is refused before anything is sent, in words;
- an encrypted upload (for an OMEMO conversation, XEP-0454) streams the file through
  :class:`~tuichat.file_crypto.EncryptingReader` (no encrypted copy on disk), asks for a slot
  of :func:`~tuichat.file_crypto.encrypted_size` as ``application/octet-stream`` (the server
  learns neither the contents nor the type), and shares the ``aesgcm://`` link.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import ssl
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import urlsplit

from tuichat import events as ev
from tuichat import tls_contexts
from tuichat.errors import ClientError
from tuichat.file_crypto import (
    AesgcmKey,
    EncryptingReader,
    FileCryptoError,
    aesgcm_url,
    encrypted_size,
)
from tuichat.files import Attachment, UploadState, human_size
from tuichat.xmpp.errors import map_exceptions

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

NS_UPLOAD = "urn:xmpp:http:upload:0"
ALLOWED_HEADERS = ("authorization", "cookie", "expires")
CHUNK = 64 * 1024
PROGRESS_EVERY = 0.2
"""Seconds between two progress events of one upload."""
TIMEOUT = 60.0
"""Seconds an upload may go without the server reading a chunk."""


@dataclass(frozen=True, slots=True)
class Service:
    """The account's upload service and its size limit (``None``: none announced)."""

    jid: str
    max_size: int | None


def slot_headers(headers: dict[str, str]) -> dict[str, str]:
    """The slot's headers we may send: the allowed names, values without line breaks."""
    return {
        name: value
        for name, value in headers.items()
        if name.lower() in ALLOWED_HEADERS and "\r" not in value and "\n" not in value
    }


def require_https(url: str, what: str) -> str:
    """``url`` when it is https, else a :class:`ClientError` saying so."""
    if urlsplit(url).scheme.lower() != "https":
        raise ClientError(
            f"the upload service offered {what} without encryption ({url[:80]}); "
            "refusing to send the file in the clear"
        )
    return url


def https_context(session: Session) -> ssl.SSLContext:
    """The one way file transfers check the server's certificate: the system's store and the
    account's CA file, as its XMPP connection does (a file from another server, with a public
    certificate, is fetched with a private server's CA file set); hostnames always checked."""
    context = tls_contexts.new_verified()
    if session.config.ca_file:
        context.load_verify_locations(cafile=str(session.config.ca_file))
    return context


def _max_size(info: Any) -> int | None:
    for form in info["disco_info"].iterables:
        values = form["values"]
        if values.get("FORM_TYPE") == [NS_UPLOAD]:
            try:
                return int(values["max-file-size"])
            except (KeyError, TypeError, ValueError):
                return None
    return None


class Uploads:
    """One session's uploads: the service, and the uploads running (by id)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.service: Service | None = None
        self.running: dict[str, asyncio.Task[Attachment]] = {}

    def plugin(self) -> Any:
        """slixmpp's upload plugin, registered on first use: it imports aiohttp, which a
        session that never uploads should not pay for (start-up time and memory)."""
        client = self.session.client
        if "xep_0363" not in client.plugin:
            client.register_plugin("xep_0363")
        return client.plugin["xep_0363"]

    async def find_service(self) -> Service:
        """The account's upload service (asked once per session)."""
        if self.service is None:
            domain = self.session.account.rpartition("@")[2]
            with map_exceptions("find the upload service"):
                info = await self.plugin().find_upload_service(domain=domain)
            if info is None:
                raise ClientError(f"{domain} offers no file upload (XEP-0363)")
            self.service = Service(str(info["from"]), _max_size(info))
        return self.service

    def start(self, path: Path, *, encrypt: bool = False) -> tuple[str, asyncio.Task[Attachment]]:
        """Start uploading ``path`` (encrypted, with a fresh key, when ``encrypt``); the id
        (for :meth:`cancel`) and the task (its result is the shared file). Progress arrives as
        ``UploadProgressed``."""
        upload = uuid.uuid4().hex[:12]
        key = AesgcmKey.new() if encrypt else None
        task = asyncio.ensure_future(self._run(upload, path, key))
        self.running[upload] = task
        task.add_done_callback(lambda _t: self.running.pop(upload, None))
        return upload, task

    def cancel(self, upload: str) -> bool:
        """Stop the upload ``upload``; whether one was running."""
        task = self.running.get(upload)
        if task is None:
            return False
        task.cancel()
        return True

    async def _run(self, upload: str, path: Path, key: AesgcmKey | None) -> Attachment:
        started = time.monotonic()
        name = path.name

        def publish(sent: int, total: int, state: UploadState, error: str = "") -> None:
            elapsed = time.monotonic() - started
            event = ev.UploadProgressed(
                self.session.account, upload, name, sent, total, elapsed, state, error
            )
            self.session.bus.publish(event)

        size = 0
        try:
            size = _file_size(path)
            size = size if key is None else encrypted_size(size)
            publish(0, size, UploadState.UPLOADING)
            attachment = await self._upload(
                path, size, lambda sent: publish(sent, size, UploadState.UPLOADING), key
            )
        except asyncio.CancelledError:
            publish(0, size, UploadState.CANCELLED, "cancelled")
            raise
        except ClientError as exc:
            publish(0, size, UploadState.FAILED, str(exc))
            raise
        publish(size, size, UploadState.DONE)
        return attachment

    async def _upload(
        self, path: Path, size: int, progress: Any, key: AesgcmKey | None
    ) -> Attachment:
        """Send ``size`` bytes: the file as it is, or encrypted with ``key``."""
        import aiohttp

        service = await self.find_service()
        if service.max_size is not None and size > service.max_size:
            raise ClientError(
                f"{path.name} is {human_size(size)}; {service.jid} accepts at most "
                f"{human_size(service.max_size)}"
            )
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        sent_type = content_type if key is None else "application/octet-stream"
        with map_exceptions(f"upload {path.name}"):
            iq = await self.plugin().request_slot(
                service.jid, path.name, size, sent_type, timeout=TIMEOUT
            )
        slot = iq["http_upload_slot"]
        put = require_https(str(slot["put"]["url"]), "an upload address")
        get = require_https(str(slot["get"]["url"]), "a download address")
        headers = slot_headers({h["name"]: h["value"] for h in slot["put"]["headers"]})
        headers.update({"Content-Length": str(size), "Content-Type": sent_type})
        context = https_context(self.session)
        timeout = aiohttp.ClientTimeout(total=None, sock_read=TIMEOUT, sock_connect=TIMEOUT)
        try:
            with path.open("rb") as file:
                async with aiohttp.ClientSession(timeout=timeout) as http:
                    body = _chunks(file if key is None else EncryptingReader(file, key), progress)
                    async with http.put(put, data=body, headers=headers, ssl=context) as answer:
                        if answer.status not in (200, 201):
                            reason = answer.reason or ""
                            raise ClientError(
                                f"the upload server refused {path.name}: {answer.status} {reason}"
                            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise ClientError(
                f"could not upload {path.name}: {exc or type(exc).__name__}"
            ) from None
        if key is None:
            return Attachment(get, path.name, size, content_type)
        try:
            link = aesgcm_url(get, key)
        except FileCryptoError as exc:
            raise ClientError(f"cannot share {path.name} encrypted: {exc}") from None
        return Attachment(link, path.name, size - encrypted_size(0), content_type)


def _file_size(path: Path) -> int:
    try:
        info = path.stat()
    except OSError as exc:
        raise ClientError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not path.is_file():
        raise ClientError(f"{path} is not a file")
    return info.st_size


async def _chunks(file: BinaryIO | EncryptingReader, progress: Any) -> AsyncIterator[bytes]:
    sent, last = 0, 0.0
    while chunk := await asyncio.to_thread(file.read, CHUNK):
        yield chunk
        sent += len(chunk)
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY:
            progress(sent)
            last = now


def install(session: Session) -> Uploads:
    """File upload for ``session``'s new client."""
    session.uploads = Uploads(session)
    return session.uploads
