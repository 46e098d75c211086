"""Unit tests of encrypted files (XEP-0454): streamed AES-256-GCM both ways, known answers,
interop with ``cryptography``'s one-shot AESGCM and with slixmpp's XEP-0454 plugin, damaged
files and wrong keys leaving nothing behind, and the ``aesgcm://`` link rules."""

from __future__ import annotations

import io
import itertools
import os
import random
import re
import stat
import tracemalloc
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st
from slixmpp.plugins.xep_0454 import XEP_0454

from tuichat import file_crypto
from tuichat.file_crypto import (
    CHUNK,
    TAG_BYTES,
    AesgcmKey,
    BadAesgcmUrl,
    DecryptionFailed,
    Decryptor,
    EncryptingReader,
    Encryptor,
    FileCryptoError,
    aesgcm_url,
    decrypt_file,
    decrypting_into,
    encrypt_file,
    encrypted_size,
    is_encrypted_url,
    parse_aesgcm,
)

IV = bytes.fromhex("cafebabefacedbaddecaf888")
KEY = bytes.fromhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
LEGACY_IV = bytes.fromhex("00112233445566778899aabbccddeeff")
FRAGMENT = IV.hex() + KEY.hex()
HOST_URL = "https://upload.example.org/slot/ab12/photo%20one.jpg"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [0, 1, TAG_BYTES - 1, TAG_BYTES, TAG_BYTES + 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17],
)
def test_round_trip_at_every_chunk_boundary(tmp_path: Path, size: int) -> None:
    """Whatever the size against the chunk and the tag, the file comes back byte for byte."""
    plain = write(tmp_path / "plain", random.Random(size).randbytes(size))
    key = encrypt_file(plain, tmp_path / "enc")
    assert (tmp_path / "enc").stat().st_size == encrypted_size(size) == size + TAG_BYTES
    decrypt_file(tmp_path / "enc", tmp_path / "back", key)
    assert (tmp_path / "back").read_bytes() == plain.read_bytes()
    assert entries(tmp_path) == ["back", "enc", "plain"]  # no temporary file left behind


def test_multi_megabyte_round_trip_is_streamed(tmp_path: Path) -> None:
    """A 12 MB file is encrypted and decrypted without ever being held whole in memory."""
    size = 12 * 1000 * 1000
    plain = write(tmp_path / "big", os.urandom(size))
    tracemalloc.start()
    try:
        key = encrypt_file(plain, tmp_path / "big.enc")
        decrypt_file(tmp_path / "big.enc", tmp_path / "big.out", key)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * CHUNK, f"peak {peak} bytes: the file was read whole"
    assert (tmp_path / "big.out").read_bytes() == plain.read_bytes()


def test_each_file_gets_a_fresh_key_and_iv(tmp_path: Path) -> None:
    plain = write(tmp_path / "p", b"same text")
    first = encrypt_file(plain, tmp_path / "a")
    second = encrypt_file(plain, tmp_path / "b")
    assert (len(first.iv), len(first.key)) == (12, 32)
    assert first.iv != second.iv and first.key != second.key
    assert (tmp_path / "a").read_bytes() != (tmp_path / "b").read_bytes()


def test_decryptor_fed_in_odd_pieces_gives_the_same_text() -> None:
    """Pieces as a download delivers them (1 byte, 15, 16, 17, random) hold back the tag right."""
    rng = random.Random(7)
    plain = rng.randbytes(5000)
    key = AesgcmKey(IV, KEY)
    sealed = AESGCM(KEY).encrypt(IV, plain, None)
    for sizes in ([1], [15], [16], [17], [4999, 1, 16], [5016]):
        decryptor, out, at, turn = Decryptor(key), [], 0, 0
        while at < len(sealed):
            piece = sealed[at : at + sizes[turn % len(sizes)]]
            out.append(decryptor.update(piece))
            at, turn = at + len(piece), turn + 1
        out.append(decryptor.finish())
        assert b"".join(out) == plain, sizes


