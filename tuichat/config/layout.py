"""Provides the line layout of a TOML text: where each table header and key statement is.

tomllib and tomlkit give values but no line numbers; :func:`scan_layout` is a small
line-aware reader of (already valid) TOML that maps every key and table to its lines. The
checker uses it to point at problems and the editor to change the text in place.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

KeyPath = tuple[str | int, ...]
"""A key's full path; an array-of-tables entry adds its index: ``("account", 0, "jid")``."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class Entry:
    """A ``key = value`` statement: its key (relative to its table) and its lines (1-based)."""

    key: tuple[str, ...]
    first: int
    last: int


@dataclass(slots=True)
class Table:
    """A table in file order: the root (``header`` 0), ``[name]`` or one ``[[name]]`` entry."""

    path: KeyPath
    header: int
    is_array: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def last(self) -> int:
        """The last line of its last statement (the header line when it has none)."""
        return self.entries[-1].last if self.entries else self.header

    def entry(self, key: str) -> Entry | None:
        """The statement setting ``key`` directly in this table, if any."""
        return next((e for e in self.entries if e.key == (key,)), None)


@dataclass(slots=True)
class Layout:
    """Where every table and key of a TOML text is."""

    tables: list[Table]
    lines: dict[KeyPath, int]

    def line(self, path: KeyPath) -> int:
        """The line of ``path``, else of its nearest enclosing key or table (1 at worst)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1

    def table(self, path: KeyPath) -> Table | None:
        """The table whose header is ``path`` (e.g. ``("account", 0)``), if any."""
        return next((t for t in self.tables if t.path == path and t.header), None)


def _parse_key(s: str, i: int) -> tuple[list[str], int]:
    parts: list[str] = []
    while True:
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] in "\"'":
            quote = s[i]
            j = i + 1
            while j < len(s) and s[j] != quote:
                j += 2 if quote == '"' and s[j] == "\\" else 1
            parts.append(str(tomllib.loads(f"k = {s[i : j + 1]}")["k"]))
            i = j + 1
        else:
            m = _BARE_KEY.match(s, i)
            parts.append(m.group() if m else "")
            i = m.end() if m else i
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] == ".":
            i += 1
            continue
        return parts, i


def _scan_value(s: str, i: int, mls: str | None, depth: int) -> tuple[str | None, int]:
    """Scan ``s`` from ``i``; return the open multi-line string delimiter and bracket depth."""
    while i < len(s):
        if mls:
            if s[i] == "\\" and mls == '"""':
                i += 2
                continue
            if s.startswith(mls, i):
                mls, i = None, i + 3
                continue
            i += 1
            continue
        ch = s[i]
        if s.startswith('"""', i) or s.startswith("'''", i):
            mls, i = s[i : i + 3], i + 3
            continue
        if ch in "\"'":
            j = i + 1
            while j < len(s) and s[j] != ch:
                j += 2 if ch == '"' and s[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "#":
            break
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        i += 1
    return mls, depth


def scan_layout(text: str) -> Layout:
    """Map the tables and keys of ``text`` (valid TOML) to their line numbers."""
    root = Table(path=(), header=0, is_array=False)
    tables = [root]
    lines: dict[KeyPath, int] = {}
    counts: dict[tuple[str, ...], int] = {}
    current = root
    mls: str | None = None
    depth = 0
    entry_start = 0
    entry_key: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        if mls or depth > 0:
            mls, depth = _scan_value(raw, 0, mls, depth)
        else:
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("["):
                is_array = stripped.startswith("[[")
                names, _ = _parse_key(stripped, 2 if is_array else 1)
                path: list[str | int] = []
                for n in range(len(names)):
                    path.append(names[n])
                    prefix = tuple(names[: n + 1])
                    if is_array and n == len(names) - 1:
                        counts[prefix] = counts.get(prefix, 0) + 1
                    if prefix in counts:
                        path.append(counts[prefix] - 1)
                current = Table(path=tuple(path), header=number, is_array=is_array)
                tables.append(current)
                lines.setdefault(current.path, number)
                continue
            keys, i = _parse_key(raw, 0)
            entry_key, entry_start = tuple(keys), number
            for n in range(1, len(keys) + 1):
                lines.setdefault(current.path + tuple(keys[:n]), number)
            mls, depth = _scan_value(raw, i + 1, None, 0)
        if not mls and depth <= 0:
            current.entries.append(Entry(entry_key, entry_start, number))
            depth = 0
    return Layout(tables=tables, lines=lines)
