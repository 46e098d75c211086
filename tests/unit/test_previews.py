"""The rule of which pictures are fetched for the log without asking, and the private cache
they are kept in (bounded, least recently used first, 0700/0600)."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from tests.ui.fakes import ALICE, ME, incoming
from tuichat.files import Attachment
from tuichat.model import ConversationKind, Direction
from tuichat.previews import (
    PREVIEW_LIMIT,
    PreviewCache,
    chosen_sender,
    default_cache_dir,
    fetch_without_asking,
    is_image,
    previewable,
)

URL = "https://upload.example.org/slot/cat.png"


def file(
    url: str = URL, name: str = "cat.png", size: int | None = 1000, kind: str = ""
) -> Attachment:
    return Attachment(url, name, size, kind)


@pytest.mark.parametrize(
    ("attachment", "image"),
    [
        (file(kind="image/png"), True),
        (file(kind="image/jpeg", name="x"), True),
        (file(kind="IMAGE/WEBP; q=1", name="x"), True),
        (file(name="a.GIF"), True),
        (file(name="a.jpeg"), True),
        (file(name="a.svg"), False),  # scripts inside: never drawn
        (file(kind="image/svg+xml", name="a.png"), False),  # the type wins over the name
        (file(kind="application/pdf", name="a.pdf"), False),
        (file(name="png"), False),
    ],
)
def test_pictures_are_known_by_type_or_else_extension(attachment: Attachment, image: bool) -> None:
    assert is_image(attachment) is image


def test_only_small_https_pictures_are_previewable() -> None:
    assert previewable(file())
    assert previewable(file(size=None))  # the download is stopped past the limit anyway
    assert not previewable(file(size=PREVIEW_LIMIT + 1))
    assert not previewable(file(url="http://upload.example.org/cat.png"))
    assert not previewable(file(url="aesgcm://upload.example.org/cat.png#00"))
    assert not previewable(file(name="notes.txt"))


def test_fetched_without_asking_only_when_enabled_and_from_someone_chosen() -> None:
    assert fetch_without_asking(file(), enabled=True, chosen=True)
    assert not fetch_without_asking(file(), enabled=False, chosen=True)
    assert not fetch_without_asking(file(), enabled=True, chosen=False)
    assert not fetch_without_asking(file(name="a.txt"), enabled=True, chosen=True)


def test_chosen_senders_are_us_contacts_and_rooms_we_joined() -> None:
    theirs = incoming(ALICE, URL, 1)
    assert chosen_sender(theirs, contact=True, joined_room=False)
    assert not chosen_sender(theirs, contact=False, joined_room=True)  # a stranger
    ours = replace(theirs, direction=Direction.OUT, sender=ME)
    assert chosen_sender(ours, contact=False, joined_room=False)
    room = replace(theirs, kind=ConversationKind.GROUPCHAT, nick="zed")
    assert chosen_sender(room, contact=False, joined_room=True)
    assert not chosen_sender(room, contact=True, joined_room=False)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_cache_is_private_and_keyed_by_the_address(tmp_path: Path) -> None:
    os.umask(0o022)
    cache = PreviewCache(tmp_path / "cache" / "pictures")
    assert cache.get(URL) is None
    cache.put(URL, b"picture")
    assert cache.get(URL) == b"picture"
    assert mode(cache.directory) == 0o700 and mode(cache.directory.parent) == 0o700
    kept = cache.path(URL)
    assert mode(kept) == 0o600
    assert kept.name == hashlib.sha256(URL.encode()).hexdigest()
    assert "cat" not in kept.name  # no address or name on disk
    assert cache.get(URL + "?other") is None


def test_the_cache_drops_the_least_recently_used_past_its_limit(tmp_path: Path) -> None:
    cache = PreviewCache(tmp_path, limit=250)
    for n in range(3):
        cache.put(f"{URL}{n}", bytes(100))  # 300 bytes would be over: the oldest goes
        os.utime(cache.path(f"{URL}{n}"), (1000 + n, 1000 + n))
    assert cache.get(f"{URL}0") is None
    assert cache.get(f"{URL}1") is not None  # read now: the most recently used
    cache.put(f"{URL}3", bytes(100))
    assert cache.get(f"{URL}2") is None
    assert cache.get(f"{URL}1") is not None and cache.get(f"{URL}3") is not None
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 250
    assert not list(tmp_path.glob("*.part"))


def test_the_cache_lives_in_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    assert default_cache_dir() == Path("/somewhere/cache/tuichat/pictures")
