"""Provides :func:`install`: the code ``dataclasses`` generates, compiled once per Python.

Why: every ``@dataclass`` compiles the source text of its ``__init__``, ``__repr__``,
``__eq__``… at import (six ``compile`` calls for a frozen one, about a millisecond). The first
frame needs some 140 of ours and more of Textual's: creating them was over half of tuichat's
own import time. What a compile makes depends only on that text and the Python that compiles
it, so, as Python keeps ``.pyc`` files, the code is kept in the user's cache folder and a
later start runs it without compiling.

Rules: the cache only saves time. Its key is the whole source text, so a hit runs exactly the
code a compile of that text would make; an unreadable, damaged or foreign file is ignored,
and one that cannot be written is not (a read-only home only starts slower). The file is
named for the Python that compiled it, whose code objects no other reads.
``dataclasses`` calls ``exec`` by name in all of 3.11–3.13; a module-level ``exec`` in it is
found before the builtin, which is the one place this hooks.
"""

from __future__ import annotations

import atexit
import builtins
import dataclasses
import marshal
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

from tuichat.paths import cache_dir, write_cache

MAX_ENTRIES = 4096
"""Above this many kept, a save keeps only what this process used (old versions' code)."""


class CodeCache:
    """Compiled ``exec`` sources by their text, loaded from and saved to one file."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.code: dict[str, CodeType] = {}
        self.used: set[str] = set()
        self.compiled = 0
        """Sources compiled in this process (not found in the file)."""
        self._unsaved = False

    def load(self) -> None:
        """Read the file; anything wrong with it just means an empty cache."""
        try:
            loaded = marshal.loads(self.file.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return
        if isinstance(loaded, dict):
            self.code = loaded

    def exec(self, source: Any, globals: dict[str, Any] | None = None, locals: Any = None) -> None:
        """``exec`` with ``source`` compiled from the cache when it is text seen before."""
        if not isinstance(source, str):
            builtins.exec(source, globals, locals)
            return
        code = self.code.get(source)
        if not isinstance(code, CodeType):
            code = compile(source, "<string>", "exec")
            self.code[source] = code
            self.compiled += 1
            self._unsaved = True
        self.used.add(source)
        builtins.exec(code, globals, locals)

    def save(self) -> None:
        """Write what was compiled since the last save, atomically; quietly give up on errors."""
        if not self._unsaved:
            return
        self._unsaved = False
        code = dict(self.code)  # a thread may be creating dataclasses meanwhile
        if len(code) > MAX_ENTRIES:
            code = {source: code[source] for source in self.used if source in code}
        write_cache(self.file, marshal.dumps(code))

    def close(self) -> None:
        """Save, then compile as Python does: start-up is over, and the cache's sources and
        code need not stay in memory (a dataclass made later is compiled, not kept)."""
        self.save()
        if getattr(dataclasses, "exec", None) == self.exec:
            del dataclasses.exec  # type: ignore[attr-defined]
        self.code, self.used = {}, set()


_cache: CodeCache | None = None


def install() -> CodeCache:
    """Load the cache and route ``dataclasses``' compiles through it (once per process)."""
    global _cache
    if _cache is None:
        tag = f"{sys.implementation.cache_tag}-{MAGIC_NUMBER.hex()}"
        _cache = CodeCache(cache_dir() / f"dataclass-code.{tag}.marshal")
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
