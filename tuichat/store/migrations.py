"""Provides the store's schema as append-only, named migrations and the runner that applies them.

Rules (STYLE.md practice 14):

- Migrations are plain functions named ``mNNN_what``; the **name** is the key recorded in
  ``_migrations(name, applied_at)``, so never rename or reorder one; append new ones at the end.
- Each migration runs inside one transaction together with the record that it ran: if it
  raises, both its changes and its record roll back, and the error propagates.
- The schema enforces the invariants (dedupe by UNIQUE indexes, the conversations summary and
  the full-text index by triggers), so no code path can bypass them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

__all__ = [
    "MIGRATIONS",
    "Migration",
    "Migrations",
    "m001_initial",
    "m002_fts_queue",
    "m003_outbox_failures",
    "m004_feed_entries",
    "m005_omemo",
    "m006_message_actions",
    "m007_action_queues",
    "m008_avatars",
    "m009_attachments",
]

Migration = Callable[[sqlite3.Connection], None]
"""A migration: takes the connection (already inside a transaction) and changes the schema."""


class Migrations:
    """An ordered registry of named migrations; a duplicate name raises ``ValueError``."""

    def __init__(self, *migrations: Migration) -> None:
        self._items: dict[str, Migration] = {}
        for fn in migrations:
            self.register(fn)

    def register(self, fn: Migration) -> Migration:
        """Append ``fn`` under its ``__name__`` (usable as a decorator); duplicates raise."""
        name = fn.__name__
        if name in self._items:
            raise ValueError(f"a migration named {name!r} is already registered")
        self._items[name] = fn
        return fn

    def __iter__(self) -> Iterator[tuple[str, Migration]]:
        return iter(self._items.items())

    def __len__(self) -> int:
        return len(self._items)

    @property
    def names(self) -> list[str]:
        """The names of the migrations, in order."""
        return list(self._items)

    def applied(self, conn: sqlite3.Connection) -> list[str]:
        """Names recorded as applied in ``conn`` (read only)."""
        if not _has_table(conn):
            return []
        return [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]

    def pending(self, conn: sqlite3.Connection) -> list[str]:
        """Names of the migrations not yet applied to ``conn`` (read only)."""
        done = set(self.applied(conn))
        return [name for name in self._items if name not in done]

    def apply(self, conn: sqlite3.Connection) -> list[str]:
        """Run every pending migration, each in its own transaction; return the names run.

        ``conn`` must be in autocommit mode (``isolation_level=None``) so that the explicit
        ``BEGIN``/``COMMIT`` here delimit each migration.
        """
        if not _has_table(conn):
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
        ran: list[str] = []
        for name in self.pending(conn):
            fn = self._items[name]
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another connection may have run it between pending() and BEGIN.
                if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone():
                    conn.execute("COMMIT")
                    continue
                fn(conn)
                conn.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                    (name, datetime.now(UTC).isoformat()),
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            ran.append(name)
        return ran


def _has_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    return row is not None


# --- the migrations, append only -------------------------------------------------------------

_M001 = [
    # Messages. ``id`` is assigned by the store in (ts, arrival) order: ts * 1000 + a free slot,
    # so ``ORDER BY id`` equals ``ORDER BY ts, id`` and FTS5 can stream newest first by rowid.
    # ``sender_bare`` is the dedupe identity of the sender: the bare JID, or in a room the
    # occupant JID (room@service/nick) because the bare JID there is the room itself.
    """
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        conversation TEXT NOT NULL,
        kind TEXT NOT NULL,
        direction TEXT NOT NULL,
        sender TEXT NOT NULL,
        sender_bare TEXT NOT NULL,
        body TEXT NOT NULL,
        ts INTEGER NOT NULL,
        state TEXT NOT NULL,
        stanza_id TEXT,
        origin_id TEXT,
        message_id TEXT,
        nick TEXT,
        replaces TEXT
    )
    """,
    "CREATE INDEX messages_by_time ON messages (account, conversation, ts, id)",
    # Dedupe rule, enforced by the schema (see tuichat/store/messages.py for the fallback).
    """
    CREATE UNIQUE INDEX messages_stanza_id ON messages (account, conversation, stanza_id)
    WHERE stanza_id IS NOT NULL
    """,
    """
    CREATE UNIQUE INDEX messages_origin_id
    ON messages (account, conversation, sender_bare, origin_id) WHERE origin_id IS NOT NULL
    """,
    """
    CREATE INDEX messages_message_id
    ON messages (account, conversation, sender_bare, message_id) WHERE message_id IS NOT NULL
    """,
    """
    CREATE INDEX messages_outbox ON messages (ts, id)
    WHERE direction = 'out' AND state IN ('pending', 'sent')
    """,
    # One row per conversation, kept current by a trigger: the newest message, the read
    # marker (ts, id) and the number of incoming messages newer than the marker.
    """
    CREATE TABLE conversations (
        account TEXT NOT NULL,
        conversation TEXT NOT NULL,
        kind TEXT NOT NULL,
        last_ts INTEGER NOT NULL,
        last_id INTEGER NOT NULL,
        read_ts INTEGER NOT NULL DEFAULT -9223372036854775808,
        read_id INTEGER NOT NULL DEFAULT -9223372036854775808,
        unread INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account, conversation)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX conversations_recent ON conversations (last_ts, last_id)",
    """
    CREATE TRIGGER messages_conversation_ai AFTER INSERT ON messages BEGIN
        INSERT INTO conversations (account, conversation, kind, last_ts, last_id, unread)
        VALUES (new.account, new.conversation, new.kind, new.ts, new.id,
                new.direction = 'in')
        ON CONFLICT (account, conversation) DO UPDATE SET
            kind = CASE WHEN (new.ts, new.id) > (last_ts, last_id) THEN new.kind ELSE kind END,
            last_id = CASE WHEN (new.ts, new.id) > (last_ts, last_id)
                           THEN new.id ELSE last_id END,
            last_ts = CASE WHEN (new.ts, new.id) > (last_ts, last_id)
                           THEN new.ts ELSE last_ts END,
            unread = unread + (new.direction = 'in' AND (new.ts, new.id) > (read_ts, read_id));
    END
    """,
    # Full-text index over body and nick, external content, kept in sync by triggers.
    """
    CREATE VIRTUAL TABLE messages_fts USING fts5 (
        body, nick, content = 'messages', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, body, nick) VALUES (new.id, new.body, new.nick);
    END
    """,
    """
    CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body, nick)
        VALUES ('delete', old.id, old.body, old.nick);
    END
    """,
    """
    CREATE TRIGGER messages_fts_au AFTER UPDATE OF body, nick ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body, nick)
        VALUES ('delete', old.id, old.body, old.nick);
        INSERT INTO messages_fts (rowid, body, nick) VALUES (new.id, new.body, new.nick);
    END
    """,
    """
    CREATE TABLE roster (
        account TEXT NOT NULL,
        jid TEXT NOT NULL,
        name TEXT NOT NULL,
        groups TEXT NOT NULL,
        subscription TEXT NOT NULL,
        pending_out INTEGER NOT NULL,
        PRIMARY KEY (account, jid)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE archive_positions (
        account TEXT NOT NULL,
        archive TEXT NOT NULL,
        stanza_id TEXT NOT NULL,
        PRIMARY KEY (account, archive)
    ) WITHOUT ROWID
    """,
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
]


