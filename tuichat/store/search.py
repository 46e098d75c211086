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
    sql = (
        f"SELECT {cols} FROM messages_fts AS f JOIN messages AS m ON m.id = f.rowid "
        "WHERE messages_fts MATCH ?"
    )
    params: list[object] = [query]
    if account is not None:
        sql += " AND m.account = ?"
        params.append(account)
    if conversation is not None:
        sql += " AND m.conversation = ?"
        params.append(conversation)
    sql += " ORDER BY f.rowid DESC LIMIT ?"
    params.append(limit)
    return [row_to_message(r) for r in conn.execute(sql, params)]


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
    sql = "SELECT 1 FROM messages_fts AS f"
    where = " WHERE messages_fts MATCH ?"
    params: list[object] = [query]
    if account is not None or conversation is not None:
        sql += " JOIN messages AS m ON m.id = f.rowid"
    if account is not None:
        where += " AND m.account = ?"
        params.append(account)
    if conversation is not None:
        where += " AND m.conversation = ?"
        params.append(conversation)
    params.append(cap)
    row = conn.execute(f"SELECT count(*) FROM ({sql}{where} LIMIT ?)", params).fetchone()
    return int(row[0])
