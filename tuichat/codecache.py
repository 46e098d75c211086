"""Provides :func:`install`: the code ``dataclasses`` generates, compiled once per Python.

Why: every ``@dataclass`` compiles the source text of its ``__init__``, ``__repr__``,
``__eq__``… at import (six ``compile`` calls for a frozen one, about a millisecond). The first
frame needs some 140 of ours and more of Textual's: creating them was over half of tuichat's
own import time. What a compile makes depends only on that text and the Python that compiles
it, so, as Python keeps ``.pyc`` files, the code is kept in the user's cache folder and a
later start runs it without compiling.

Rules: the cache only saves time. Its key is the source text's SHA-256, so a hit runs the code
a compile of that very text made; an unreadable, damaged or foreign file is ignored,
and one that cannot be written is not (a read-only home only starts slower). The file is
named for the Python that compiled it, whose code objects no other reads.
``dataclasses`` calls ``exec`` by name in all of 3.11–3.13; a module-level ``exec`` in it is
found before the builtin, which is the one place this hooks.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import dataclasses
import hashlib
import marshal
import mmap
import struct
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

from tuichat.paths import cache_dir, write_cache

MAX_ENTRIES = 4096
"""Above this many kept, a save keeps only what this process used (old versions' code)."""

_LENGTH = struct.Struct("<Q")
"""The file: the index's length, the index (marshalled ``{key: (offset, length)}``), then
each source's marshalled code at its offset from the end of the index."""


def key_of(source: str) -> bytes:
    """A source text's key: its SHA-256 (the text itself would be ~1 MiB held in memory)."""
    return hashlib.sha256(source.encode()).digest()


class CodeCache:
    """Compiled ``exec`` sources by their text's hash, in one file read as needed.

    Only the index is read at start; the file is mapped, and a source's code is read from
    it when that source is executed, so code no dataclass of this process needs (a headless
    command's, an older version's) never takes memory.
    """

    def __init__(self, file: Path) -> None:
        self.file = file
        self._index: dict[bytes, tuple[int, int]] = {}
        self._body: memoryview | None = None
        self._map: mmap.mmap | None = None
        self.new: dict[bytes, bytes] = {}
        """Code compiled in this process, marshalled (every save writes it with the file's)."""
        self._unsaved = False
        self.used: set[bytes] = set()
        self.compiled = 0
        """Sources compiled in this process (not found in the file)."""

    def load(self) -> None:
        """Map the file and read its index; anything wrong with it means an empty cache."""
        try:
            with open(self.file, "rb") as file:
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # missing, unreadable, or empty (nothing to map)
            return
        try:
            (length,) = _LENGTH.unpack_from(mapped)
            index = marshal.loads(mapped[_LENGTH.size : _LENGTH.size + length])
        except (ValueError, EOFError, TypeError, struct.error):
            mapped.close()
            return
        if not isinstance(index, dict):
            mapped.close()
            return
        self._map, self._index = mapped, index
        self._body = memoryview(mapped)[_LENGTH.size + length :]

    def _read(self, key: bytes) -> CodeType | None:
        place = self._index.get(key)
        if self._body is None or not isinstance(place, tuple):
            return None
        try:
            offset, length = place
            code = marshal.loads(self._body[offset : offset + length])
        except (ValueError, EOFError, TypeError):
            return None
        return code if isinstance(code, CodeType) else None

    def exec(self, source: Any, globals: dict[str, Any] | None = None, locals: Any = None) -> None:
        """``exec`` with ``source`` compiled from the cache when it is text seen before."""
        if not isinstance(source, str):
            builtins.exec(source, globals, locals)
            return
        key = key_of(source)
        code = self._read(key)
        if code is None:
            code = compile(source, "<string>", "exec")
            self.new[key] = marshal.dumps(code)
            self.compiled += 1
            self._unsaved = True
        self.used.add(key)
        builtins.exec(code, globals, locals)

    def save(self) -> None:
        """Write what was compiled since the last save, atomically; quietly give up on errors."""
        if not self._unsaved:
            return
        self._unsaved = False
        new = dict(self.new)  # a thread may be creating dataclasses meanwhile
        keep = self._index.keys() - new.keys()
        if len(keep) + len(new) > MAX_ENTRIES:
            keep &= self.used
        blobs = [(key, self._blob(key)) for key in keep] + list(new.items())
        index, offset = {}, 0
        for key, blob in blobs:
            index[key] = (offset, len(blob))
            offset += len(blob)
        head = marshal.dumps(index)
        write_cache(self.file, b"".join([_LENGTH.pack(len(head)), head, *(b for _, b in blobs)]))

    def _blob(self, key: bytes) -> bytes:
        offset, length = self._index[key]
        assert self._body is not None
        return bytes(self._body[offset : offset + length])

    def close(self) -> None:
        """Save, then compile as Python does: start-up is over (a dataclass made later is
        compiled, not kept), and the file need not stay mapped."""
        self.save()
        if getattr(dataclasses, "exec", None) == self.exec:
            del dataclasses.exec  # type: ignore[attr-defined]
        with contextlib.suppress(BufferError):  # a view still held: the mapping stays, no harm
            if self._body is not None:
                self._body.release()
            if self._map is not None:
                self._map.close()
        self._index, self._body, self._map, self.used, self.new = {}, None, None, set(), {}


_cache: CodeCache | None = None


def install() -> CodeCache:
    """Load the cache and route ``dataclasses``' compiles through it (once per process)."""
    global _cache
    if _cache is None:
        tag = f"{sys.implementation.cache_tag}-{MAGIC_NUMBER.hex()}"
        _cache = CodeCache(cache_dir() / f"dataclass-code.{tag}.index")
        _cache.load()
        dataclasses.exec = _cache.exec  # type: ignore[attr-defined]
        atexit.register(_cache.save)
    return _cache


def save() -> None:
    """Write the cache now (the first frame is up), not only at exit: a closed terminal kills
    us without atexit."""
    if _cache is not None:
        _cache.save()


def close() -> None:
    """Start-up is over: save the cache and let it go (see :meth:`CodeCache.close`)."""
    if _cache is not None:
        _cache.close()
