"""Provides :class:`Store`, tuichat's local SQLite store of messages, roster and settings.

Threading: one connection, opened with ``check_same_thread=False`` and guarded by a
``threading.RLock``. Every public method takes the lock for its whole duration, so the asyncio
loop thread (the writer) and UI worker threads (readers) may call any method; calls are
serialised. Reads are index seeks of a few milliseconds at most, so contention is short. The
connection is in autocommit mode and writes use explicit ``BEGIN IMMEDIATE`` transactions.

On disk: WAL journal, ``synchronous=NORMAL``, foreign keys on; the file is created 0600 in a
0700 folder (SQLite gives the ``-wal``/``-shm`` files the database file's mode).

Failures: every SQLite or file error about the store (damaged, not a database, read-only,
locked, disk full) leaves as a :class:`~tuichat.store.errors.StoreError` whose message names
the file and the problem, and the first one is kept in :attr:`Store.failure` so that a caller
whose write failed deep in a network callback still learns of it. A lock is waited for at most
:data:`BUSY_TIMEOUT` seconds.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

from tuichat.avatars import Avatar
from tuichat.discovery import Feed, FeedEntry, feed_key
from tuichat.model import Contact, Message, MessageState
from tuichat.paths import private_file
from tuichat.store import actions as _actions
from tuichat.store import attachments as _files
from tuichat.store import avatars as _avatars
from tuichat.store import conversations as _conv
from tuichat.store import delivery as _delivery
from tuichat.store import feeds as _feeds
from tuichat.store import messages as _msgs
from tuichat.store import meta as _meta
from tuichat.store import omemo as _omemo
from tuichat.store import search as _search
from tuichat.store.conversations import ConversationSummary
from tuichat.store.errors import Problem, StoreError, store_error
from tuichat.store.messages import SaveOutcome
from tuichat.store.migrations import MIGRATIONS, Migrations
from tuichat.store.omemo import KeyWrites, Sealed
from tuichat.store.queued import ActionQueue

__all__ = ["BUSY_TIMEOUT", "Store", "StoreError"]

BUSY_TIMEOUT = 5.0
"""Seconds to wait for another process's write lock before giving up with a StoreError."""


