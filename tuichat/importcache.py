"""Provides :func:`install`: the modules a start imports, found and read from one file.

Why: a start imports some 700 modules (Textual, Rich, slixmpp, ours). For each, Python's path
finder walks ``sys.path`` or the package's folders, builds a spec, checks the source's
``.pyc`` and reads it: ~30 ms of CPU before the first frame, more on the way to login, that
is bookkeeping, not running the modules. The ``tuichat`` command (:mod:`tuichat.launch`)
installs a finder that serves the modules the last start imported from one mapped file
(:class:`~tuichat.blobfile.BlobFile`), with their code as their ``.pyc`` holds it.

Rules, so that the code run is always the code on disk:

- A module is served only if its source file still has the size and modification time it
  had when its code was kept, and so has the folder it lies in (a file added next to it,
  which could shadow it, changes the folder's time). Anything else, and anything not in the
  file, goes to Python's own finders.
- The file is named for the interpreter and its ``sys.path``, and read only if none of the
  ``sys.path`` folders changed since it was written (a module put in an earlier folder would
  shadow one found in a later one).
- Only plain source modules are kept (a ``.py`` whose ``.pyc`` is current); the loader is
  Python's own ``SourceFileLoader`` for everything but reading the code, so sources,
  resources and tracebacks work as usual.
- The cache only saves time: a missing, damaged or foreign file, or a module that fails
  any check, is imported as Python would. Saved when start-up is over (by the app; a
  headless command at its exit), and only if what it holds changed; then the finder is
  removed and the file let go (mapped pages count as resident memory).
"""

from __future__ import annotations

import atexit
import hashlib
import marshal
import os
import sys
from collections.abc import Iterator, Sequence
from importlib.machinery import ModuleSpec, SourceFileLoader
from importlib.util import MAGIC_NUMBER, cache_from_source
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from tuichat import blobfile
from tuichat.paths import cache_dir

PATHS_KEY = "\0sys.path"
"""The index entry (no module has this name) holding the ``sys.path`` folders' stamps."""


def _stamp(path: str) -> tuple[int, int] | None:
    """``(modification time in ns, size)`` of ``path``, or None if it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _paths_stamp(paths: Sequence[str]) -> list[tuple[str, tuple[int, int] | None]]:
    return [(path, _stamp(path or ".")) for path in paths]


class _CachedLoader(SourceFileLoader):
    """Python's source loader, with the code given instead of read from the ``.pyc``."""

    def __init__(self, fullname: str, path: str, code: CodeType) -> None:
        super().__init__(fullname, path)
        self._code: CodeType | None = code

    def get_code(self, fullname: str) -> Any:
        code, self._code = self._code, None  # once: a reload reads the file
        return code if code is not None else super().get_code(fullname)


class ImportCache:
    """The meta path finder serving kept modules, and what a save keeps."""

    def __init__(self, file: Path, paths: Sequence[str]) -> None:
        self.file = file
        self._paths = list(paths)
        self._blobs = blobfile.BlobFile(file)
        self.served = 0
        """Modules this process imported from the file."""
        self._closed = False

    def load(self) -> None:
        """Read the file's index, unless a ``sys.path`` folder changed since it was written."""
        self._blobs.load()
        if self._held(PATHS_KEY) != _paths_stamp(self._paths):
            self._blobs.close()

    def _held(self, key: str) -> Any:
        """What the entry of ``key`` says of its source (None: no sound entry)."""
        found = self._blobs.entry(key)
        if found is None:
            return None
        try:
            return marshal.loads(found[1][: found[0]])
        except (ValueError, EOFError, TypeError):
            return None

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        """The spec of a kept module whose file and folder are as they were, else None."""
        try:
            found = self._blobs.entry(name)
            if found is None:
                return None
            size, blob = found
            origin, package, stamp, folder = marshal.loads(blob[:size])
            if _stamp(origin) != stamp or _stamp(os.path.dirname(origin)) != folder:
                return None
            code = marshal.loads(blob[size:])
            if not isinstance(code, CodeType):
                return None
            spec = ModuleSpec(name, _CachedLoader(name, origin, code), origin=origin)
            spec.has_location = True  # __file__ and __cached__ are set from origin
            if package:
                spec.submodule_search_locations = [os.path.dirname(origin)]
        except Exception:  # whatever it is, Python's own finders will do
            return None
        self.served += 1
        return spec

    def save(self) -> None:
        """Keep the plain source modules imported now, with those kept before that still
        match the disk; write only if that changes what the file holds."""
        if self._closed:
            return
        before = {key: self._held(key) for key in self._blobs.index if key != PATHS_KEY}
        kept = {name: meta for name, meta in before.items() if _matches(meta)}
        for name, module in list(sys.modules.items()):
            meta = _meta(module)
            if meta is not None:
                kept[name] = meta
        paths = _paths_stamp(self._paths)
        if kept == before and self._held(PATHS_KEY) == paths:
            return

        def entries() -> Iterator[tuple[str, int, bytes]]:
            yield _entry(PATHS_KEY, paths, b"")
            for name, meta in kept.items():
                if before.get(name) == meta and (found := self._blobs.entry(name)) is not None:
                    yield name, found[0], bytes(found[1])
                else:
                    yield _entry(name, meta, _code(meta))

        blobfile.write(self.file, entries())

    def close(self) -> None:
        """Stop serving modules (saved first) and let the file go."""
        self.save()
        self._closed = True
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        self._blobs.close()


