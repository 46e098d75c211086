"""Provides encrypted file sharing (XEP-0454 "OMEMO Media Sharing"): AES-256-GCM files streamed
in chunks, and the ``aesgcm://`` links that carry their key.

Rules:
- A file is AES-256-GCM with a fresh random 32-byte key and 12-byte IV, no associated data, the
  16-byte tag appended after the ciphertext (so it is 16 bytes longer than the plain file).
  Decryption also takes the 16-byte IV older Conversations versions sent.
- Nothing is ever read whole into memory, and no output is visible before it is complete: it
  is written to a hidden ``0600`` temporary file beside the destination and renamed over it
  only once done (for decryption: once the tag is verified); on any failure it is deleted.
- The link is ``aesgcm://`` + the https URL without its scheme + ``#`` + IV hex + key hex
  (lowercase: 88 characters, or 96 with a 16-byte IV). Such a link holds the key:
  :func:`is_encrypted_url` is the one place that decides a URL must never be shown as a
  link or given to an opener.
- ``cryptography`` is imported on first use: the UI asks :func:`is_encrypted_url` at start-up.
- Every failure of a file or a link is a :class:`FileCryptoError` whose text says what went
  wrong in words.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from tuichat.records import record

KEY_BYTES = 32
"""AES-256."""
IV_BYTES = 12
"""The IV we send (XEP-0454)."""
LEGACY_IV_BYTES = 16
"""The IV older Conversations versions sent; accepted when receiving."""
TAG_BYTES = 16
"""The GCM tag at the end of every encrypted file."""
CHUNK = 64 * 1024
"""Bytes read at a time: under glibc's 128 KiB mmap threshold, so that each piece's buffers
come from the heap (at 256 KiB every piece mapped fresh pages: decryption ran at a sixth of
the speed)."""
SCHEME = "aesgcm"

_HEX = frozenset("0123456789abcdef")
_FRAGMENT_LENGTHS = {2 * (iv + KEY_BYTES): iv for iv in (IV_BYTES, LEGACY_IV_BYTES)}
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_AND_NEWLINES = str.maketrans("", "", "\t\n\r")


class FileCryptoError(Exception):
    """An encrypted file or link could not be made or read; ``str(exc)`` says why, in words."""


class BadAesgcmUrl(FileCryptoError, ValueError):
    """A link is not a usable ``aesgcm://`` link (or an https URL cannot become one)."""


class DecryptionFailed(FileCryptoError):
    """The file does not match its key: wrong key, changed or cut short. No output is left."""


@record(frozen=True, repr=False)
class AesgcmKey:
    """The IV and key of one encrypted file (never printed: ``repr`` hides them)."""

    iv: bytes
    """12 bytes (16 for files from older Conversations versions)."""
    key: bytes
    """32 bytes."""

    def __post_init__(self) -> None:
        if len(self.iv) not in (IV_BYTES, LEGACY_IV_BYTES):
            raise ValueError(f"an AES-GCM IV has 12 or 16 bytes, not {len(self.iv)}")
        if len(self.key) != KEY_BYTES:
            raise ValueError(f"an AES-256 key has 32 bytes, not {len(self.key)}")

    @classmethod
    def new(cls) -> AesgcmKey:
        """A fresh random key and 12-byte IV (one file only: never reuse it)."""
        return cls(os.urandom(IV_BYTES), os.urandom(KEY_BYTES))

    @property
    def fragment(self) -> str:
        """The link's ``#`` part: IV then key, lowercase hex."""
        return self.iv.hex() + self.key.hex()

    @classmethod
    def from_fragment(cls, fragment: str) -> AesgcmKey:
        """Read a link's ``#`` part (88 or 96 lowercase hex characters), or raise
        :class:`BadAesgcmUrl` saying what is wrong with it."""
        iv_bytes = _FRAGMENT_LENGTHS.get(len(fragment))
        if iv_bytes is None:
            raise BadAesgcmUrl(
                f"the key in the link has {len(fragment)} characters;"
                " it needs 88 (or 96 for older Conversations versions)"
            )
        if not _HEX.issuperset(fragment):
            raise BadAesgcmUrl("the key in the link is not lowercase hexadecimal")
        raw = bytes.fromhex(fragment)
        return cls(raw[:iv_bytes], raw[iv_bytes:])

    def __repr__(self) -> str:
        return f"AesgcmKey(iv={len(self.iv)} bytes, key=hidden)"


