"""Provides the store's side of delivery and read state: finding our outgoing message a
receipt or chat marker confirms, and moving a conversation's read marker to a message another
of our devices read (XEP-0490).

Rule: an outgoing message's state only moves forward (:mod:`tuichat.xmpp.delivery_rules`
names the order; ``messages.FORWARD_ONLY`` is its SQL form, used by every state update).
"""

from __future__ import annotations

import sqlite3

from tuichat.model import Message, MessageState
from tuichat.store.messages import COLUMNS, RANK, row_to_message

__all__ = ["find_outgoing", "last_stanza_id", "mark_read_up_to", "outgoing_up_to"]


def find_outgoing(
    conn: sqlite3.Connection, account: str, conversation: str, key: str
) -> Message | None:
    """Our outgoing message of ``conversation`` sent with the stanza id (or origin-id)
    ``key``, or None."""
    row = conn.execute(
        f"SELECT {COLUMNS} FROM messages WHERE account = ? AND conversation = ? "
        "AND sender_bare = ? AND direction = 'out' AND (message_id = ? OR origin_id = ?) "
        "ORDER BY id DESC LIMIT 1",
        (account, conversation, f"out:{account}", key, key),
    ).fetchone()
    return None if row is None else row_to_message(row)


def outgoing_up_to(
    conn: sqlite3.Connection, last: Message, state: MessageState, limit: int = 500
) -> list[Message]:
    """Our outgoing messages of ``last``'s conversation up to ``last`` (by time) that are
    acked or further but not yet ``state``, oldest first (a displayed marker confirms every
    message before the one it names)."""
    rank = {MessageState.DELIVERED: 3, MessageState.DISPLAYED: 4}[state]
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM messages WHERE account = ? AND conversation = ? "
        "AND direction = 'out' AND (ts, id) <= (SELECT ts, id FROM messages WHERE id = ?) "
        f"AND {RANK.format(col='state')} BETWEEN 1 AND ? "
        "ORDER BY ts DESC, id DESC LIMIT ?",
        (last.account, last.conversation, last.id, rank - 1, limit),
    ).fetchall()
    return [row_to_message(r) for r in reversed(rows)]


def mark_read_up_to(
    conn: sqlite3.Connection, account: str, conversation: str, stanza_id: str
) -> int | None:
    """Move the read marker forward to the message with ``stanza_id`` (never back); return
    the new unread count, or None when no such message is stored (yet)."""
    row = conn.execute(
        "SELECT ts, id FROM messages WHERE account = ? AND conversation = ? AND stanza_id = ?",
        (account, conversation, stanza_id),
    ).fetchone()
    if row is None:
        return None
    ts, row_id = row
    conn.execute(
        "UPDATE conversations SET read_ts = ?3, read_id = ?4, unread = ("
        "  SELECT count(*) FROM messages WHERE account = ?1 AND conversation = ?2 "
        "  AND direction = 'in' AND (ts, id) > (?3, ?4)) "
        "WHERE account = ?1 AND conversation = ?2 AND (read_ts, read_id) < (?3, ?4)",
        (account, conversation, ts, row_id),
    )
    got = conn.execute(
        "SELECT unread FROM conversations WHERE account = ? AND conversation = ?",
        (account, conversation),
    ).fetchone()
    return 0 if got is None else int(got[0])


def last_stanza_id(conn: sqlite3.Connection, account: str, conversation: str) -> str | None:
    """The stanza-id of the newest message of ``conversation`` that has one (what read sync
    names as read), or None."""
    row = conn.execute(
        "SELECT stanza_id FROM messages WHERE account = ? AND conversation = ? "
        "AND stanza_id IS NOT NULL ORDER BY ts DESC, id DESC LIMIT 1",
        (account, conversation),
    ).fetchone()
    return None if row is None else str(row[0])


def stanza_id_of(
    conn: sqlite3.Connection, account: str, conversation: str, message_id: str
) -> str | None:
    """The stanza-id of the message of ``conversation`` sent with the id ``message_id``."""
    row = conn.execute(
        "SELECT stanza_id FROM messages WHERE account = ? AND conversation = ? "
        "AND message_id = ? AND stanza_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        (account, conversation, message_id),
    ).fetchone()
    return None if row is None else str(row[0])