def m001_initial(conn: sqlite3.Connection) -> None:
    """Create messages (with dedupe indexes), conversations, full-text index, roster, etc."""
    for statement in _M001:
        conn.execute(statement)


def m002_fts_queue(conn: sqlite3.Connection) -> None:
    """Index new messages in one FTS5 statement per transaction instead of one per row.

    SQLite 3.40's FTS5 flushes its pending terms to a new segment at every statement savepoint,
    and an INSERT with triggers opens one per row: indexing from the insert trigger cost ~20 µs
    per message and fragmented the index. Now the insert trigger only queues the row id in
    ``fts_pending``, and the store drains the queue (see ``messages.flush_fts``) before every
    COMMIT. Update and delete triggers skip rows still queued (the drain reads current values).
    """
    for statement in (
        "DROP TRIGGER messages_fts_ai",
        "DROP TRIGGER messages_fts_ad",
        "DROP TRIGGER messages_fts_au",
        "CREATE TABLE fts_pending (id INTEGER PRIMARY KEY)",
        """
        CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
            INSERT INTO fts_pending (id) VALUES (new.id);
        END
        """,
        """
        CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, body, nick)
            SELECT 'delete', old.id, old.body, old.nick
            WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
            DELETE FROM fts_pending WHERE id = old.id;
        END
        """,
        """
        CREATE TRIGGER messages_fts_au AFTER UPDATE OF body, nick ON messages
        WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id) BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, body, nick)
            VALUES ('delete', old.id, old.body, old.nick);
            INSERT INTO messages_fts (rowid, body, nick) VALUES (new.id, new.body, new.nick);
        END
        """,
    ):
        conn.execute(statement)