class Encryptor:
    """Encrypt a file piece by piece: :meth:`update` for each piece, then :meth:`finish`."""

    def __init__(self, key: AesgcmKey) -> None:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        self._cipher = Cipher(algorithms.AES(key.key), modes.GCM(key.iv)).encryptor()

    def update(self, data: bytes) -> bytes:
        """The ciphertext of ``data`` (as long as ``data``)."""
        return self._cipher.update(data)

    def finish(self) -> bytes:
        """The end of the encrypted file: the 16-byte tag."""
        return self._cipher.finalize() + self._cipher.tag


class Decryptor:
    """Decrypt a file piece by piece (for example as it is downloaded).

    What :meth:`update` returns is **not yet verified**: keep it out of sight until
    :meth:`finish` returns; if that raises, throw everything away.
    """

    def __init__(self, key: AesgcmKey) -> None:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        self._cipher = Cipher(algorithms.AES(key.key), modes.GCM(key.iv)).decryptor()
        self._tail = b""  # the last bytes seen: the tag once the file ends

    def update(self, data: bytes) -> bytes:
        """The plain text of ``data``, less the last 16 bytes seen so far (held back: they
        may be the tag)."""
        pending = memoryview(self._tail + data)  # slices of a view copy nothing
        self._tail = bytes(pending[-TAG_BYTES:])
        return self._cipher.update(pending[:-TAG_BYTES])

    def finish(self) -> bytes:
        """Check the tag; raise :class:`DecryptionFailed` unless the file is whole and the
        key is right."""
        if len(self._tail) < TAG_BYTES:
            raise DecryptionFailed(
                f"the encrypted file is cut short: {len(self._tail)} bytes,"
                f" less than its {TAG_BYTES}-byte tag"
            )
        from cryptography.exceptions import InvalidTag

        try:
            return self._cipher.finalize_with_tag(self._tail)
        except InvalidTag:
            raise DecryptionFailed(
                "the file does not match its key: wrong key, or the file was changed or cut short"
            ) from None


class EncryptingReader:
    """A file opened for reading whose bytes come out encrypted, the tag after the last: what
    an upload streams (:func:`encrypted_size` bytes in all), with no encrypted copy on disk."""

    def __init__(self, source: BinaryIO, key: AesgcmKey) -> None:
        self._source = source
        self._encryptor: Encryptor | None = Encryptor(key)

    def read(self, size: int = CHUNK) -> bytes:
        """The ciphertext of the next ``size`` bytes; once the file is read, its 16-byte tag;
        then ``b""``."""
        if self._encryptor is None:
            return b""
        data = self._source.read(size)
        if data:
            return self._encryptor.update(data)
        tag, self._encryptor = self._encryptor.finish(), None
        return tag


@contextlib.contextmanager
def decrypting_into(
    dst: str | os.PathLike[str], key: AesgcmKey
) -> Iterator[Callable[[bytes], None]]:
    """Decrypt a file into ``dst`` as its pieces arrive (a download): ``with
    decrypting_into(dst, key) as write: write(piece)``.

    The pieces go to a hidden ``0600`` file; when the block ends the tag is checked and only
    then does ``dst`` appear (replacing any file there). If the tag is wrong
    (:class:`DecryptionFailed`) or the block raises (a dropped connection, a cancellation),
    nothing is left.
    """
    decryptor = Decryptor(key)
    with _replacing(Path(dst)) as write_plain:
        yield lambda piece: write_plain(decryptor.update(piece))
        write_plain(decryptor.finish())


def encrypt_file(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], key: AesgcmKey | None = None
) -> AesgcmKey:
    """Encrypt ``src`` into ``dst`` (replaced whole once done, ``0600``); return the key.

    ``key`` is for tests with known answers only: a key must never encrypt two files.
    """
    key = AesgcmKey.new() if key is None else key
    encryptor = Encryptor(key)
    _transform(Path(src), Path(dst), encryptor.update, encryptor.finish)
    return key


