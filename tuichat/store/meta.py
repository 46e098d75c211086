"""Provides the small tables beside the messages: roster cache, archive positions, settings."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from tuichat.model import Contact, Subscription

__all__ = [
    "archive_position",
    "get_setting",
    "roster",
    "save_roster",
    "set_archive_position",
    "set_setting",
]


def save_roster(conn: sqlite3.Connection, account: str, contacts: Sequence[Contact]) -> None:
    """Replace the cached roster of ``account`` with ``contacts``."""
    conn.execute("DELETE FROM roster WHERE account = ?", (account,))
    conn.executemany(
        "INSERT OR REPLACE INTO roster (account, jid, name, groups, subscription, pending_out) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                account,
                c.jid,
                c.name,
                json.dumps(list(c.groups)),
                c.subscription.value,
                int(c.pending_out),
            )
            for c in contacts
        ],
    )


def roster(conn: sqlite3.Connection, account: str) -> list[Contact]:
    """The cached roster of ``account``, ordered by JID."""
    rows = conn.execute(
        "SELECT jid, name, groups, subscription, pending_out FROM roster "
        "WHERE account = ? ORDER BY jid",
        (account,),
    )
    return [
        Contact(
            jid=jid,
            name=name,
            groups=tuple(str(g) for g in json.loads(groups)),
            subscription=Subscription(sub),
            pending_out=bool(pending),
        )
        for jid, name, groups, sub, pending in rows
    ]


def archive_position(conn: sqlite3.Connection, account: str, archive: str) -> str | None:
    """The last stanza-id caught up in ``archive`` for ``account``, or None."""
    row = conn.execute(
        "SELECT stanza_id FROM archive_positions WHERE account = ? AND archive = ?",
        (account, archive),
    ).fetchone()
    return None if row is None else str(row[0])


def set_archive_position(
    conn: sqlite3.Connection, account: str, archive: str, stanza_id: str
) -> None:
    """Record ``stanza_id`` as the last one caught up in ``archive``."""
    conn.execute(
        "INSERT INTO archive_positions (account, archive, stanza_id) VALUES (?, ?, ?) "
        "ON CONFLICT (account, archive) DO UPDATE SET stanza_id = excluded.stanza_id",
        (account, archive, stanza_id),
    )


def get_setting(conn: sqlite3.Connection, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_setting(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Store ``value`` under ``key``."""
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
