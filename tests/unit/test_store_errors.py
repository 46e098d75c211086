"""Tests for the store's error translation: SQLite and file errors in plain words."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from tuichat.store import Store, StoreError
from tuichat.store.errors import Problem, classify, store_error


def sqlite_error(code: int, cls: type[sqlite3.Error] = sqlite3.OperationalError) -> sqlite3.Error:
    """An error as the sqlite3 module raises it, carrying the (extended) result code."""
    exc = cls("message from SQLite")
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize(
    ("exc", "problem"),
    [
        (sqlite_error(sqlite3.SQLITE_FULL), Problem.FULL),
        (sqlite_error(sqlite3.SQLITE_BUSY), Problem.LOCKED),
        (sqlite_error(sqlite3.SQLITE_BUSY_SNAPSHOT), Problem.LOCKED),
        (sqlite_error(sqlite3.SQLITE_READONLY), Problem.READ_ONLY),
        (sqlite_error(sqlite3.SQLITE_READONLY_DBMOVED), Problem.READ_ONLY),
        (sqlite_error(sqlite3.SQLITE_CORRUPT, sqlite3.DatabaseError), Problem.DAMAGED),
        (sqlite_error(sqlite3.SQLITE_NOTADB, sqlite3.DatabaseError), Problem.NOT_A_DATABASE),
        (sqlite_error(sqlite3.SQLITE_CANTOPEN), Problem.CANNOT_OPEN),
        (sqlite_error(sqlite3.SQLITE_IOERR_SHMSIZE), Problem.IO_ERROR),
        (OSError(errno.ENOSPC, "No space left on device"), Problem.FULL),
        (OSError(errno.EROFS, "Read-only file system"), Problem.READ_ONLY),
        (OSError(errno.EACCES, "Permission denied"), Problem.DENIED),
        (OSError(errno.EISDIR, "Is a directory"), Problem.IS_A_DIRECTORY),
        (OSError(errno.ELOOP, "Too many levels of symbolic links"), Problem.LINK_LOOP),
        (OSError(errno.ENOTDIR, "Not a directory"), Problem.NOT_A_DIRECTORY),
        (OSError(errno.ENOENT, "No such file or directory"), Problem.MISSING),
        # Bugs, not store problems: they keep their traceback.
        (sqlite_error(sqlite3.SQLITE_ERROR), None),
        (sqlite_error(sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.IntegrityError), None),
        (sqlite3.ProgrammingError("closed database"), None),
        (OSError(errno.EBADF, "Bad file descriptor"), None),
        (ValueError("no"), None),
    ],
)
def test_classify(exc: BaseException, problem: Problem | None) -> None:
    assert classify(exc) is problem


def test_store_error_names_the_file_and_the_problem_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "messages.sqlite3"
    error = store_error(path, "write to", sqlite_error(sqlite3.SQLITE_FULL))
    assert error is not None
    assert str(error) == f"cannot write to the message store {path}: the disk is full"
    assert "\n" not in str(error)


def test_cannot_open_a_directory_says_it_is_a_directory(tmp_path: Path) -> None:
    error = store_error(tmp_path, "open", sqlite_error(sqlite3.SQLITE_CANTOPEN))
    assert error is not None and error.problem is Problem.IS_A_DIRECTORY


def test_a_bug_is_not_translated(tmp_path: Path) -> None:
    assert store_error(tmp_path / "x", "open", sqlite_error(sqlite3.SQLITE_ERROR)) is None


def test_a_store_opened_read_only_reads_and_refuses_writes(tmp_path: Path) -> None:
    """read_only: no file is written (mode=ro); a write is a StoreError, not a traceback."""
    path = tmp_path / "messages.sqlite3"
    Store.open(path).close()
    store = Store.open(path, read_only=True)
    try:
        assert store.read_only
        assert store.get_setting("anything") is None
        with pytest.raises(StoreError, match=r"cannot write to the message store .*read-only"):
            store.set_setting("k", "v")
        assert store.failure is not None
    finally:
        store.close()  # PRAGMA optimize is skipped, nothing raises


def test_a_missing_store_cannot_be_opened_read_only(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="it does not exist"):
        Store.open(tmp_path / "nope.sqlite3", read_only=True)


def test_a_read_only_store_that_needs_an_upgrade_is_refused_in_words(tmp_path: Path) -> None:
    """Read-only, migrations cannot run: say so rather than read a schema the code does not know."""
    from tuichat.store.migrations import MIGRATIONS, Migrations, m001_initial

    path = tmp_path / "messages.sqlite3"
    Store.open(path, migrations=Migrations(m001_initial)).close()
    assert len(MIGRATIONS) > 1
    with pytest.raises(StoreError, match="read-only and needs an upgrade"):
        Store.open(path, read_only=True)


def test_a_write_failure_is_kept_as_the_store_failure(tmp_path: Path) -> None:
    """The first failure stays on the store, for a caller that did not see the exception."""
    path = tmp_path / "messages.sqlite3"
    Store.open(path).close()
    store = Store.open(path)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        store._conn.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(StoreError, match="another process holds it locked"):
            store.set_setting("k", "v")
        assert store.failure is not None and store.failure.problem is Problem.LOCKED
    finally:
        other.execute("ROLLBACK")
        other.close()
        store.close()
