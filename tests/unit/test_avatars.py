"""The avatar rules (XEP-0084) and their store: which announced avatar is fetched, the SHA-1
and size check of the bytes, and one avatar kept per contact, replaced only when it changes."""

from __future__ import annotations

import hashlib

import pytest

from tuichat.avatars import MAX_BYTES, Announced, Avatar, AvatarRefused, checked, choose
from tuichat.store import Store

BOB = "bob@example.org"
ME = "me@example.org"
DATA = b"\x89PNG pretend picture"
SHA1 = hashlib.sha1(DATA).hexdigest()


def test_the_png_in_the_data_node_is_chosen_over_the_rest() -> None:
    offered = [
        Announced(SHA1, "image/jpeg", 100),
        Announced("b" * 40, "image/png", 100, url="https://example.org/a.png"),  # not fetched
        Announced("c" * 40, "image/png", 200),
        Announced("d" * 40, "image/svg+xml", 10),  # not drawn
    ]
    assert choose(offered) == offered[2]
    assert choose(offered[:1]) == offered[0]


@pytest.mark.parametrize(
    "announced",
    [
        Announced("../../etc", "image/png", 10),  # not a SHA-1: never asked for
        Announced("A" * 40, "image/png", 10),  # upper case is not how it is named
        Announced(SHA1, "image/png", MAX_BYTES + 1),  # announced too big
        Announced(SHA1, "image/png", -1),  # a size that is no number
        Announced(SHA1, "text/html", 10),
        Announced(SHA1, "image/png", 10, url="https://example.org/a.png"),
    ],
)
def test_what_cannot_or_must_not_be_fetched_is_not(announced: Announced) -> None:
    assert choose([announced]) is None


def test_bytes_are_kept_only_when_they_hash_to_the_id_asked_for() -> None:
    announced = Announced(SHA1, "image/png", len(DATA))
    assert checked(BOB, announced, DATA) == Avatar(BOB, SHA1, "image/png", DATA)
    with pytest.raises(AvatarRefused, match="its hash differs"):
        checked(BOB, announced, DATA + b"!")
    with pytest.raises(AvatarRefused, match="empty"):
        checked(BOB, announced, b"")
    big = bytes(MAX_BYTES + 1)
    with pytest.raises(AvatarRefused, match="too big"):
        checked(BOB, Announced(hashlib.sha1(big).hexdigest(), "image/png", 10), big)


def test_the_store_keeps_one_avatar_per_contact_and_says_when_it_changed() -> None:
    store = Store.memory()
    first = Avatar(BOB, SHA1, "image/png", DATA)
    assert store.avatar(ME, BOB) is None
    assert store.set_avatar(ME, BOB, first) is True
    assert store.set_avatar(ME, BOB, first) is False  # the same hash: nothing changed
    assert store.avatar(ME, BOB) == first
    assert store.avatar("other@example.org", BOB) is None  # per account
    other = b"another picture"
    second = Avatar(BOB, hashlib.sha1(other).hexdigest(), "image/webp", other)
    assert store.set_avatar(ME, BOB, second) is True
    assert store.avatar(ME, BOB) == second
    assert store.set_avatar(ME, BOB, None) is True
    assert store.set_avatar(ME, BOB, None) is False
    assert store.avatar(ME, BOB) is None


def test_an_avatar_reads_short() -> None:
    assert "bytes" in repr(Avatar(BOB, SHA1, "image/png", bytes(10_000)))
    assert len(repr(Avatar(BOB, SHA1, "image/png", bytes(10_000)))) < 200