@settings(max_examples=200, deadline=None)
@given(plain=st.binary(max_size=300), cuts=st.lists(st.integers(0, 400), max_size=8))
def test_any_split_of_a_download_decrypts_to_the_same_bytes(plain: bytes, cuts: list[int]) -> None:
    """Property: wherever the pieces are cut (empty ones too), the text comes back whole."""
    sealed = AESGCM(KEY).encrypt(IV, plain, None)
    bounds = [0, *sorted(min(c, len(sealed)) for c in cuts), len(sealed)]
    decryptor = Decryptor(AesgcmKey(IV, KEY))
    out = [decryptor.update(sealed[a:b]) for a, b in itertools.pairwise(bounds)]
    assert b"".join(out) + decryptor.finish() == plain


@settings(max_examples=200, deadline=None)
@given(plain=st.binary(max_size=100), data=st.data())
def test_any_changed_bit_is_caught(plain: bytes, data: st.DataObject) -> None:
    """Property: flipping any one bit of an encrypted file (body or tag) is refused."""
    sealed = bytearray(AESGCM(KEY).encrypt(IV, plain, None))
    bit = data.draw(st.integers(0, 8 * len(sealed) - 1))
    sealed[bit // 8] ^= 1 << (bit % 8)
    decryptor = Decryptor(AesgcmKey(IV, KEY))
    decryptor.update(bytes(sealed))
    with pytest.raises(DecryptionFailed):
        decryptor.finish()


@settings(max_examples=200, deadline=None)
@given(
    host=st.from_regex(r"[a-z0-9][a-z0-9.-]{0,30}(:[0-9]{1,5})?", fullmatch=True),
    path=st.text(
        st.characters(exclude_categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Cs")).filter(
            lambda ch: ch != "#" and not ch.isspace()
        ),
        max_size=40,
    ),
    iv=st.sampled_from([IV, LEGACY_IV]),
)
def test_any_https_url_survives_the_link_both_ways(host: str, path: str, iv: bytes) -> None:
    """Property: an https URL made into an aesgcm:// link reads back as the same URL and key."""
    url = f"https://{host}/{path}"
    key = AesgcmKey(iv, KEY)
    link = aesgcm_url(url, key)
    assert is_encrypted_url(link)
    assert parse_aesgcm(link) == (url, key)


def test_encryptor_in_pieces_matches_one_shot() -> None:
    plain = bytes(range(256)) * 40
    encryptor = Encryptor(AesgcmKey(IV, KEY))
    pieces = [encryptor.update(plain[i : i + 333]) for i in range(0, len(plain), 333)]
    assert b"".join(pieces) + encryptor.finish() == AESGCM(KEY).encrypt(IV, plain, None)


# -- streaming an upload and a download ------------------------------------------------------


def test_an_upload_reads_the_encrypted_file_without_a_copy_on_disk(tmp_path: Path) -> None:
    """What an upload streams through EncryptingReader is, byte for byte, the encrypted file."""
    plain = write(tmp_path / "p", random.Random(5).randbytes(3 * CHUNK + 5))
    key = AesgcmKey(IV, KEY)
    encrypt_file(plain, tmp_path / "enc", key)
    with plain.open("rb") as source:
        reader = EncryptingReader(source, key)
        pieces = list(iter(lambda: reader.read(CHUNK), b""))
        assert reader.read() == b"" and reader.read(10) == b""  # stays at its end
    assert b"".join(pieces) == (tmp_path / "enc").read_bytes()
    assert sum(map(len, pieces)) == encrypted_size(plain.stat().st_size)
    assert len(pieces[-1]) == TAG_BYTES


def test_an_empty_upload_is_only_the_tag() -> None:
    reader = EncryptingReader(io.BytesIO(b""), AesgcmKey(bytes(12), bytes(32)))
    assert reader.read().hex() == "530f8afbc74536b9a963b4f1c4cb738b"
    assert reader.read() == b""


def test_a_download_decrypted_as_it_arrives_appears_only_at_the_end(tmp_path: Path) -> None:
    sealed = AESGCM(KEY).encrypt(IV, b"a downloaded photo" * 5000, None)
    with decrypting_into(tmp_path / "photo.jpg", AesgcmKey(IV, KEY)) as write:
        for at in range(0, len(sealed), 1000):
            write(sealed[at : at + 1000])
            assert "photo.jpg" not in entries(tmp_path)
    assert (tmp_path / "photo.jpg").read_bytes() == b"a downloaded photo" * 5000
    assert stat.S_IMODE((tmp_path / "photo.jpg").stat().st_mode) == 0o600
    assert entries(tmp_path) == ["photo.jpg"]


def test_a_damaged_download_is_refused_at_the_end_and_leaves_nothing(tmp_path: Path) -> None:
    sealed = AESGCM(KEY).encrypt(IV, b"x" * 5000, None)
    with (
        pytest.raises(DecryptionFailed, match="does not match its key"),
        decrypting_into(tmp_path / "photo.jpg", AesgcmKey(IV, KEY)) as write,
    ):
        write(sealed[:-1])
    assert entries(tmp_path) == []


def test_a_dropped_download_passes_its_own_error_through_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    """A network error (an OSError, as aiohttp's are) is not mistaken for a disk error."""
    sealed = AESGCM(KEY).encrypt(IV, b"x" * 5000, None)
    with (
        pytest.raises(ConnectionResetError),
        decrypting_into(tmp_path / "photo.jpg", AesgcmKey(IV, KEY)) as write,
    ):
        write(sealed[:2000])
        raise ConnectionResetError("peer went away")
    assert entries(tmp_path) == []


# -- known answers and interop ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("plain", "expected"),
    [  # The GCM specification (McGrew & Viega), test cases 13 and 14: zero key and IV.
        (b"", "530f8afbc74536b9a963b4f1c4cb738b"),
        (bytes(16), "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"),
    ],
)
def test_known_answer_vectors(tmp_path: Path, plain: bytes, expected: str) -> None:
    key = AesgcmKey(bytes(12), bytes(32))
    encrypt_file(write(tmp_path / "p", plain), tmp_path / "c", key)
    assert (tmp_path / "c").read_bytes().hex() == expected
    decrypt_file(tmp_path / "c", tmp_path / "back", key)
    assert (tmp_path / "back").read_bytes() == plain


