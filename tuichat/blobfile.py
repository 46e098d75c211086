"""Provides :class:`BlobFile`: a cache file of marshalled blobs by key, mapped and read as needed.

A start-up cache (:mod:`tuichat.codecache`, :mod:`tuichat.patterncache`) keeps what a later
start reads instead of making again: code objects, compiled regular expressions. Their file:
the blobs, then the index (marshalled ``{key: (offset, length)}``), then the index's length
(8 bytes). Only the index is read when the file is opened; the file is mapped, and a blob is
read when it is asked for, so what this process never needs takes no memory. It is written a
blob at a time (the index last), so a save does not hold every blob at once either.

Rules: the cache only saves time. A missing, unreadable, damaged or foreign file reads as an
empty one, and one that cannot be written is not (a read-only home only starts slower).
"""

from __future__ import annotations

import contextlib
import marshal
import mmap
import struct
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from tuichat.paths import write_cache

_LENGTH = struct.Struct("<Q")


class BlobFile:
    """One mapped cache file: its index, and its blobs read on demand."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.index: dict[Any, tuple[int, int]] = {}
        """What the file holds: ``{key: (offset, length)}``."""
        self._body: memoryview | None = None
        self._map: mmap.mmap | None = None

    def load(self) -> None:
        """Map the file and read its index; anything wrong with it means an empty file."""
        try:
            with open(self.file, "rb") as file:
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # missing, unreadable, or empty (nothing to map)
            return
        try:
            (length,) = _LENGTH.unpack_from(mapped, len(mapped) - _LENGTH.size)
            start = len(mapped) - _LENGTH.size - length
            if start < 0:
                raise ValueError("index longer than the file")
            index = marshal.loads(mapped[start : start + length])
        except (ValueError, EOFError, TypeError, struct.error):
            mapped.close()
            return
        if not isinstance(index, dict):
            mapped.close()
            return
        self._map, self.index = mapped, index
        self._body = memoryview(mapped)[:start]

    def entry(self, key: Any) -> memoryview | None:
        """The blob of ``key``, or None if the file has no sound entry for it."""
        place = self.index.get(key)
        if self._body is None or not isinstance(place, tuple) or len(place) != 2:
            return None
        offset, length = place
        if not isinstance(offset, int) or not isinstance(length, int):
            return None
        blob = self._body[offset : offset + length]
        return blob if len(blob) == length else None

    def loads(self, key: Any) -> Any:
        """The unmarshalled blob of ``key``, or None (missing or damaged)."""
        found = self.entry(key)
        if found is None:
            return None
        try:
            return marshal.loads(found)
        except (ValueError, EOFError, TypeError):
            return None

    def blob(self, key: Any) -> bytes:
        """The blob of ``key`` copied out of the mapping (empty if there is no sound one)."""
        found = self.entry(key)
        return b"" if found is None else bytes(found)

    def close(self) -> None:
        """Let the mapping go (the index too): nothing is read from the file after this."""
        with contextlib.suppress(BufferError):  # a view still held: the mapping stays, no harm
            if self._body is not None:
                self._body.release()
            if self._map is not None:
                self._map.close()
        self.index, self._body, self._map = {}, None, None


class Kept:
    """What a start-up cache keeps: the values of its file, read as they are asked for, and
    those this process made; :meth:`save` writes both (above ``limit`` entries, only those
    this process used: an older version's are dropped)."""

    def __init__(self, file: Path, *, limit: int) -> None:
        self.file = file
        self.limit = limit
        self._blobs = BlobFile(file)
        self.new: dict[bytes, bytes] = {}
        """Values made in this process, marshalled (every save writes them with the file's)."""
        self.used: set[bytes] = set()
        self.compiled = 0
        """Values made in this process (not found in the file)."""
        self._unsaved = False

    def load(self) -> None:
        """Map the file and read its index; anything wrong with it means an empty cache."""
        self._blobs.load()

    def get(self, key: bytes) -> Any:
        """The kept value of ``key``, or None."""
        self.used.add(key)
        return self._blobs.loads(key)

    def put(self, key: bytes, value: Any) -> None:
        """Keep ``value`` (marshallable), made by this process, for ``key``."""
        self.new[key] = marshal.dumps(value)
        self.used.add(key)
        self.compiled += 1
        self._unsaved = True

    def save(self) -> None:
        """Write what was made since the last save, atomically; quietly give up on errors."""
        if not self._unsaved:
            return
        self._unsaved = False
        new = dict(self.new)  # another thread may be putting meanwhile
        keep = self._blobs.index.keys() - new.keys()
        if len(keep) + len(new) > self.limit:
            keep &= self.used
        kept = ((key, self._blobs.blob(key)) for key in keep)
        write(self.file, chain((e for e in kept if e[1]), new.items()))

    def close(self) -> None:
        """Save, then let the file's mapping go: nothing is read from it after this."""
        self.save()
        self._blobs.close()
        self.used, self.new = set(), {}


def write(file: Path, entries: Iterable[tuple[Any, bytes]]) -> bool:
    """Replace ``file`` with ``entries`` (``(key, blob)``, taken one at a time), atomically;
    False on failure."""
    index: dict[Any, tuple[int, int]] = {}

    def pieces() -> Iterator[bytes]:
        offset = 0
        for key, blob in entries:
            index[key] = (offset, len(blob))
            offset += len(blob)
            yield blob
        head = marshal.dumps(index)
        yield head + _LENGTH.pack(len(head))

    return write_cache(file, pieces())
