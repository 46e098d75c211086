"""Provides the values and rules of file sharing: a shared file (:class:`Attachment`), where an
upload is (:class:`UploadState`), sizes in words, what a received file's address may become
(:func:`received`, :func:`fetchable`), and where a file is saved and how it is opened."""

from __future__ import annotations

import asyncio
import mimetypes
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import platformdirs

from tuichat.errors import ClientError
from tuichat.file_crypto import BadAesgcmUrl, is_encrypted_url, parse_aesgcm
from tuichat.records import record


@record(frozen=True)
class Attachment:
    """A file shared by HTTP upload (XEP-0363) and announced out of band (XEP-0066)."""

    url: str
    """Where the file can be fetched (https; a received one may be anything, see
    :func:`fetchable`)."""
    name: str
    """The file's name (see :func:`file_name`)."""
    size: int | None = None
    """Bytes, when known."""
    content_type: str = ""
    """The MIME type, when known."""


def human_size(size: float) -> str:
    """``1.4 MB``-style sizes (decimal units, as file managers show them)."""
    for unit in ("B", "KB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


class UploadState(StrEnum):
    """Where one upload is."""

    UPLOADING = "uploading"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


# --- received files: hostile input --------------------------------------------------------

MAX_ATTACHMENTS = 4
"""Files one message may carry; more are dropped (hostile input)."""
MAX_URL_LENGTH = 2048
"""Characters in a file's address; a longer one is no file (hostile input)."""
MAX_NAME_LENGTH = 120
"""Characters in a file's name as shown and saved."""
MAX_DOWNLOAD = 512 * 1000 * 1000
"""Bytes a saved file may have; a longer download is stopped and removed."""
OPENER_ENV = "TUICHAT_OPENER"
"""The program that opens a saved file (over SSH, say); ``xdg-open`` when unset."""

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f/\\\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def received(url: str) -> Attachment | None:
    """The file a received message announces at ``url`` (XEP-0066), or ``None`` when that is
    no address at all (empty, or too long). The name comes from the address's last segment,
    the type from the name; the size is not known. Whether the address may be a link or
    fetched is :func:`fetchable`'s decision, made when it is shown or saved."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        return None
    name = file_name(unquote(urlsplit(url).path.rpartition("/")[2]) if "://" in url else "")
    return Attachment(url, name, None, mimetypes.guess_type(name)[0] or "")


def encrypted_file(body: str) -> Attachment | None:
    """The encrypted file (XEP-0454) a decrypted message shares when its whole text is one
    ``aesgcm://`` link (as Conversations sends them), else ``None``. Its ``url`` is that link
    (it holds the key: never shown, see :func:`tuichat.file_crypto.is_encrypted_url`); the
    name comes from the link's path, the size is not known."""
    link = body.strip()
    if not is_encrypted_url(link) or len(link) > MAX_URL_LENGTH:
        return None
    try:
        https, _key = parse_aesgcm(link)
    except BadAesgcmUrl:
        return None
    found = received(https)
    return None if found is None or not fetchable(https) else replace(found, url=link)


def key_free(body: str, files: Sequence[Attachment]) -> str:
    """``body`` as it may be shown outside the log (a notification, a search result, the
    CLI): a text that is only an encrypted file's link, which holds its key, becomes the
    file in words."""
    link = body.strip()
    if not is_encrypted_url(link):
        return body
    name = next((f.name for f in files if f.url == link), "a file")
    return f"📎 {name} (encrypted file)"


def download_address(url: str) -> str | None:
    """Where ``f`` fetches a file from: its https address, or an encrypted file's (the
    ``aesgcm://`` link's, decrypted after); ``None`` when it is fetched from nowhere."""
    if is_encrypted_url(url):
        try:
            url = parse_aesgcm(url)[0]
        except BadAesgcmUrl:
            return None
    return url if fetchable(url) else None


def file_name(name: str) -> str:
    """``name`` safe to show and to save under: no path, no control or direction characters,
    not hidden, at most :data:`MAX_NAME_LENGTH` characters (keeping the extension); ``file``
    when nothing is left."""
    name = _UNSAFE_NAME.sub("", name).strip().lstrip(".").strip() or "file"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        name = name[: MAX_NAME_LENGTH - len(ext) - 1].rstrip() + ("." + ext if ext else "")
    return name


def fetchable(url: str) -> bool:
    """Whether tuichat links to and fetches ``url``: https with a host, in plain printable
    ASCII only (no spaces or control characters), of a sane length. Anything else (http,
    ``javascript:``, ``file:``…) is shown as plain text and never fetched; an ``aesgcm://``
    link is never shown (:func:`download_address` fetches it)."""
    if not url or len(url) > MAX_URL_LENGTH or any(not 0x21 <= ord(c) <= 0x7E for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() == "https" and bool(parts.hostname)


def describe(attachment: Attachment) -> str:
    """``name (1.4 MB, image/png)``: a file in words, for the log and the CLI."""
    facts = [human_size(attachment.size)] if attachment.size is not None else []
    if attachment.content_type:
        facts.append(attachment.content_type)
    return attachment.name + (f" ({', '.join(facts)})" if facts else "")


# --- saving and opening -------------------------------------------------------------------


def downloads_dir() -> Path:
    """Where saved files go: the desktop's downloads folder (XDG), else ``~/Downloads``."""
    return Path(platformdirs.user_downloads_dir() or Path.home() / "Downloads")


def free_path(directory: Path, name: str) -> Path:
    """The first name in ``directory`` that no file has: ``name``, then ``stem (1).ext``…
    (never overwrite: the caller still creates it exclusively, see :func:`create_free`)."""
    name = file_name(name)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    candidate = directory / name
    number = 0
    while candidate.exists():
        number += 1
        candidate = directory / (f"{stem} ({number})" + (f".{ext}" if ext else ""))
    return candidate


def create_free(directory: Path, name: str) -> tuple[Path, BinaryIO]:
    """A new file in ``directory`` named after ``name`` (see :func:`free_path`), created
    exclusively, so a file that appears meanwhile is never overwritten."""
    directory.mkdir(parents=True, exist_ok=True)
    while True:
        path = free_path(directory, name)
        try:
            return path, path.open("xb")
        except FileExistsError:
            continue


def opener_command(path: Path, environ: Mapping[str, str]) -> list[str]:
    """The one place that decides how a saved file is opened: ``$TUICHAT_OPENER`` (split as
    a shell would, but run without one) or ``xdg-open``, with the path as one argument."""
    opener = shlex.split(environ.get(OPENER_ENV, "")) or ["xdg-open"]
    return [*opener, str(path)]


async def open_file(path: Path, environ: Mapping[str, str], wait: float = 10.0) -> None:
    """Open ``path`` with :func:`opener_command`; a :class:`ClientError` in words when the
    opener is missing or fails within ``wait`` seconds (one still running then is the
    viewer: left to run)."""
    command = opener_command(path, environ)
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError as exc:
        raise ClientError(
            f"cannot open {path.name}: {command[0]} cannot be run ({exc.strerror or exc}); "
            f"set {OPENER_ENV} to a program that opens files"
        ) from None
    try:
        code = await asyncio.wait_for(process.wait(), wait)
    except TimeoutError:
        return
    if code != 0:
        raise ClientError(f"cannot open {path.name}: {command[0]} failed (exit status {code})")