def _entry(key: str, meta: Any, code: bytes) -> tuple[str, int, bytes]:
    """A file entry: the index holds the length of the marshalled ``meta`` that starts the
    blob, and the code follows it (module names and their sources' stamps stay out of the
    index, which is held in memory through start-up)."""
    head = marshal.dumps(meta)
    return key, len(head), head + code


def _meta(module: ModuleType) -> tuple[str, bool, Any, Any] | None:
    """``(source, is a package, source's stamp, folder's stamp)`` of a plain source module."""
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None)
    if not isinstance(spec, ModuleSpec) or not isinstance(spec.loader, SourceFileLoader):
        return None
    if not isinstance(origin, str) or not origin.endswith(".py"):
        return None
    package = spec.submodule_search_locations is not None
    return origin, package, _stamp(origin), _stamp(os.path.dirname(origin))


def _matches(meta: Any) -> bool:
    """Whether a kept module's source and folder are as they were when it was kept."""
    try:
        origin, _package, stamp, folder = meta
        return bool(stamp == _stamp(origin) and folder == _stamp(os.path.dirname(origin)))
    except (TypeError, ValueError):
        return False


def _code(meta: tuple[str, bool, Any, Any]) -> bytes:
    """The marshalled code of the source in ``meta`` from its ``.pyc``; empty if that file is
    missing or not compiled from this very source (the entry then serves nothing)."""
    origin, _package, stamp, _folder = meta
    try:
        with open(cache_from_source(origin), "rb") as file:
            pyc = file.read()
    except (OSError, NotImplementedError, ValueError):
        return b""
    return pyc[16:] if stamp is not None and _current(pyc, stamp) else b""


def _current(pyc: bytes, stamp: tuple[int, int]) -> bool:
    """Whether ``pyc`` (a timestamp-checked one) was compiled from the source of ``stamp``."""
    if len(pyc) < 16 or pyc[:4] != MAGIC_NUMBER or int.from_bytes(pyc[4:8], "little") != 0:
        return False
    mtime, size = int.from_bytes(pyc[8:12], "little"), int.from_bytes(pyc[12:16], "little")
    return mtime == (stamp[0] // 1_000_000_000) & 0xFFFFFFFF and size == stamp[1] & 0xFFFFFFFF


_cache: ImportCache | None = None


def install() -> ImportCache:
    """Serve imports from the cache from now on (once per process)."""
    global _cache
    if _cache is None:
        paths = list(sys.path)
        key = "\0".join([sys.executable, *paths]).encode()
        tag = f"{sys.implementation.cache_tag}-{hashlib.sha256(key).hexdigest()[:16]}"
        _cache = ImportCache(cache_dir() / f"modules.{tag}.index", paths)
        _cache.load()
        sys.meta_path.insert(0, _cache)
        atexit.register(close)
    return _cache


def close() -> None:
    """Start-up is over: save the cache, stop serving from it, let the file go."""
    if _cache is not None:
        _cache.close()
