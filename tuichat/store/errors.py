"""Provides :class:`StoreError` and :func:`store_error`: SQLite and file errors in plain words.

The store is the one place that talks to SQLite, so it is the boundary where
``sqlite3.Error`` and ``OSError`` become a :class:`StoreError` whose message names the file
and what is wrong with it, e.g. ``cannot write to the message store /p/messages.sqlite3: the
disk is full``. Programming errors (a bad SQL statement, a constraint the code should have
handled) are not translated: they are bugs, and keep their traceback.
"""

from __future__ import annotations

import enum
import errno
import os
import sqlite3
from pathlib import Path

__all__ = ["Problem", "StoreError", "classify", "store_error"]


class Problem(enum.Enum):
    """What is wrong with the store, in the words shown to the user."""

    MISSING = "it does not exist"
    FULL = "the disk is full"
    LOCKED = "another process holds it locked"
    READ_ONLY = "it is read-only"
    DENIED = "permission denied"
    DAMAGED = "it is damaged (database disk image is malformed)"
    NOT_A_DATABASE = "it is not an SQLite database (damaged, or not tuichat's)"
    IS_A_DIRECTORY = "it is a directory, not a file"
    LINK_LOOP = "it is a symbolic link loop"
    NOT_A_DIRECTORY = "a part of its path is not a directory"
    CANNOT_OPEN = "it cannot be opened"
    BAD_WAL = "its -wal or -shm file is not a regular file"
    IO_ERROR = "input/output error"
    NEEDS_UPGRADE = "it is read-only and needs an upgrade by this version of tuichat"


class StoreError(Exception):
    """The message store cannot be used; ``str()`` is one line naming the file and the problem."""

    def __init__(self, path: Path | str, action: str, problem: Problem, detail: str = "") -> None:
        self.path = Path(path)
        self.action = action
        """``open``, ``read from`` or ``write to``."""
        self.problem = problem
        text = f"cannot {action} the message store {path}: {problem.value}"
        super().__init__(text + (f" ({detail})" if detail else ""))

    @property
    def may_be_readable(self) -> bool:
        """Whether opening the file read-only may still work (it may just not be writable).

        SQLite says "cannot open" when it cannot create the ``-shm`` file of a WAL database in
        a folder it may not write to.
        """
        return self.problem in (
            Problem.READ_ONLY,
            Problem.DENIED,
            Problem.CANNOT_OPEN,
            Problem.BAD_WAL,
            Problem.LOCKED,  # in WAL mode a writer does not block readers
            Problem.FULL,
        )


# Primary SQLite result codes (the low byte of an extended code).
_SQLITE: dict[int, Problem] = {
    sqlite3.SQLITE_FULL: Problem.FULL,
    sqlite3.SQLITE_BUSY: Problem.LOCKED,
    sqlite3.SQLITE_LOCKED: Problem.LOCKED,
    sqlite3.SQLITE_READONLY: Problem.READ_ONLY,
    sqlite3.SQLITE_PERM: Problem.DENIED,
    sqlite3.SQLITE_AUTH: Problem.DENIED,
    sqlite3.SQLITE_CORRUPT: Problem.DAMAGED,
    sqlite3.SQLITE_NOTADB: Problem.NOT_A_DATABASE,
    sqlite3.SQLITE_CANTOPEN: Problem.CANNOT_OPEN,
    sqlite3.SQLITE_IOERR: Problem.IO_ERROR,
}

_ERRNO: dict[int, Problem] = {
    errno.ENOENT: Problem.MISSING,
    errno.ENOSPC: Problem.FULL,
    errno.EDQUOT: Problem.FULL,
    errno.EROFS: Problem.READ_ONLY,
    errno.EACCES: Problem.DENIED,
    errno.EPERM: Problem.DENIED,
    errno.EISDIR: Problem.IS_A_DIRECTORY,
    errno.ELOOP: Problem.LINK_LOOP,
    errno.ENOTDIR: Problem.NOT_A_DIRECTORY,
    errno.EIO: Problem.IO_ERROR,
}


def classify(exc: BaseException) -> Problem | None:
    """What ``exc`` says about the store, or None when it is not about the store (a bug)."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:
            return None
        return _SQLITE.get(code & 0xFF)
    if isinstance(exc, OSError) and exc.errno is not None:
        return _ERRNO.get(exc.errno)
    return None


def store_error(path: Path, action: str, exc: BaseException) -> StoreError | None:
    """``exc`` as a :class:`StoreError` about ``path``, or None when it is a bug to re-raise.

    SQLite says "cannot open" or "read-only" for a directory, a dangling path or a ``-shm``
    it cannot use: the files themselves tell which.
    """
    problem = classify(exc)
    if problem is None:
        return None
    if problem is Problem.CANNOT_OPEN and path.is_dir():
        problem = Problem.IS_A_DIRECTORY
    elif problem in (Problem.CANNOT_OPEN, Problem.READ_ONLY) and _bad_wal_files(path):
        problem = Problem.BAD_WAL
    elif problem in (Problem.CANNOT_OPEN, Problem.IO_ERROR) and _disk_full(path):
        problem = Problem.FULL  # SQLite says "disk I/O error" when the -shm cannot grow
    detail = ""
    if problem in (Problem.CANNOT_OPEN, Problem.IO_ERROR):
        detail = str(exc)
    return StoreError(path, action, problem, detail)


def _bad_wal_files(path: Path) -> bool:
    """Whether the store's ``-wal`` or ``-shm`` exists but is not a regular file."""
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists() and not side.is_file():
            return True
    return False


FULL_BELOW = 64 * 1024
"""Free bytes under which a file system counts as full (a WAL index needs 32 KiB)."""


def _disk_full(path: Path) -> bool:
    """Whether the file system holding ``path`` has (almost) no space left for us."""
    folder = path.parent
    try:
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < FULL_BELOW