class Store:
    """The message store. Build one with :meth:`open` (a file) or :meth:`memory` (tests)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        migrations: Migrations = MIGRATIONS,
        *,
        path: Path | None = None,
        read_only: bool = False,
    ) -> None:
        """Wrap ``conn`` (autocommit, ``check_same_thread=False``) and run pending migrations.

        ``read_only``: the connection cannot write, so the schema must already be current.
        """
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path or Path(":memory:")
        """The database file (``:memory:`` for an in-memory store)."""
        self.read_only = read_only
        """Whether this store was opened read-only (every write raises StoreError)."""
        self.failure: StoreError | None = None
        """The first failure of this store, if any (a disk that filled up, a lock, damage)."""
        self.migrations_run: list[str] = []
        """Names of the migrations this open applied (empty when the schema was current)."""
        self.queued_actions = ActionQueue(self)
        """Our corrections, retractions and reactions in the outbox."""
        with self._translating("open"):
            conn.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                self.migrations_run = migrations.apply(conn)
            elif not _readable_schema(conn, migrations):
                raise StoreError(self.path, "open", Problem.NEEDS_UPGRADE)

    @classmethod
    def open(
        cls, path: Path, *, read_only: bool = False, migrations: Migrations = MIGRATIONS
    ) -> Store:
        """Open (creating it 0600, its folder 0700) the store at ``path``; run migrations.

        ``read_only``: open an existing store without writing to it at all (for commands that
        only read, when the file or its folder cannot be written). Raises :class:`StoreError`.
        """
        try:
            conn = _connect_read_only(path) if read_only else _connect(path)
        except (sqlite3.Error, OSError) as exc:
            raise _translated(path, "open", exc) from None
        try:
            return cls(conn, migrations, path=path, read_only=read_only)
        except BaseException:
            conn.close()
            raise

    @classmethod
    def memory(cls, *, migrations: Migrations = MIGRATIONS) -> Store:
        """A fresh in-memory store, for tests."""
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        return cls(conn, migrations)

    def close(self) -> None:
        """Close the connection, optimising the query planner's statistics first if it can.

        The optimisation is a nicety: a full disk, a lock or a read-only file only skips it.
        """
        with self._lock:
            try:
                if not self.read_only and self.failure is None:
                    with suppress(sqlite3.Error):
                        self._conn.execute("PRAGMA busy_timeout = 0")  # never wait to quit
                        self._conn.execute("PRAGMA optimize")
            finally:
                self._conn.close()

    @contextmanager
    def _translating(self, action: str) -> Iterator[None]:
        """Turn a SQLite or file error about the store into a StoreError, and remember it."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            error = _translated(self.path, action, exc)
            if self.failure is None:
                self.failure = error
            raise error from exc

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._translating("write to"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                _msgs.flush_fts(self._conn)
                self._conn.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (a full disk) may or may not have ended the transaction.
                if self._conn.in_transaction:
                    # The error that brought us here is the one to report.
                    with suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._translating("read from"):
            yield self._conn

    # --- messages ----------------------------------------------------------------------------

    def save(self, msg: Message) -> SaveOutcome:
        """Save ``msg`` under the dedupe rule and say what happened (see :class:`SaveOutcome`)."""
        with self._tx() as conn:
            return _actions.save(conn, msg)

    def save_message(self, msg: Message) -> Message | None:
        """Store ``msg``; return the stored copy (with ``id``), or None if it is a duplicate."""
        return self.save(msg).stored

    def save_messages(self, msgs: Iterable[Message]) -> list[Message]:
        """Store a batch in one transaction; return the newly stored ones (duplicates left out)."""
        with self._tx() as conn:
            stored = [_actions.save(conn, msg, waiting=False).stored for msg in msgs]
        return [m for m in stored if m is not None]

    def save_outcomes(
        self,
        msgs: Iterable[Message],
        *,
        older: bool = False,
        keys: KeyWrites | None = None,
        sealed: Sequence[str | None] = (),
    ) -> list[SaveOutcome]:
        """Like :meth:`save_messages` but return every outcome, duplicates and merges included.

        ``older``: the batch is history from before what is stored, given newest first; among
        messages of one timestamp each sorts before those stored earlier.
        ``keys``: python-omemo writes to store in the same transaction (what decrypting these
        messages changed). ``sealed[i]``: the raw stanza of message ``i``, a placeholder, kept
        for a retry when it is newly stored.
        """
        with self._tx() as conn:
            outcomes = _actions.save_batch(conn, list(msgs), older=older)  # one per message
            for outcome, stanza in zip(outcomes, sealed, strict=False):
                if stanza is not None and outcome.stored is not None:
                    assert outcome.stored.id is not None
                    _omemo.keep_sealed(conn, outcome.stored.id, outcome.stored.account, stanza)
            _omemo.write_keys(conn, keys)
            return outcomes

    def duplicate_of(self, msg: Message) -> Message | None:
        """The stored message ``msg`` duplicates under the dedupe rule, or None (asked before
        decrypting: a message key works once)."""
        with self._read() as conn:
            return _msgs.find_duplicate(conn, msg, _msgs.sender_key(msg))

    def versions(self, message_id: int) -> list[tuple[int, str]]:
        """The earlier texts of a corrected message, oldest first, as ``(ts, body)``."""
        with self._read() as conn:
            return _actions.versions(conn, message_id)

    def find_reference(self, account: str, conversation: str, ref: str) -> Message | None:
        """The stored message ``ref`` (an id other messages use) names in a conversation."""
        with self._read() as conn:
            found = _actions.find(conn, account, conversation, ref)
            return _actions.annotate(conn, found[:1])[0] if found else None

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
            found = _msgs.get(conn, message_id)
            return None if found is None else _actions.annotate(conn, [found])[0]

    def outbox(self, account: str | None = None) -> list[Message]:
        """Outgoing messages not yet acked (pending/sent), oldest first."""
        with self._read() as conn:
            return _actions.annotate(conn, _msgs.outbox(conn, account))

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
                page = _msgs.page_after(conn, account, conversation, after, limit)
            else:
                page = _msgs.page_before(conn, account, conversation, before, limit)
            return _actions.annotate(conn, page)

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
            return _actions.annotate(conn, [*older, message, *newer])

    def history(
        self, account: str, conversation: str, *, limit: int | None = None
    ) -> list[Message]:
        """The conversation oldest first; with ``limit``, only its newest ``limit`` messages."""
        with self._read() as conn:
            return _actions.annotate(conn, _msgs.history(conn, account, conversation, limit))

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
            return _files.attach(conn, _search.search(conn, query, account, conversation, limit))

    def search_count(
        self,
        query: str,
        *,
        account: str | None = None,
        conversation: str | None = None,
        cap: int = 10_000,
    ) -> int:
        """How many messages :meth:`search` would find without a limit, counting up to ``cap``
        (a common word in a big store matches far more than anyone reads)."""
        with self._read() as conn:
            return _search.count(conn, query, account, conversation, cap)

    # --- end-to-end encryption (OMEMO) --------------------------------------------------------

    def write_keys(self, keys: KeyWrites) -> None:
        """Store python-omemo writes on their own (not tied to a message)."""
        with self._tx() as conn:
            _omemo.write_keys(conn, keys)

    def load_key(self, account: str, key: str) -> str | None:
        """python-omemo's JSON text under ``key`` for ``account``, or None."""
        with self._read() as conn:
            return _omemo.load_key(conn, account, key)

    def sealed(self, account: str) -> list[Sealed]:
        """The kept stanzas of ``account``'s placeholders (messages not decrypted yet)."""
        with self._read() as conn:
            return _omemo.sealed(conn, account)

    def reopen_sealed(
        self, message: int, opened: Message | None, keys: KeyWrites | None
    ) -> SaveOutcome | None:
        """The placeholder ``message`` was decrypted into ``opened``: see
        :func:`tuichat.store.omemo.reopen` (with the key writes, in one transaction)."""
        with self._tx() as conn:
            _omemo.write_keys(conn, keys)
            return _omemo.reopen(conn, message, opened)

    def conversation_encryption(self, account: str, conversation: str) -> str | None:
        """How ``conversation`` sends as set (``none``/``omemo``), or None when never set."""
        with self._read() as conn:
            return _omemo.conversation_encryption(conn, account, conversation)

    def set_conversation_encryption(self, account: str, conversation: str, encryption: str) -> None:
        """Remember how ``conversation`` sends."""
        with self._tx() as conn:
            _omemo.set_conversation_encryption(conn, account, conversation, encryption)

    def last_incoming_encryption(self, account: str, conversation: str) -> str | None:
        """How the newest message received in ``conversation`` travelled, or None."""
        with self._read() as conn:
            return _omemo.last_incoming_encryption(conn, account, conversation)

    # --- conversations -----------------------------------------------------------------------

    def conversations(self, account: str | None = None) -> list[ConversationSummary]:
        """Every conversation (of ``account``, if given), most recent first."""
        with self._read() as conn:
            return _conv.conversations(conn, account)

    def overview(self, recent: int = 0) -> _conv.Overview:
        """Rooms, unread counts and the ``recent`` newest conversations (:class:`Overview`)."""
        with self._read() as conn:
            return _conv.overview(conn, recent)

    def mark_read(self, account: str, conversation: str) -> None:
        """Mark the conversation read up to its newest message."""
        with self._tx() as conn:
            _conv.mark_read(conn, account, conversation)

    def unread_count(self, account: str, conversation: str) -> int:
        """Incoming messages newer than the conversation's read marker."""
        with self._read() as conn:
            return _conv.unread_count(conn, account, conversation)

    # --- feeds ---------------------------------------------------------------------------------

    def save_feed_entries(self, account: str, entries: Sequence[FeedEntry]) -> list[FeedEntry]:
        """Store feed entries in one transaction; return the new ones (each stored once)."""
        with self._tx() as conn:
            return _feeds.save_entries(conn, account, entries)

    def feed_entries(
        self, account: str, service: str, node: str, limit: int = 200
    ) -> list[FeedEntry]:
        """A feed's newest ``limit`` stored entries, oldest first, each marked read or not."""
        with self._read() as conn:
            return _feeds.entries(conn, account, service, node, limit)

    def feeds(self, account: str) -> list[Feed]:
        """The feeds ``account`` holds entries of, most recent first, with unread counts."""
        with self._read() as conn:
            return _feeds.feeds(conn, account)

    def mark_feed_read(self, account: str, service: str, node: str) -> None:
        """Mark every stored entry of a feed read."""
        self.mark_read(account, feed_key(service, node))

    # --- delivery and read state (receipts, chat markers, read sync) -----------------------

    def find_outgoing(self, account: str, conversation: str, key: str) -> Message | None:
        """Our outgoing message of ``conversation`` sent with the id (or origin-id) ``key``."""
        with self._read() as conn:
            return _delivery.find_outgoing(conn, account, conversation, key)

    def outgoing_up_to(self, last: Message, state: MessageState) -> list[Message]:
        """Our acked-or-further messages up to ``last`` not yet ``state``, oldest first."""
        with self._read() as conn:
            return _delivery.outgoing_up_to(conn, last, state)

    def mark_read_up_to(self, account: str, conversation: str, stanza_id: str) -> int | None:
        """Move the read marker forward to the message ``stanza_id``; the new unread count,
        or None when that message is not stored."""
        with self._tx() as conn:
            return _delivery.mark_read_up_to(conn, account, conversation, stanza_id)

    def last_stanza_id(self, account: str, conversation: str) -> str | None:
        """The stanza-id of the conversation's newest message that has one."""
        with self._read() as conn:
            return _delivery.last_stanza_id(conn, account, conversation)

    def stanza_id_of(self, account: str, conversation: str, message_id: str) -> str | None:
        """The stanza-id of the conversation's message sent with the id ``message_id``."""
        with self._read() as conn:
            return _delivery.stanza_id_of(conn, account, conversation, message_id)

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

    def avatar(self, account: str, jid: str) -> Avatar | None:
        """The avatar of ``jid`` held for ``account`` (XEP-0084), or ``None``."""
        with self._read() as conn:
            return _avatars.avatar(conn, account, jid)

    def set_avatar(self, account: str, jid: str, avatar: Avatar | None) -> bool:
        """Keep ``avatar`` as ``jid``'s (``None``: drop it); whether anything changed."""
        with self._tx() as conn:
            if avatar is None:
                return _avatars.forget(conn, account, jid)
            return _avatars.save(conn, account, avatar)

    def get_setting(self, key: str) -> str | None:
        """The setting stored under ``key``, or None."""
        with self._read() as conn:
            return _meta.get_setting(conn, key)

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        with self._tx() as conn:
            _meta.set_setting(conn, key, value)


def _connect(path: Path) -> sqlite3.Connection:
    """A read-write connection to ``path`` (created 0600 in a 0700 folder), in WAL mode."""
    private_file(path)
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT
    )
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        # Take the write lock once: a store that cannot be written (its -shm, a lock that is
        # never released) is refused now, in one line, not at the first message.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except BaseException:
        conn.close()
        raise
    return conn


