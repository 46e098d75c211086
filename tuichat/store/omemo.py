"""Provides the store's end-to-end encryption tables: python-omemo's keys, held stanzas, settings.

Every function takes an open ``sqlite3.Connection``; :class:`tuichat.store.db.Store` locks and
opens the transactions. Keys and values are python-omemo's (string keys, JSON values): the
store only keeps them, it never reads into them.

:class:`KeyWrites` is how python-omemo's writes join a message insert: the OMEMO storage
buffers what one decryption changed (the ratchet moved, a one-time key used up), and the
store writes it in the same transaction as the decrypted message (``Store.save_outcomes``), so
a crash between the two cannot lose the message (each message key works only once).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import field

from tuichat.model import Message
from tuichat.records import record
from tuichat.store import actions as _actions
from tuichat.store import attachments as _files
from tuichat.store import messages as _msgs
from tuichat.store.messages import SaveOutcome

__all__ = [
    "KeyWrites",
    "Sealed",
    "conversation_encryption",
    "keep_sealed",
    "last_incoming_encryption",
    "load_key",
    "reopen",
    "sealed",
    "set_conversation_encryption",
    "write_keys",
]


@record(frozen=True)
class KeyWrites:
    """python-omemo writes of one account waiting to be stored: key → JSON text, or ``None``
    to delete the key."""

    account: str
    writes: Mapping[str, str | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.writes)


@record(frozen=True)
class Sealed:
    """A stored placeholder's raw stanza, kept to decrypt it later."""

    message: int
    """The message row id."""
    account: str
    stanza: str
    """The stanza as XML text."""


def write_keys(conn: sqlite3.Connection, keys: KeyWrites | None) -> None:
    """Apply ``keys`` (stores and deletes) in the caller's transaction."""
    if not keys:
        return
    stores = [(keys.account, k, v) for k, v in keys.writes.items() if v is not None]
    deletes = [(keys.account, k) for k, v in keys.writes.items() if v is None]
    if stores:
        conn.executemany(
            "INSERT INTO omemo_kv (account, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (account, key) DO UPDATE SET value = excluded.value",
            stores,
        )
    if deletes:
        conn.executemany("DELETE FROM omemo_kv WHERE account = ? AND key = ?", deletes)


def load_key(conn: sqlite3.Connection, account: str, key: str) -> str | None:
    """The JSON text stored under ``key`` for ``account``, or None."""
    row = conn.execute(
        "SELECT value FROM omemo_kv WHERE account = ? AND key = ?", (account, key)
    ).fetchone()
    return None if row is None else str(row[0])


def keep_sealed(conn: sqlite3.Connection, message: int, account: str, stanza: str) -> None:
    """Keep the raw ``stanza`` of the placeholder row ``message`` for a retry."""
    conn.execute(
        "INSERT OR REPLACE INTO omemo_sealed (message, account, stanza) VALUES (?, ?, ?)",
        (message, account, stanza),
    )


def sealed(conn: sqlite3.Connection, account: str) -> list[Sealed]:
    """Every kept placeholder stanza of ``account``, oldest message first."""
    rows = conn.execute(
        "SELECT message, account, stanza FROM omemo_sealed WHERE account = ? ORDER BY message",
        (account,),
    )
    return [Sealed(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def reopen(conn: sqlite3.Connection, message: int, opened: Message | None) -> SaveOutcome | None:
    """The placeholder ``message`` was decrypted into ``opened`` (as a live message is; None:
    an empty OMEMO message after all). A message fills the row in place (its text, trust,
    correction target, reply): ``stored`` is the row now. An action is no row: the placeholder
    goes and the action is applied as a live one is (``changed``). None when nothing remains."""
    conn.execute("DELETE FROM omemo_sealed WHERE message = ?", (message,))
    if opened is None or opened.action is not None:
        conn.execute("DELETE FROM messages WHERE id = ?", (message,))
        return None if opened is None else _actions.save_batch(conn, [opened])[0]
    trust = opened.trust.value if opened.trust is not None else None
    conn.execute(
        "UPDATE messages SET body = ?, trust = ?, replaces = ?, undecrypted = NULL WHERE id = ?",
        (opened.body, trust, opened.replaces, message),
    )
    row = _msgs.get(conn, message)
    if row is not None and opened.attachments:  # an encrypted file (its aesgcm link)
        row = _files.record(conn, row, opened.attachments)
    if row is not None and opened.marks is not None:
        row = _actions.record(conn, row, opened.marks)
    return SaveOutcome(stored=row)


def last_incoming_encryption(
    conn: sqlite3.Connection, account: str, conversation: str
) -> str | None:
    """How the newest message received in ``conversation`` travelled, or None if none came."""
    row = conn.execute(
        "SELECT encryption FROM messages WHERE account = ? AND conversation = ? "
        "AND direction = 'in' ORDER BY ts DESC, id DESC LIMIT 1",
        (account, conversation),
    ).fetchone()
    return None if row is None else str(row[0])


def conversation_encryption(
    conn: sqlite3.Connection, account: str, conversation: str
) -> str | None:
    """How ``conversation`` sends, as set (``none``/``omemo``), or None when never set."""
    row = conn.execute(
        "SELECT encryption FROM conversation_settings WHERE account = ? AND conversation = ?",
        (account, conversation),
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def set_conversation_encryption(
    conn: sqlite3.Connection, account: str, conversation: str, encryption: str
) -> None:
    """Remember how ``conversation`` sends."""
    conn.execute(
        "INSERT INTO conversation_settings (account, conversation, encryption) VALUES (?, ?, ?) "
        "ON CONFLICT (account, conversation) DO UPDATE SET encryption = excluded.encryption",
        (account, conversation, encryption),
    )
