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
import dataclasses
import hashlib
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

from tuichat import blobfile, startcaches
from tuichat.paths import cache_dir

MAX_ENTRIES = 4096
"""Above this many kept, a save keeps only what this process used (old versions' code)."""


def key_of(source: str) -> bytes:
    """A source text's key: its SHA-256 (the text itself would be ~1 MiB held in memory)."""
    return hashlib.sha256(source.encode()).digest()


class CodeCache(blobfile.Kept):
    """Compiled ``exec`` sources by their text's hash, in one file read as needed
    (:class:`~tuichat.blobfile.BlobFile`: code no dataclass of this process needs, a headless
    command's or an older version's, never takes memory)."""

    def __init__(self, file: Path) -> None:
        super().__init__(file, limit=MAX_ENTRIES)

    def exec(self, source: Any, globals: dict[str, Any] | None = None, locals: Any = None) -> None:
        """``exec`` with ``source`` compiled from the cache when it is text seen before."""
        if not isinstance(source, str):
            builtins.exec(source, globals, locals)
            return
        key = key_of(source)
        code = self.get(key)
        if not isinstance(code, CodeType):
            code = compile(source, "<string>", "exec")
            self.put(key, code)
        builtins.exec(code, globals, locals)

    def close(self) -> None:
        """Save, then compile as Python does: start-up is over (a dataclass made later is
        compiled, not kept), and the file need not stay mapped."""
        if getattr(dataclasses, "exec", None) == self.exec:
            del dataclasses.exec  # type: ignore[attr-defined]
        super().close()


_cache: CodeCache | None = None


def install() -> CodeCache:
    """Load the cache and route ``dataclasses``' compiles through it (once per process)."""
    global _cache
    if _cache is None:
        tag = f"{sys.implementation.cache_tag}-{MAGIC_NUMBER.hex()}"
        _cache = CodeCache(cache_dir() / f"dataclass-code-2.{tag}.index")  # 2: blobfile's format
        _cache.load()
        dataclasses.exec = _cache.exec  # type: ignore[attr-defined]
        atexit.register(_cache.save)
        startcaches.register(_cache)
    return _cache