def m003_outbox_failures(conn: sqlite3.Connection) -> None:
    """Let an outgoing message that keeps closing the stream be set aside, with its reason.

    ``send_closes`` counts the streams the server closed because of this message (see
    ``tuichat.xmpp.outbox``); ``failure`` says in words why a message ended ``failed``.
    Both are NULL/0 for every existing row (ADD COLUMN with a constant default is O(1)).
    """
    conn.execute("ALTER TABLE messages ADD COLUMN failure TEXT")
    conn.execute("ALTER TABLE messages ADD COLUMN send_closes INTEGER NOT NULL DEFAULT 0")


def m004_feed_entries(conn: sqlite3.Connection) -> None:
    """Keep what a feed entry has beyond a message: its title, link and summary.

    A feed entry is stored as a message of kind ``feed`` (conversation ``service/node``, the
    PubSub item id as its stanza-id, the author as its nick, title and summary as its body),
    so dedupe, unread counts and full-text search work for entries as for messages; this table
    holds the parts the Feeds view shows apart, one row per such message.
    """
    conn.execute(
        """
        CREATE TABLE feed_entries (
            id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            link TEXT NOT NULL
        )
        """
    )


def m005_omemo(conn: sqlite3.Connection) -> None:
    """End-to-end encryption (OMEMO): how each message travelled, python-omemo's keys, the raw
    stanzas of messages not decrypted yet, and how each conversation sends.

    - ``messages.encryption`` (``none``/``omemo``), ``trust`` (of the sending device, for a
      received encrypted message) and ``undecrypted`` (why it could not be decrypted yet);
    - ``omemo_kv``: python-omemo's key-value storage per account (JSON values);
    - ``omemo_sealed``: the stanza of each placeholder, kept for a retry (gone with its row);
    - ``conversation_settings``: per conversation, how it sends (``/omemo on|off``).
    """
    for statement in (
        "ALTER TABLE messages ADD COLUMN encryption TEXT NOT NULL DEFAULT 'none'",
        "ALTER TABLE messages ADD COLUMN trust TEXT",
        "ALTER TABLE messages ADD COLUMN undecrypted TEXT",
        """
        CREATE TABLE omemo_kv (
            account TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (account, key)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE omemo_sealed (
            message INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
            account TEXT NOT NULL,
            stanza TEXT NOT NULL
        )
        """,
        "CREATE INDEX omemo_sealed_by_account ON omemo_sealed (account)",
        """
        CREATE TABLE conversation_settings (
            account TEXT NOT NULL,
            conversation TEXT NOT NULL,
            encryption TEXT,
            PRIMARY KEY (account, conversation)
        ) WITHOUT ROWID
        """,
    ):
        conn.execute(statement)


