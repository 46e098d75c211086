"""Provides contacts' avatars (XEP-0084 User Avatar) as core values, and the rules for them.

Pure (no slixmpp, no store). An avatar is announced in a contact's PEP metadata node
(``urn:xmpp:avatar:metadata``) by the SHA-1 of its bytes; the bytes are fetched from the data
node (``urn:xmpp:avatar:data``) by that id only. What the network gives is hostile: an avatar
whose announced or real size passes :data:`MAX_BYTES`, or whose bytes do not hash to the id
asked for, is refused (:func:`checked`), in words.
"""

from __future__ import annotations

import hashlib
import re

from tuichat.records import record

MAX_BYTES = 256 * 1024
"""The most an avatar may weigh; a bigger one is neither fetched nor kept."""

_SHA1 = re.compile(r"[0-9a-f]{40}")

PREFERRED = ("image/png", "image/webp", "image/jpeg", "image/gif")
"""The types we can draw, best first (XEP-0084 requires every avatar to be offered as PNG)."""


class AvatarRefused(ValueError):
    """An avatar that is not kept, with the reason in words."""


@record(frozen=True)
class Avatar:
    """A contact's avatar: the picture's bytes and the SHA-1 (hex) that names them."""

    jid: str
    """The bare JID whose avatar it is."""
    sha1: str
    mime: str
    data: bytes = b""

    def __repr__(self) -> str:  # the bytes are long and say nothing
        return f"Avatar({self.jid!r}, {self.sha1!r}, {self.mime!r}, {len(self.data)} bytes)"


@record(frozen=True)
class Announced:
    """One ``<info/>`` of a metadata item: an avatar the contact offers."""

    sha1: str
    mime: str
    size: int
    url: str = ""
    """Set when the bytes live at an HTTP address rather than in the data node (not fetched)."""


def is_sha1(value: str) -> bool:
    """Whether ``value`` is a lower-case hex SHA-1 (the only ids we ask a data node for)."""
    return bool(_SHA1.fullmatch(value))


def choose(offered: list[Announced]) -> Announced | None:
    """The announced avatar to fetch: one in the data node (no URL), with a SHA-1 id and an
    announced size within :data:`MAX_BYTES`, of the best type we draw; ``None`` when none
    fits (an empty list means the contact took their avatar down)."""
    usable = [
        a
        for a in offered
        if not a.url and is_sha1(a.sha1) and 0 <= a.size <= MAX_BYTES and a.mime in PREFERRED
    ]
    if not usable:
        return None
    return min(usable, key=lambda a: PREFERRED.index(a.mime))


def checked(jid: str, announced: Announced, data: bytes) -> Avatar:
    """The avatar ``data`` fetched for ``announced``; :class:`AvatarRefused` when it is too
    big, empty, or does not hash to the id it was fetched by."""
    if not data:
        raise AvatarRefused(f"the avatar of {jid} is empty")
    if len(data) > MAX_BYTES:
        raise AvatarRefused(f"the avatar of {jid} is too big ({len(data)} bytes)")
    real = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    if real != announced.sha1:
        raise AvatarRefused(f"the avatar of {jid} is not the one announced (its hash differs)")
    return Avatar(jid, real, announced.mime, data)


def mime_of(data: bytes) -> str | None:
    """The picture type ``data`` starts like (PNG, JPEG, GIF, WebP), or ``None``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def publishable(data: bytes) -> str:
    """The type of ``data`` as our own avatar; :class:`AvatarRefused` in words when it is
    not a picture we can announce or weighs more than :data:`MAX_BYTES`."""
    mime = mime_of(data)
    if mime is None:
        raise AvatarRefused("an avatar must be a PNG, JPEG, GIF or WebP picture")
    if len(data) > MAX_BYTES:
        raise AvatarRefused(f"the picture is too big ({len(data)} bytes, at most {MAX_BYTES})")
    return mime
