"""Provides :func:`install`: regular expressions compiled once per Python, not at every start.

Why: ``re`` keeps what it compiles in memory only, so every start parses and compiles each
pattern a module defines, Textual's CSS tokenizer's, Rich's, the standard library's and ours:
about a hundred before the first frame, some 13 ms, an eighth of the Python code run to it.
What a compile makes depends only on the pattern, its flags and the Python compiling it. So,
as Python keeps ``.pyc`` files, the compiled program is kept in the user's cache folder (the
list of opcodes ``re`` hands to its C engine), and a later start hands it over directly.

Rules: the cache only saves time. A program is kept only when the pattern rebuilt from it is
equal to the one ``re`` compiled (same flags, same code), and the C engine checks every program
it is given, so a damaged entry is compiled again, not run. The file is named for the Python
release (a patch release may fix how ``re`` compiles: its programs are not read by another) and
the engine version. A bad, unreadable or unwritable file only costs the compiles.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import marshal
import re
import sys
from pathlib import Path
from typing import Any

from tuichat import blobfile, startcaches
from tuichat.paths import cache_dir

MAX_ENTRIES = 4096
"""Above this many kept, a save keeps only what this process used (an older version's)."""

_sre: Any = importlib.import_module("_sre")  # re's C engine: no stubs, as re's modules below
_compiler: Any = importlib.import_module("re._compiler")
_parser: Any = importlib.import_module("re._parser")

Program = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]
"""A compiled pattern's arguments to ``_sre.compile`` after the pattern: its flags, its
opcodes, its group count (less one), its group numbers by name and names by number."""


def program(pattern: str | bytes, flags: int) -> Program:
    """What ``re`` hands its C engine for ``pattern`` (as ``re._compiler.compile`` makes it,
    with plain ints)."""
    parsed = _parser.parse(pattern, flags)
    state = parsed.state
    groups: dict[str, int] = dict(state.groupdict)
    names: list[str | None] = [None] * state.groups
    for name, index in groups.items():
        names[index] = name
    code = [int(op) for op in _compiler._code(parsed, flags)]  # opcodes are an int subclass
    return int(flags | state.flags), code, int(state.groups - 1), groups, tuple(names)


class PatternCache(blobfile.Kept):
    """Compiled patterns by ``(pattern, flags)``, in one file read as needed."""

    def __init__(self, file: Path) -> None:
        super().__init__(file, limit=MAX_ENTRIES)
        self.compile_now = _compiler.compile
        """What compiles a pattern this cache does not have (``re``'s own compile)."""

    def compile(self, pattern: Any, flags: int = 0) -> Any:
        """``re._compiler.compile``, from the cache when the pattern was compiled before."""
        if not isinstance(pattern, str | bytes) or flags & re.DEBUG:
            return self.compile_now(pattern, flags)
        flags = int(flags)  # re passes an int; a caller of its own may pass a RegexFlag
        try:
            key = hashlib.sha256(marshal.dumps((pattern, flags))).digest()
        except ValueError:  # a str or bytes subclass: marshal takes only the exact types
            return self.compile_now(pattern, flags)
        kept = self.get(key)
        if isinstance(kept, tuple):
            try:
                return _sre.compile(pattern, *kept)
            except (TypeError, ValueError, RuntimeError, OverflowError):  # damaged: compile
                pass
        compiled = self.compile_now(pattern, flags)
        self._keep(key, pattern, flags, compiled)
        return compiled

    def _keep(self, key: bytes, pattern: str | bytes, flags: int, compiled: object) -> None:
        """Keep ``compiled``'s program if rebuilding from it gives the very same pattern."""
        try:
            made = program(pattern, flags)
            same = _sre.compile(pattern, *made) == compiled
        except Exception:  # another Python's internals: such a pattern is compiled each start
            return
        if same:
            self.put(key, made)

    def close(self) -> None:
        """Save, then compile as ``re`` does (start-up is over) and let the file go."""
        if _compiler.compile == self.compile:
            _compiler.compile = self.compile_now
        super().close()


_cache: PatternCache | None = None


def install() -> PatternCache:
    """Load the cache and route ``re``'s compiles through it (once per process)."""
    global _cache
    if _cache is None:
        release = ".".join(map(str, sys.version_info[:3]))
        tag = f"{sys.implementation.name}-{release}-{_sre.MAGIC}"
        _cache = PatternCache(cache_dir() / f"patterns-1.{tag}.index")
        _cache.load()
        _compiler.compile = _cache.compile
        atexit.register(_cache.save)
        startcaches.register(_cache)
    return _cache
