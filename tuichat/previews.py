"""Provides the rules of pictures shown inline in the log: which received files are fetched
without asking (:func:`fetch_without_asking`), and the private cache they are kept in
(:class:`PreviewCache`).

Privacy rule: fetching a file tells its server our address. A picture is fetched on its own
only when the user enabled it (``[ui] inline_images``), it comes from someone the user chose
(our own messages, a roster contact, a room we joined; never a stranger), it is a picture by
its type or extension (PNG, JPEG, GIF, WebP), it is offered over https
(:func:`tuichat.files.fetchable`) and it announces no more than :data:`PREVIEW_LIMIT` (the
download is stopped past it anyway). Anything else is fetched only when the user asks.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

import platformdirs

from tuichat.files import Attachment, fetchable
from tuichat.model import ConversationKind, Direction, Message
from tuichat.paths import APP_NAME, private_dir

PREVIEW_LIMIT = 2 * 1024 * 1024
"""Bytes a picture fetched for the log may have; a longer download is stopped."""
CACHE_LIMIT = 100 * 1024 * 1024
"""Bytes the cache of fetched pictures may hold; the least recently used go first."""
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp"})


def is_image(attachment: Attachment) -> bool:
    """Whether ``attachment`` is a picture the log can draw (by its type, else its name)."""
    kind = attachment.content_type.split(";")[0].strip().lower()
    if kind:
        return kind in IMAGE_TYPES
    _stem, dot, extension = attachment.name.rpartition(".")
    return bool(dot) and extension.lower() in IMAGE_EXTENSIONS


def previewable(attachment: Attachment) -> bool:
    """Whether ``attachment`` can be shown in the log at all: a picture over https that does
    not announce more than :data:`PREVIEW_LIMIT`."""
    small = attachment.size is None or attachment.size <= PREVIEW_LIMIT
    return small and is_image(attachment) and fetchable(attachment.url)


def chosen_sender(message: Message, *, contact: bool, joined_room: bool) -> bool:
    """Whether ``message`` comes from someone the user chose: it is ours, it came in a room
    (``joined_room``: one of ours, joined now or before: its messages are in our store), or
    its sender is a roster ``contact`` (a room's private message never is)."""
    if message.direction is Direction.OUT:
        return True
    if message.kind is ConversationKind.GROUPCHAT:
        return joined_room
    return contact


def fetch_without_asking(attachment: Attachment, *, enabled: bool, chosen: bool) -> bool:
    """The one decision whether a file is fetched for the log without asking (see above)."""
    return enabled and chosen and previewable(attachment)


def default_cache_dir() -> Path:
    """Where fetched pictures are kept: the user's cache folder, ``tuichat/pictures``."""
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "pictures"


class PreviewCache:
    """Fetched pictures by the SHA-256 of their address, in a 0700 folder, files 0600, at
    most ``limit`` bytes in all (the least recently read or written are removed first)."""

    def __init__(self, directory: Path, limit: int = CACHE_LIMIT) -> None:
        self.directory = directory
        self.limit = limit

    def path(self, url: str) -> Path:
        """Where the picture at ``url`` is kept."""
        return self.directory / hashlib.sha256(url.encode()).hexdigest()

    def get(self, url: str) -> bytes | None:
        """The kept picture at ``url`` (marked as used now), or ``None``."""
        path = self.path(url)
        try:
            data = path.read_bytes()
            os.utime(path)
        except OSError:
            return None
        return data

    def put(self, url: str, data: bytes) -> None:
        """Keep ``data`` as the picture at ``url``, then trim the cache to its limit."""
        private_dir(self.directory)
        path = self.path(url)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(partial, 0o600)
        os.replace(partial, path)
        self.trim()

    def trim(self) -> None:
        """Remove the least recently used pictures until the rest fit in the limit."""
        entries: list[tuple[float, int, Path]] = []
        with contextlib.suppress(OSError):
            for path in self.directory.iterdir():
                with contextlib.suppress(OSError):
                    facts = path.stat()
                    entries.append((facts.st_mtime, facts.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries, key=lambda entry: entry[0]):
            if total <= self.limit:
                break
            path.unlink(missing_ok=True)
            total -= size