@pytest.mark.parametrize("iv", [IV, LEGACY_IV], ids=["12-byte IV", "16-byte IV"])
def test_interop_with_one_shot_aesgcm_both_ways(tmp_path: Path, iv: bytes) -> None:
    """Files sealed by ``cryptography``'s AESGCM (as Conversations does, also with the 16-byte
    IV of its older versions) open here, and ours open there."""
    plain = random.Random(3).randbytes(CHUNK + 1234)
    write(tmp_path / "theirs", AESGCM(KEY).encrypt(iv, plain, None))
    url = f"aesgcm://upload.example.org/f.bin#{iv.hex()}{KEY.hex()}"
    _, key = parse_aesgcm(url)
    decrypt_file(tmp_path / "theirs", tmp_path / "opened", key)
    assert (tmp_path / "opened").read_bytes() == plain

    encrypt_file(write(tmp_path / "p", plain), tmp_path / "ours", AesgcmKey(iv, KEY))
    assert AESGCM(KEY).decrypt(iv, (tmp_path / "ours").read_bytes(), None) == plain


def test_interop_with_slixmpps_xep_0454_plugin(tmp_path: Path) -> None:
    """slixmpp's own XEP-0454 code reads what we write, and we read what it writes."""
    plain = random.Random(9).randbytes(70_000)
    key = encrypt_file(write(tmp_path / "p", plain), tmp_path / "ours")
    with (tmp_path / "ours").open("rb") as ours:
        assert XEP_0454.decrypt(ours, key.fragment) == plain

    payload, fragment = XEP_0454.encrypt(io.BytesIO(plain))
    write(tmp_path / "theirs", payload)
    url = XEP_0454.format_url("https://upload.example.org/x/y.bin", fragment)
    https, their_key = parse_aesgcm(url)
    assert https == "https://upload.example.org/x/y.bin"
    decrypt_file(tmp_path / "theirs", tmp_path / "opened", their_key)
    assert (tmp_path / "opened").read_bytes() == plain
    assert aesgcm_url(https, their_key) == url