_NO_WAL_INDEX = (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR)
"""What SQLite says when it cannot create or grow the ``-shm`` (a read-only folder, a full disk)."""


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection to the existing store at ``path`` that never writes.

    A WAL database opened read-only needs its ``-shm`` file, which SQLite cannot create in a
    folder it may not write to, or on a full disk. Then, if no WAL holds changes still to be
    folded into the file (the last writer closed cleanly), the file is read as immutable: it
    is all there.
    """
    if not path.is_file():
        raise FileNotFoundError(2, "No such file or directory", str(path))
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        return _checked_connection(uri)
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF not in _NO_WAL_INDEX:
            raise
        wal = Path(f"{path}-wal")
        if wal.is_file() and wal.stat().st_size > 0:
            raise
    return _checked_connection(uri + "&immutable=1")


def _checked_connection(uri: str) -> sqlite3.Connection:
    """A connection to ``uri`` that has read the schema (so opening problems show now)."""
    conn = sqlite3.connect(
        uri, uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT
    )
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def _readable_schema(conn: sqlite3.Connection, migrations: Migrations) -> bool:
    """Whether the store's schema is current (so it can be read without migrating it)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    return row is not None and not migrations.pending(conn)


def _translated(path: Path, action: str, exc: BaseException) -> StoreError:
    """``exc`` as a StoreError; re-raise it when it is a bug rather than a store problem."""
    error = store_error(path, action, exc)
    if error is None:
        raise exc
    return error