def decrypt_file(src: str | os.PathLike[str], dst: str | os.PathLike[str], key: AesgcmKey) -> None:
    """Decrypt ``src`` into ``dst``, which appears (``0600``, replacing any file there) only
    once the tag is verified; raise :class:`DecryptionFailed` (nothing written) if it is not."""
    decryptor = Decryptor(key)
    _transform(Path(src), Path(dst), decryptor.update, decryptor.finish)


def encrypted_size(plain_size: int) -> int:
    """The size of the encrypted file (what an upload slot must be asked for)."""
    return plain_size + TAG_BYTES


def aesgcm_url(https_url: str, key: AesgcmKey) -> str:
    """The ``aesgcm://`` link for the file uploaded at ``https_url`` with ``key``."""
    scheme, _, rest = https_url.partition("://")
    if scheme.lower() != "https":
        raise BadAesgcmUrl(f"an encrypted file must be shared over https, not {scheme!r}")
    _check_location(rest)
    if "#" in rest:
        raise BadAesgcmUrl("the upload URL already has a # part")
    return f"{SCHEME}://{rest}#{key.fragment}"


def parse_aesgcm(url: str) -> tuple[str, AesgcmKey]:
    """The https URL to download and the key of an ``aesgcm://`` link, or
    :class:`BadAesgcmUrl` saying what is wrong with it."""
    scheme, separator, rest = url.strip().partition("://")
    if not separator or scheme.lower() != SCHEME:
        raise BadAesgcmUrl("not an aesgcm:// link")
    location, hash_sign, fragment = rest.partition("#")
    if not hash_sign:
        raise BadAesgcmUrl("the aesgcm:// link carries no key (nothing after #)")
    _check_location(location)
    return f"https://{location}", AesgcmKey.from_fragment(fragment)


def is_encrypted_url(url: str) -> bool:
    """Whether ``url`` is an encrypted file's link, which holds its key: such a URL is never
    shown as a link nor given to an opener or browser.

    Decided as a browser reads a scheme (leading spaces and control characters skipped, tabs
    and newlines ignored, any case), so that no spelling slips through; malformed ones count.
    """
    head = url.lstrip(_C0_AND_SPACE)[:32].translate(_TAB_AND_NEWLINES)
    prefix = head[: len(SCHEME) + 1]
    return prefix.isascii() and prefix.lower() == f"{SCHEME}:"


def _check_location(location: str) -> None:
    """The part of a URL after ``scheme://`` names a host and has no spaces, no control
    characters (C0, DEL, C1: a terminal may obey them) and no invisible format characters
    (bidirectional overrides would disguise it)."""
    if not location or location.startswith(("/", "?", "#")):
        raise BadAesgcmUrl("the link names no host")
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in location):
        raise BadAesgcmUrl("the link contains spaces, control or invisible characters")


def _transform(
    src: Path, dst: Path, update: Callable[[bytes], bytes], finish: Callable[[], bytes]
) -> None:
    """Stream ``src`` through ``update`` then ``finish`` into ``dst``, all or nothing."""
    with _failing_as(f"cannot read {src}"):
        source = src.open("rb")
    with source, _replacing(dst) as write:
        while chunk := _read(source, src):
            write(update(chunk))
        write(finish())


def _read(source: BinaryIO, path: Path) -> bytes:
    with _failing_as(f"cannot read {path}"):
        return source.read(CHUNK)


@contextlib.contextmanager
def _replacing(dst: Path) -> Iterator[Callable[[bytes], None]]:
    """A hidden ``0600`` file beside ``dst`` to write to, renamed over it if the block ends
    normally and deleted otherwise (also on cancellation). Only our own file operations'
    errors become "cannot write": what the block raises (an ``OSError`` of a download too)
    passes through as it is."""
    with _failing_as(f"cannot write {dst}"):
        fd, temp_name = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:

            def write(data: bytes) -> None:
                with _failing_as(f"cannot write {dst}"):
                    out.write(data)

            yield write
            with _failing_as(f"cannot write {dst}"):
                out.flush()
                os.fsync(out.fileno())
        with _failing_as(f"cannot write {dst}"):
            temp.replace(dst)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _failing_as(words: str) -> Iterator[None]:
    """Turn an ``OSError`` into a :class:`FileCryptoError` that starts with ``words``."""
    try:
        yield
    except OSError as exc:
        raise FileCryptoError(f"{words}: {exc.strerror or exc}") from None
