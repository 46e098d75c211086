"""Tests for the migration runner: named, append-only, transactional."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tuichat.store import Store
from tuichat.store.migrations import MIGRATIONS, Migrations, m001_initial


def connect() -> sqlite3.Connection:
    """An in-memory connection in autocommit mode."""
    return sqlite3.connect(":memory:", isolation_level=None)


def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    """Opening a new file applies all migrations and records them."""
    store = Store.open(tmp_path / "s.db")
    try:
        assert store.migrations_run == MIGRATIONS.names
        assert MIGRATIONS.applied(store._conn) == MIGRATIONS.names
        assert MIGRATIONS.pending(store._conn) == []
    finally:
        store.close()


def test_reopening_runs_none(tmp_path: Path) -> None:
    """A second open finds nothing to do."""
    Store.open(tmp_path / "s.db").close()
    again = Store.open(tmp_path / "s.db")
    try:
        assert again.migrations_run == []
    finally:
        again.close()


def test_duplicate_name_raises() -> None:
    """Two migrations with one name are refused at registration."""
    registry = Migrations(m001_initial)
    with pytest.raises(ValueError, match="m001_initial"):
        registry.register(m001_initial)


def test_new_migration_appended_later_runs_alone() -> None:
    """Only the migrations not yet recorded run."""
    conn = connect()
    assert Migrations(m001_initial).apply(conn) == ["m001_initial"]

    def m002_add_column(c: sqlite3.Connection) -> None:
        c.execute("ALTER TABLE settings ADD COLUMN note TEXT")

    assert Migrations(m001_initial, m002_add_column).apply(conn) == ["m002_add_column"]
    cols = [r[1] for r in conn.execute("PRAGMA table_info(settings)")]
    assert "note" in cols


def test_failing_migration_rolls_back_changes_and_record() -> None:
    """A migration that raises leaves neither its changes nor its record behind."""
    conn = connect()

    def m001_ok(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE a (x)")

    def m002_broken(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE b (x)")
        c.execute("INSERT INTO a VALUES (1)")
        raise RuntimeError("boom")

    registry = Migrations(m001_ok, m002_broken)
    with pytest.raises(RuntimeError, match="boom"):
        registry.apply(conn)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "a" in tables and "b" not in tables
    assert conn.execute("SELECT COUNT(*) FROM a").fetchone()[0] == 0
    assert registry.applied(conn) == ["m001_ok"]
    assert registry.pending(conn) == ["m002_broken"]
    assert not conn.in_transaction


def test_pending_and_applied_only_read() -> None:
    """Asking what is pending does not create anything."""
    conn = connect()
    assert MIGRATIONS.pending(conn) == MIGRATIONS.names
    assert MIGRATIONS.applied(conn) == []
    assert conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0


def test_migration_record_has_a_timestamp() -> None:
    """Each record says when it was applied."""
    conn = connect()
    MIGRATIONS.apply(conn)
    rows = conn.execute("SELECT name, applied_at FROM _migrations ORDER BY rowid").fetchall()
    assert [name for name, _ in rows] == MIGRATIONS.names
    assert all(applied_at.startswith("20") for _, applied_at in rows)
