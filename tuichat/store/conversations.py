"""Provides conversation summaries, unread counts and read markers.

The ``conversations`` table is kept current by a trigger on every message insert (see
:mod:`tuichat.store.migrations`): its newest message, a read marker ``(read_ts, read_id)`` and
the count of incoming messages newer than the marker. Reading it costs one row per
conversation, however long the histories are.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from tuichat.model import ConversationKind
from tuichat.records import record
from tuichat.store.messages import from_ts

__all__ = [
    "ConversationSummary",
    "Overview",
    "conversations",
    "mark_read",
    "overview",
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


@dataclass(frozen=True, slots=True)
class Overview:
    """What the first frame needs of thousands of conversations, feeds left out, without
    reading their newest messages (one lookup each in a table of millions) as
    :func:`conversations` does."""

    kinds: list[tuple[str, str, ConversationKind]]
    """``(account, conversation, kind)`` of group chats and private chats: every other
    conversation is a chat."""
    unread: dict[tuple[str, str], int]
    """The unread count of each conversation that has unread messages."""
    recent: list[tuple[str, str]]
    """The most recent conversations, newest first (as many as asked for)."""


def overview(conn: sqlite3.Connection, recent: int) -> Overview:
    """Read the :class:`Overview` (``recent``: how many recent conversations it names)."""
    kinds = KINDS  # a dict lookup: calling the enum was most of the time for thousands of rows
    rooms = conn.execute(
        "SELECT account, conversation, kind FROM conversations WHERE kind NOT IN ('chat', 'feed')"
    )
    unread = conn.execute(
        "SELECT account, conversation, unread FROM conversations"
        " WHERE unread > 0 AND kind != 'feed'"
    )
    newest = conn.execute(
        "SELECT account, conversation FROM conversations WHERE kind != 'feed'"
        " ORDER BY last_ts DESC, last_id DESC LIMIT ?",
        (recent,),
    )
    return Overview(
        kinds=[(acc, conv, kinds[kind]) for acc, conv, kind in rooms],
        unread={(acc, conv): count for acc, conv, count in unread},
        recent=[(acc, conv) for acc, conv in newest],
    )


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
