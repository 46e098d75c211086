"""Provides full-text search: turning user text into a safe FTS5 query, and running it.

The user's text is never passed to FTS5 as syntax. It is split into words the way the
``unicode61`` tokenizer splits them (letters and digits; everything else separates), and each
word becomes a quoted prefix term (``"word"*``), so quotes, ``*``, ``-``, ``:``, parentheses and
keywords such as ``AND``/``OR``/``NEAR`` are plain text. All words must match.

Results come newest first by streaming the FTS index in descending rowid order: row ids are
assigned in (ts, arrival) order (see :mod:`tuichat.store.migrations`), so this needs no sort.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from tuichat.model import Message
from tuichat.store.messages import COLUMNS, row_to_message

__all__ = ["count", "fts_query", "search"]

_WORD = re.compile(r"[^\W_]+")
_MAX_TERMS = 16


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression for ``text`` (each word a prefix term), or None if no words."""
    words = _WORD.findall(text)[:_MAX_TERMS]
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


SMALL_CONVERSATION = 2_000
"""A conversation of up to this many messages is searched in its own rows (see ``_scope``)."""

_OWN_INDEX = "temp.conversation_fts"
_TOKENIZE = "unicode61 remove_diacritics 2"
"""The tokenizer of ``messages_fts`` (migration m001): the own-rows index must split alike."""


def _matches(query: str, account: str | None, conversation: str | None) -> tuple[str, list[object]]:
    """The FROM/WHERE of a search over the whole index (FTS joined to the messages)."""
    sql = "FROM messages_fts AS f JOIN messages AS m ON m.id = f.rowid WHERE messages_fts MATCH ?"
    params: list[object] = [query]
    if account is not None:
        sql += " AND m.account = ?"
        params.append(account)
    if conversation is not None:
        sql += " AND m.conversation = ?"
        params.append(conversation)
    return sql, params


def _small_conversation(
    conn: sqlite3.Connection, account: str | None, conversation: str
) -> list[str] | None:
    """The accounts holding ``conversation`` when it has at most ``SMALL_CONVERSATION``
    messages in all, else None. Counting stops past the bound, so a big one costs no more."""
    if account is not None:
        accounts = [account]
    else:
        rows = conn.execute(
            "SELECT account FROM conversations WHERE conversation = ?", (conversation,)
        )
        accounts = [str(r[0]) for r in rows]
    total = 0
    for each in accounts:
        total += conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM messages WHERE account = ? AND conversation = ?"
            " LIMIT ?)",
            (each, conversation, SMALL_CONVERSATION + 1 - total),
        ).fetchone()[0]
        if total > SMALL_CONVERSATION:
            return None
    return accounts


@contextmanager
def _scope(
    conn: sqlite3.Connection, query: str, account: str | None, conversation: str | None
) -> Iterator[tuple[str, list[object]]]:
    """The FROM/WHERE of a search, and its parameters, valid inside the ``with``.

    The store-wide index lists a word's matches across every conversation, so finding a
    common word in a small conversation walked hundreds of thousands of other rows (89 ms in a
    million-message store). A small conversation is instead indexed on its own, in a temporary
    in-memory FTS5 table with the same tokenizer (a few ms for 2,000 rows), and searched
    there: the cost follows the conversation, not the store.
    """
    accounts = None if conversation is None else _small_conversation(conn, account, conversation)
    if accounts is None:
        yield _matches(query, account, conversation)
        return
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"DROP TABLE IF EXISTS {_OWN_INDEX}")
    conn.execute(
        f"CREATE VIRTUAL TABLE {_OWN_INDEX} USING fts5 "
        f"(body, nick, content = '', tokenize = '{_TOKENIZE}')"
    )
    try:
        for each in accounts:
            conn.execute(
                f"INSERT INTO {_OWN_INDEX} (rowid, body, nick) SELECT id, body, nick "
                "FROM messages WHERE account = ? AND conversation = ?",
                (each, conversation),
            )
        yield (
            "FROM conversation_fts AS f JOIN messages AS m ON m.id = f.rowid "
            "WHERE conversation_fts MATCH ?",
            [query],
        )
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {_OWN_INDEX}")


def search(
    conn: sqlite3.Connection,
    text: str,
    account: str | None,
    conversation: str | None,
    limit: int,
) -> list[Message]:
    """Messages matching ``text``, newest first, optionally within an account/conversation."""
    query = fts_query(text)
    if query is None or limit <= 0:
        return []
    cols = ", ".join(f"m.{c.strip()}" for c in COLUMNS.split(","))
    with _scope(conn, query, account, conversation) as (matches, params):
        sql = f"SELECT {cols} {matches} ORDER BY f.rowid DESC LIMIT ?"
        return [row_to_message(r) for r in conn.execute(sql, [*params, limit])]


def count(
    conn: sqlite3.Connection,
    text: str,
    account: str | None,
    conversation: str | None,
    cap: int,
) -> int:
    """How many messages match ``text`` (as :func:`search` does), counting at most ``cap``."""
    query = fts_query(text)
    if query is None or cap <= 0:
        return 0
    with _scope(conn, query, account, conversation) as (matches, params):
        row = conn.execute(f"SELECT count(*) FROM (SELECT 1 {matches} LIMIT ?)", [*params, cap])
        return int(row.fetchone()[0])