# -- damaged files, wrong keys: an error in words and nothing left ----------------------------


def sealed_file(tmp_path: Path, size: int = 3000) -> tuple[Path, bytes, AesgcmKey]:
    plain = random.Random(size).randbytes(size)
    key = AesgcmKey(IV, KEY)
    return write(tmp_path / "sealed", AESGCM(KEY).encrypt(IV, plain, None)), plain, key


def damaged(data: bytes, how: str) -> bytes:
    if how == "tag changed":
        return data[:-1] + bytes([data[-1] ^ 1])
    if how == "body changed":
        return data[:100] + bytes([data[100] ^ 0x80]) + data[101:]
    if how == "last byte cut":
        return data[:-1]
    if how == "tag cut off":
        return data[:-TAG_BYTES]
    if how == "byte added":
        return data + b"\0"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how", ["tag changed", "body changed", "last byte cut", "tag cut off", "byte added"]
)
def test_a_damaged_file_is_refused_and_leaves_nothing(tmp_path: Path, how: str) -> None:
    sealed, _, key = sealed_file(tmp_path)
    sealed.write_bytes(damaged(sealed.read_bytes(), how))
    with pytest.raises(DecryptionFailed, match="does not match its key"):
        decrypt_file(sealed, tmp_path / "out.bin", key)
    assert entries(tmp_path) == ["sealed"]


def test_a_wrong_key_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    sealed, _, _ = sealed_file(tmp_path)
    with pytest.raises(DecryptionFailed, match="wrong key"):
        decrypt_file(sealed, tmp_path / "out.bin", AesgcmKey(IV, bytes(32)))
    with pytest.raises(DecryptionFailed):
        decrypt_file(sealed, tmp_path / "out.bin", AesgcmKey(LEGACY_IV, KEY))
    assert entries(tmp_path) == ["sealed"]


@pytest.mark.parametrize("size", [0, 1, TAG_BYTES - 1])
def test_a_file_shorter_than_its_tag_is_cut_short(tmp_path: Path, size: int) -> None:
    write(tmp_path / "tiny", b"x" * size)
    with pytest.raises(DecryptionFailed, match=f"cut short: {size} bytes"):
        decrypt_file(tmp_path / "tiny", tmp_path / "out", AesgcmKey(IV, KEY))
    assert entries(tmp_path) == ["tiny"]


def test_a_failed_decryption_keeps_the_file_already_there(tmp_path: Path) -> None:
    """The old file under the destination name survives a refused download untouched."""
    sealed, _, key = sealed_file(tmp_path)
    sealed.write_bytes(damaged(sealed.read_bytes(), "tag changed"))
    write(tmp_path / "photo.jpg", b"the earlier photo")
    with pytest.raises(DecryptionFailed):
        decrypt_file(sealed, tmp_path / "photo.jpg", key)
    assert (tmp_path / "photo.jpg").read_bytes() == b"the earlier photo"
    assert entries(tmp_path) == ["photo.jpg", "sealed"]


