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


def _matches(query: str, account: str | None, conversation: str | None) -> tuple[str, list[object]]:
    """The FROM/WHERE of a search (FTS joined to the messages) and its parameters."""
    sql = "FROM messages_fts AS f JOIN messages AS m ON m.id = f.rowid WHERE messages_fts MATCH ?"
    params: list[object] = [query]
    if account is not None:
        sql += " AND m.account = ?"
        params.append(account)
    if conversation is not None:
        sql += " AND m.conversation = ?"
        params.append(conversation)
    return sql, params


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
    matches, params = _matches(query, account, conversation)
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
    matches, params = _matches(query, account, conversation)
    row = conn.execute(f"SELECT count(*) FROM (SELECT 1 {matches} LIMIT ?)", [*params, cap])
    return int(row.fetchone()[0])
