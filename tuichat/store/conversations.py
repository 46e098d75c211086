"""Provides conversation summaries, unread counts and read markers.

The ``conversations`` table is kept current by a trigger on every message insert (see
:mod:`tuichat.store.migrations`): its newest message, a read marker ``(read_ts, read_id)`` and
the count of incoming messages newer than the marker. Reading it costs one row per
conversation, however long the histories are.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from tuichat.model import ConversationKind
from tuichat.records import record
from tuichat.store.messages import from_ts

__all__ = [
    "ConversationSummary",
    "conversation_kinds",
    "conversations",
    "mark_read",
    "unread_count",
]


@record(frozen=True)
class ConversationSummary:
    """One conversation as the conversation list shows it."""

    account: str
    conversation: str
    kind: ConversationKind
    last_timestamp: datetime
    """When the newest message was sent (aware, UTC)."""
    last_body: str
    """The body of the newest message."""
    unread: int
    """Incoming messages newer than the read marker."""


_SUMMARIES = """
SELECT c.account, c.conversation, c.kind, c.last_ts, m.body, c.unread
FROM conversations AS c JOIN messages AS m ON m.id = c.last_id
"""


def conversations(conn: sqlite3.Connection, account: str | None) -> list[ConversationSummary]:
    """Every conversation (of ``account``, if given), most recent first; feeds are not
    conversations to chat in and are left out (see :func:`tuichat.store.feeds.feeds`)."""
    sql = _SUMMARIES + " WHERE c.kind != 'feed'"
    params: tuple[str, ...] = ()
    if account is not None:
        sql += " AND c.account = ?"
        params = (account,)
    sql += " ORDER BY c.last_ts DESC, c.last_id DESC"
    return [
        ConversationSummary(
            account=acc,
            conversation=conv,
            kind=ConversationKind(kind),
            last_timestamp=from_ts(ts),
            last_body=body,
            unread=unread,
        )
        for acc, conv, kind, ts, body, unread in conn.execute(sql, params)
    ]


KINDS = {kind.value: kind for kind in ConversationKind}
"""Each stored ``kind`` text's member (the store writes no other: a message's kind is a
member's value)."""


def conversation_kinds(conn: sqlite3.Connection) -> list[tuple[str, str, ConversationKind, int]]:
    """``(account, conversation, kind, unread)`` of every conversation, most recent first, feeds
    left out: what the first frame needs of thousands of conversations, without reading their
    newest messages (one lookup each in a table of millions) as :func:`conversations` does."""
    sql = (
        "SELECT account, conversation, kind, unread FROM conversations WHERE kind != 'feed'"
        " ORDER BY last_ts DESC, last_id DESC"
    )
    kinds = KINDS  # a dict lookup: calling the enum was most of the time for thousands of rows
    return [(acc, conv, kinds[kind], unread) for acc, conv, kind, unread in conn.execute(sql)]


def mark_read(conn: sqlite3.Connection, account: str, conversation: str) -> None:
    """Move the read marker to the newest message; the unread count becomes 0."""
    conn.execute(
        "UPDATE conversations SET read_ts = last_ts, read_id = last_id, unread = 0 "
        "WHERE account = ? AND conversation = ?",
        (account, conversation),
    )


def unread_count(conn: sqlite3.Connection, account: str, conversation: str) -> int:
    """Incoming messages newer than the read marker (0 for an unknown conversation)."""
    row = conn.execute(
        "SELECT unread FROM conversations WHERE account = ? AND conversation = ?",
        (account, conversation),
    ).fetchone()
    return 0 if row is None else int(row[0])
