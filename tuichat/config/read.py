"""Provides safe reading of the config file: a regular file, of sane size and nesting.

The config path comes from the user (``--config``, ``$TUICHAT_CONFIG``), so it may name a
FIFO (reading would wait forever), a device such as ``/dev/zero`` (reading would never end), a
directory, or a file far too large or nested far too deep for a config (``tomllib`` recurses
per level). Each of these is a :class:`~tuichat.config.Problem` naming the file, never a hang,
a traceback or unbounded memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tuichat.config.model import Problem

MAX_CONFIG_BYTES = 1024 * 1024
"""The largest config file read (a config with a thousand accounts is about 200 KiB)."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (for ``st_mode`` ``mode``)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_config_bytes(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file at ``path`` (following symlinks) and its status.

    Raises :class:`FileNotFoundError` when it does not exist, :class:`OSError` when it cannot
    be read, and :class:`ValueError` (the words to show) when it is not a regular file or is
    larger than :data:`MAX_CONFIG_BYTES`. Never blocks: a FIFO is opened non-blocking and
    refused before any read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise ValueError(f"is {file_kind(status.st_mode)}, not a regular file")
        too_large = f"is larger than {MAX_CONFIG_BYTES >> 20} MiB"
        if status.st_size > MAX_CONFIG_BYTES:
            raise ValueError(too_large)
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 64 * 1024):
            size += len(chunk)
            if size > MAX_CONFIG_BYTES:  # it grew while we read
                raise ValueError(too_large)
            chunks.append(chunk)
        return b"".join(chunks), status
    finally:
        os.close(fd)


def deepest_line(text: str) -> int:
    """The line where ``text`` first reaches its deepest ``[``/``{`` nesting.

    Strings and comments are skipped roughly (escapes are not followed): this only points at
    a line for a text the TOML parser has already refused.
    """
    depth = deepest = 0
    line = best = 1
    quote = ""
    for ch in text:
        if ch == "\n":
            line += 1
            if quote == "#":
                quote = ""
        elif quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'#":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest, best = depth, line
        elif ch in "]}":
            depth -= 1
    return best


def nesting_problem(file: Path, text: str) -> Problem:
    """The Problem for a TOML text nested too deeply for the parser."""
    return Problem(file, deepest_line(text), "toml", "arrays or tables are nested too deeply")
