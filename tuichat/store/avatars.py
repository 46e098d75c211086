"""Provides contacts' avatars in the store (migration ``m008_avatars``): one per (account, JID),
the bytes with the SHA-1 that names them, so an announced avatar we hold is not fetched again.

Every function takes an open connection and does no locking or transaction handling of its
own; :class:`tuichat.store.db.Store` does both.
"""

from __future__ import annotations

import sqlite3

from tuichat.avatars import Avatar

__all__ = ["avatar", "forget", "save"]


def avatar(conn: sqlite3.Connection, account: str, jid: str) -> Avatar | None:
    """The avatar of ``jid`` we hold for ``account``, or ``None``."""
    row = conn.execute(
        "SELECT sha1, mime, data FROM avatars WHERE account = ? AND jid = ?", (account, jid)
    ).fetchone()
    return None if row is None else Avatar(jid, row[0], row[1], bytes(row[2]))


def save(conn: sqlite3.Connection, account: str, new: Avatar) -> bool:
    """Keep ``new`` as the avatar of its JID; ``False`` when it was already the one held."""
    held = conn.execute(
        "SELECT sha1 FROM avatars WHERE account = ? AND jid = ?", (account, new.jid)
    ).fetchone()
    if held is not None and held[0] == new.sha1:
        return False
    conn.execute(
        "INSERT OR REPLACE INTO avatars (account, jid, sha1, mime, data) VALUES (?, ?, ?, ?, ?)",
        (account, new.jid, new.sha1, new.mime, new.data),
    )
    return True


def forget(conn: sqlite3.Connection, account: str, jid: str) -> bool:
    """Drop the avatar of ``jid`` (the contact took it down); whether one was held."""
    return (
        conn.execute("DELETE FROM avatars WHERE account = ? AND jid = ?", (account, jid)).rowcount
        > 0
    )