def m006_message_actions(conn: sqlite3.Connection) -> None:
    """Keep what actions do to messages (see ``tuichat/store/actions.py``).

    ``message_marks``: edited, retracted (with a moderator's reason), the id a reply refers to,
    the author's occupant-id in a room (XEP-0421);
    ``message_versions``: the texts a correction replaced, with the correction's own id;
    ``message_reactions``: each reactor's current set, one row per reaction.
    """
    for statement in (
        """
        CREATE TABLE message_marks (
            id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
            edited INTEGER NOT NULL DEFAULT 0,
            retracted INTEGER NOT NULL DEFAULT 0,
            reason TEXT NOT NULL DEFAULT '',
            reply_to TEXT,
            occupant_id TEXT
        )
        """,
        """
        CREATE TABLE message_versions (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            message INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            body TEXT NOT NULL,
            ts INTEGER NOT NULL,
            ref TEXT
        )
        """,
        "CREATE INDEX message_versions_by_message ON message_versions (message)",
        "CREATE INDEX message_versions_by_ref ON message_versions (ref) WHERE ref IS NOT NULL",
        """
        CREATE TABLE message_reactions (
            message INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            reactor TEXT NOT NULL,
            emoji TEXT NOT NULL,
            ts INTEGER NOT NULL,
            PRIMARY KEY (message, reactor, emoji)
        )
        """,
    ):
        conn.execute(statement)


def m007_action_queues(conn: sqlite3.Connection) -> None:
    """Keep actions that wait (see ``tuichat/store/queued.py`` and ``tuichat/store/actions.py``).

    ``queued_actions``: our own corrections, retractions and reactions in the outbox (applied
    to our view at once, sent once online), with the row they act on and their origin-id;
    ``pending_actions``: received actions whose message is not stored yet (an archive page
    that brings the action before its message), applied when it comes, a few per conversation.
    """
    for statement in (
        """
        CREATE TABLE queued_actions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            target INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            action TEXT NOT NULL,
            ref TEXT NOT NULL,
            reactions TEXT NOT NULL DEFAULT '[]',
            body TEXT NOT NULL DEFAULT '',
            sender TEXT NOT NULL,
            nick TEXT,
            origin_id TEXT NOT NULL,
            ts INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            failure TEXT,
            send_closes INTEGER NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX queued_actions_by_target ON queued_actions (target)",
        "CREATE UNIQUE INDEX queued_actions_by_origin ON queued_actions (account, origin_id)",
        """
        CREATE TABLE pending_actions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            conversation TEXT NOT NULL,
            ref TEXT NOT NULL,
            key TEXT NOT NULL,
            kind TEXT NOT NULL,
            direction TEXT NOT NULL,
            sender TEXT NOT NULL,
            nick TEXT,
            body TEXT NOT NULL,
            ts INTEGER NOT NULL,
            stanza_id TEXT,
            origin_id TEXT,
            message_id TEXT,
            action TEXT NOT NULL,
            reactions TEXT NOT NULL DEFAULT '[]',
            reason TEXT NOT NULL DEFAULT '',
            occupant_id TEXT,
            UNIQUE (account, conversation, key)
        )
        """,
        "CREATE INDEX pending_actions_by_ref ON pending_actions (account, conversation, ref)",
    ):
        conn.execute(statement)


def m008_avatars(conn: sqlite3.Connection) -> None:
    """Keep each contact's avatar (XEP-0084) by its SHA-1, so a restart does not fetch it again
    (see ``tuichat/store/avatars.py``): one row per (account, JID), replaced when it changes."""
    conn.execute(
        """
        CREATE TABLE avatars (
            account TEXT NOT NULL,
            jid TEXT NOT NULL,
            sha1 TEXT NOT NULL,
            mime TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (account, jid)
        ) WITHOUT ROWID
        """
    )


def m009_attachments(conn: sqlite3.Connection) -> None:
    """Keep the files a message shares (see ``tuichat/store/attachments.py``): one row per
    file, in the order the message gives them; gone with the message."""
    conn.execute(
        """
        CREATE TABLE message_attachments (
            message INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            url TEXT NOT NULL,
            name TEXT NOT NULL,
            size INTEGER,
            type TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (message, seq)
        ) WITHOUT ROWID
        """
    )


MIGRATIONS = Migrations(
    m001_initial,
    m002_fts_queue,
    m003_outbox_failures,
    m004_feed_entries,
    m005_omemo,
    m006_message_actions,
    m007_action_queues,
    m008_avatars,
    m009_attachments,
)
"""The store's migrations, in order. Append new ones; never edit an applied one."""