def test_nothing_is_visible_under_the_destination_name_before_the_tag_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While decrypting, bytes go to a hidden temporary file, never to the destination."""
    sealed, plain, key = sealed_file(tmp_path, 5 * 1024)
    monkeypatch.setattr(file_crypto, "CHUNK", 1024)
    seen: list[list[str]] = []
    real_read = file_crypto._read

    def spying_read(source: io.BufferedReader, path: Path) -> bytes:
        seen.append(entries(tmp_path))
        return real_read(source, path)

    monkeypatch.setattr(file_crypto, "_read", spying_read)
    decrypt_file(sealed, tmp_path / "out.bin", key)
    assert len(seen) > 3
    assert all("out.bin" not in names for names in seen)
    hidden = {name for names in seen for name in names} - {"sealed"}
    assert len(hidden) == 1 and next(iter(hidden)).startswith(".out.bin.")
    assert (tmp_path / "out.bin").read_bytes() == plain


def test_an_interruption_midway_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancellation (here Ctrl+C) in the middle of a file deletes the partial output."""
    plain = write(tmp_path / "p", os.urandom(5000))
    monkeypatch.setattr(file_crypto, "CHUNK", 1000)
    calls = iter(range(100))
    real_read = file_crypto._read

    def interrupted_read(source: io.BufferedReader, path: Path) -> bytes:
        if next(calls) == 2:
            raise KeyboardInterrupt
        return real_read(source, path)

    monkeypatch.setattr(file_crypto, "_read", interrupted_read)
    with pytest.raises(KeyboardInterrupt):
        encrypt_file(plain, tmp_path / "enc")
    assert entries(tmp_path) == ["p"]


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_outputs_are_private_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        key = encrypt_file(write(tmp_path / "p", b"secret"), tmp_path / "enc")
        decrypt_file(tmp_path / "enc", tmp_path / "out", key)
    finally:
        os.umask(old)
    for name in ("enc", "out"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_unreadable_source_and_unwritable_destination_say_so(tmp_path: Path) -> None:
    key = AesgcmKey(IV, KEY)
    with pytest.raises(FileCryptoError, match=r"cannot read .*missing: No such file"):
        encrypt_file(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(FileCryptoError, match=r"cannot read .*: Is a directory"):
        decrypt_file(tmp_path, tmp_path / "out", key)
    plain = write(tmp_path / "p", b"x")
    with pytest.raises(FileCryptoError, match=r"cannot write .*nowhere.*No such file"):
        encrypt_file(plain, tmp_path / "nowhere" / "out")
    (tmp_path / "dir").mkdir()
    with pytest.raises(FileCryptoError, match=r"cannot write .*dir"):
        encrypt_file(plain, tmp_path / "dir")
    assert entries(tmp_path) == ["dir", "p"]
    assert entries(tmp_path / "dir") == []


# -- keys and links ---------------------------------------------------------------------------


def test_a_key_never_shows_itself() -> None:
    key = AesgcmKey(IV, KEY)
    assert KEY.hex() not in repr(key) and IV.hex() not in repr(key)
    assert KEY.hex() not in str(key)
    assert repr(key) == "AesgcmKey(iv=12 bytes, key=hidden)"


@pytest.mark.parametrize(("iv", "key"), [(bytes(11), KEY), (bytes(13), KEY), (IV, bytes(16))])
def test_a_key_of_the_wrong_size_is_refused(iv: bytes, key: bytes) -> None:
    with pytest.raises(ValueError, match="bytes, not"):
        AesgcmKey(iv, key)


def test_link_round_trip_keeps_the_url_whole() -> None:
    url = "https://upload.example.org:5281/file_share/9f/a%20b.jpg?v=1"
    link = aesgcm_url(url, AesgcmKey(IV, KEY))
    assert link == f"aesgcm://upload.example.org:5281/file_share/9f/a%20b.jpg?v=1#{FRAGMENT}"
    assert parse_aesgcm(link) == (url, AesgcmKey(IV, KEY))
    assert parse_aesgcm(f"  {link}\n") == (url, AesgcmKey(IV, KEY))  # as found in XML text
    assert parse_aesgcm(link.replace("aesgcm", "AESGCM", 1))[0] == url


def test_a_legacy_96_character_link_gives_a_16_byte_iv() -> None:
    https, key = parse_aesgcm(f"aesgcm://h.example/f#{LEGACY_IV.hex()}{KEY.hex()}")
    assert https == "https://h.example/f"
    assert (key.iv, key.key) == (LEGACY_IV, KEY)


@pytest.mark.parametrize(
    ("link", "words"),
    [
        (f"aesgcm://h.example/f#{FRAGMENT.upper()}", "not lowercase hexadecimal"),
        (f"aesgcm://h.example/f#{FRAGMENT[:-1]}g", "not lowercase hexadecimal"),
        (f"aesgcm://h.example/f#{FRAGMENT[:-1]}é", "not lowercase hexadecimal"),
        ("aesgcm://h.example/f", "carries no key"),
        ("aesgcm://h.example/f#", "has 0 characters"),
        (f"aesgcm://h.example/f#{FRAGMENT[:-2]}", "has 86 characters; it needs 88"),
        (f"aesgcm://h.example/f#{FRAGMENT}00", "has 90 characters"),
        (f"aesgcm://h.example/f#{FRAGMENT}{'0' * 16}", "has 104 characters"),
        (f"https://h.example/f#{FRAGMENT}", "not an aesgcm:// link"),
        (f"http://h.example/f#{FRAGMENT}", "not an aesgcm:// link"),
        (f"aesgcm:h.example/f#{FRAGMENT}", "not an aesgcm:// link"),
        (f"aesgcm:///f#{FRAGMENT}", "names no host"),
        (f"aesgcm://#{FRAGMENT}", "names no host"),
        (f"aesgcm://h.example/a b#{FRAGMENT}", "spaces, control or invisible characters"),
        (f"aesgcm://h.example/a\x1b[31m#{FRAGMENT}", "spaces, control or invisible characters"),
        (f"aesgcm://h.example/a\x9b31m#{FRAGMENT}", "spaces, control or invisible characters"),
        (f"aesgcm://h.example/\u202egpj.exe#{FRAGMENT}", "control or invisible characters"),
        (f"aesgcm://h.example/a\x7f#{FRAGMENT}", "control or invisible characters"),
    ],
)
def test_bad_links_are_refused_in_words(link: str, words: str) -> None:
    with pytest.raises(BadAesgcmUrl, match=re.escape(words)):
        parse_aesgcm(link)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://upload.example.org/f", "over https, not 'http'"),
        ("ftp://upload.example.org/f", "over https, not 'ftp'"),
        ("upload.example.org/f", "over https"),
        ("https://upload.example.org/f#part", "already has a # part"),
        ("https:///f", "names no host"),
        ("https://upload.example.org/a\nb", "spaces, control or invisible characters"),
    ],
)
def test_only_a_plain_https_url_becomes_a_link(url: str, words: str) -> None:
    with pytest.raises(BadAesgcmUrl, match=words):
        aesgcm_url(url, AesgcmKey(IV, KEY))


@pytest.mark.parametrize(
    "url",
    [
        f"aesgcm://h.example/f#{FRAGMENT}",
        "AESGCM://h.example/f",
        "AesGcm://h.example/f",
        "  aesgcm://h.example/f",
        "\x00\x1b aesgcm://h.example/f",
        "aes\tgcm://h.example/f",
        "aesgcm\n://h.example/f",
        "aesgcm:h.example/f",
        "aesgcm:",
        f"aesgcm://h.example/f#{FRAGMENT.upper()}",  # malformed links still hold a key
    ],
)
def test_every_spelling_of_an_encrypted_link_is_recognised(url: str) -> None:
    assert is_encrypted_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://h.example/f",
        f"https://h.example/f#{FRAGMENT}",
        "http://aesgcm.example/aesgcm://x",
        "xaesgcm://h.example/f",
        "aesgcm",
        "aesgcm.example.org",
        "",
        "aesgcmx://h",
    ],
)
def test_other_urls_are_not_encrypted_links(url: str) -> None:
    assert not is_encrypted_url(url)
