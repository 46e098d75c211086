"""Provides :class:`Store`, tuichat's local SQLite store of messages, roster and settings.

Threading: one connection, opened with ``check_same_thread=False`` and guarded by a
``threading.RLock``. Every public method takes the lock for its whole duration, so the asyncio
loop thread (the writer) and UI worker threads (readers) may call any method; calls are
serialised. Reads are index seeks of a few milliseconds at most, so contention is short. The
connection is in autocommit mode and writes use explicit ``BEGIN IMMEDIATE`` transactions.

On disk: WAL journal, ``synchronous=NORMAL``, foreign keys on; the file is created 0600 in a
0700 folder (SQLite gives the ``-wal``/``-shm`` files the database file's mode).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tuichat.model import Contact, Message, MessageState
from tuichat.paths import private_file
from tuichat.store import conversations as _conv
from tuichat.store import messages as _msgs
from tuichat.store import meta as _meta
from tuichat.store import search as _search
from tuichat.store.conversations import ConversationSummary
from tuichat.store.messages import SaveOutcome
from tuichat.store.migrations import MIGRATIONS, Migrations

__all__ = ["Store"]


class Store:
    """The message store. Build one with :meth:`open` (a file) or :meth:`memory` (tests)."""

    def __init__(self, conn: sqlite3.Connection, migrations: Migrations = MIGRATIONS) -> None:
        """Wrap ``conn`` (autocommit, ``check_same_thread=False``) and run pending migrations."""
        self._conn = conn
        self._lock = threading.RLock()
        conn.execute("PRAGMA foreign_keys = ON")
        self.migrations_run = migrations.apply(conn)
        """Names of the migrations this open applied (empty when the schema was current)."""

    @classmethod
    def open(cls, path: Path, *, migrations: Migrations = MIGRATIONS) -> Store:
        """Open (creating it 0600, its folder 0700) the store at ``path``; run migrations."""
        private_file(path)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            return cls(conn, migrations)
        except BaseException:
            conn.close()
            raise

    @classmethod
    def memory(cls, *, migrations: Migrations = MIGRATIONS) -> Store:
        """A fresh in-memory store, for tests."""
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        return cls(conn, migrations)

    def close(self) -> None:
        """Close the connection (optimising the query planner's statistics first)."""
        with self._lock:
            try:
                self._conn.execute("PRAGMA optimize")
            finally:
                self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                _msgs.flush_fts(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    # --- messages ----------------------------------------------------------------------------

    def save(self, msg: Message) -> SaveOutcome:
        """Save ``msg`` under the dedupe rule and say what happened (see :class:`SaveOutcome`)."""
        with self._tx() as conn:
            return _msgs.save(conn, msg)

    def save_message(self, msg: Message) -> Message | None:
        """Store ``msg``; return the stored copy (with ``id``), or None if it is a duplicate."""
        return self.save(msg).stored

    def save_messages(self, msgs: Iterable[Message]) -> list[Message]:
        """Store a batch in one transaction; return the newly stored ones (duplicates left out)."""
        out: list[Message] = []
        with self._tx() as conn:
            for msg in msgs:
                stored = _msgs.save(conn, msg).stored
                if stored is not None:
                    out.append(stored)
        return out

    def save_outcomes(self, msgs: Iterable[Message], *, older: bool = False) -> list[SaveOutcome]:
        """Like :meth:`save_messages` but return every outcome, duplicates and merges included.

        ``older``: the batch is history from before what is stored, given newest first; among
        messages of one timestamp each sorts before those stored earlier.
        """
        with self._tx() as conn:
            return [_msgs.save(conn, msg, older=older) for msg in msgs]

    def update_state(
        self,
        message_id: int,
        state: MessageState,
        *,
        stanza_id: str | None = None,
        failure: str | None = None,
    ) -> Message | None:
        """Set a message's state (and stanza-id if it has none); the updated row, or None.

        ``failure``: why a message ended ``failed``, in words (kept only with that state).
        """
        with self._tx() as conn:
            return _msgs.update_state(conn, message_id, state, stanza_id, failure)

    def count_close(self, message_id: int) -> int:
        """Count one more stream the server closed on an outgoing message; the new count."""
        with self._tx() as conn:
            return _msgs.count_close(conn, message_id)

    def get_message(self, message_id: int) -> Message | None:
        """The stored message with row id ``message_id``, or None."""
        with self._read() as conn:
            return _msgs.get(conn, message_id)

    def outbox(self, account: str | None = None) -> list[Message]:
        """Outgoing messages not yet acked (pending/sent), oldest first."""
        with self._read() as conn:
            return _msgs.outbox(conn, account)

    def page(
        self,
        account: str,
        conversation: str,
        *,
        before: Message | None = None,
        after: Message | None = None,
        limit: int = 100,
    ) -> list[Message]:
        """A page of a conversation, oldest first, in (timestamp, id) order.

        With neither ``before`` nor ``after``: the newest ``limit`` messages. With ``before``:
        the ``limit`` messages strictly older than it. With ``after``: the ``limit`` messages
        strictly newer than it.
        """
        with self._read() as conn:
            if after is not None:
                return _msgs.page_after(conn, account, conversation, after, limit)
            return _msgs.page_before(conn, account, conversation, before, limit)

    def oldest(self, account: str, conversation: str) -> Message | None:
        """The oldest stored message of a conversation, or None."""
        with self._read() as conn:
            return _msgs.oldest(conn, account, conversation)

    def around(self, message: Message, limit: int = 100) -> list[Message]:
        """A page of about ``limit`` messages centred on ``message`` (included), oldest first."""
        with self._read() as conn:
            acc, conv = message.account, message.conversation
            older = _msgs.page_before(conn, acc, conv, message, max(limit // 2, 0))
            newer = _msgs.page_after(conn, acc, conv, message, max(limit - len(older) - 1, 0))
            return [*older, message, *newer]

    def history(
        self, account: str, conversation: str, *, limit: int | None = None
    ) -> list[Message]:
        """The conversation oldest first; with ``limit``, only its newest ``limit`` messages."""
        with self._read() as conn:
            return _msgs.history(conn, account, conversation, limit)

    def search(
        self,
        query: str,
        *,
        account: str | None = None,
        conversation: str | None = None,
        limit: int = 50,
    ) -> list[Message]:
        """Messages whose body or nick match every word of ``query`` as prefixes, newest first.

        ``query`` is plain user text; no character or word in it is FTS syntax.
        """
        with self._read() as conn:
            return _search.search(conn, query, account, conversation, limit)

    # --- conversations -----------------------------------------------------------------------

    def conversations(self, account: str | None = None) -> list[ConversationSummary]:
        """Every conversation (of ``account``, if given), most recent first."""
        with self._read() as conn:
            return _conv.conversations(conn, account)

    def mark_read(self, account: str, conversation: str) -> None:
        """Mark the conversation read up to its newest message."""
        with self._tx() as conn:
            _conv.mark_read(conn, account, conversation)

    def unread_count(self, account: str, conversation: str) -> int:
        """Incoming messages newer than the conversation's read marker."""
        with self._read() as conn:
            return _conv.unread_count(conn, account, conversation)

    # --- roster, archive positions, settings ---------------------------------------------------

    def save_roster(self, account: str, contacts: Sequence[Contact]) -> None:
        """Replace the cached roster of ``account``."""
        with self._tx() as conn:
            _meta.save_roster(conn, account, contacts)

    def roster(self, account: str) -> list[Contact]:
        """The cached roster of ``account``, ordered by JID."""
        with self._read() as conn:
            return _meta.roster(conn, account)

    def archive_position(self, account: str, archive: str) -> str | None:
        """The last stanza-id caught up in ``archive`` (our server, or a room), or None."""
        with self._read() as conn:
            return _meta.archive_position(conn, account, archive)

    def set_archive_position(self, account: str, archive: str, stanza_id: str) -> None:
        """Record how far ``archive`` has been caught up."""
        with self._tx() as conn:
            _meta.set_archive_position(conn, account, archive, stanza_id)

    def get_setting(self, key: str) -> str | None:
        """The setting stored under ``key``, or None."""
        with self._read() as conn:
            return _meta.get_setting(conn, key)

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        with self._tx() as conn:
            _meta.set_setting(conn, key, value)
