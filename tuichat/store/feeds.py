"""Provides feed entries in the store: saved as messages of kind ``feed`` plus their title,
summary and link (see migration ``m004_feed_entries`` for why), and read back as
:class:`~tuichat.discovery.FeedEntry`.

Every function takes an open connection and does no locking or transaction handling of its
own; :class:`tuichat.store.db.Store` does both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from tuichat.discovery import Feed, FeedEntry, feed_key, split_feed_key
from tuichat.model import ConversationKind, Direction, Message
from tuichat.store import messages as _msgs

__all__ = ["entries", "feeds", "save_entries"]


def entry_message(account: str, entry: FeedEntry) -> Message:
    """The message row an entry is stored as: searchable by title, summary and author."""
    body = f"{entry.title}\n{entry.summary}" if entry.summary else entry.title
    return Message(
        account=account,
        conversation=feed_key(entry.service, entry.node),
        direction=Direction.IN,
        sender=entry.service,
        body=body,
        timestamp=entry.published,
        kind=ConversationKind.FEED,
        stanza_id=entry.item_id,
        nick=entry.author or None,
    )


def save_entries(
    conn: sqlite3.Connection, account: str, entries: Sequence[FeedEntry]
) -> list[FeedEntry]:
    """Store the entries not stored yet (unique on their item id within the node); return
    those, marked unread."""
    new: list[FeedEntry] = []
    for entry in entries:
        outcome = _msgs.save(conn, entry_message(account, entry))
        if outcome.stored is None:
            continue
        conn.execute(
            "INSERT INTO feed_entries (id, title, summary, link) VALUES (?, ?, ?, ?)",
            (outcome.stored.id, entry.title, entry.summary, entry.link),
        )
        new.append(replace(entry, unread=True))
    return new


_ENTRIES = """
SELECT m.stanza_id, m.nick, m.ts, f.title, f.summary, f.link,
       (m.ts, m.id) > (c.read_ts, c.read_id)
FROM messages AS m
JOIN feed_entries AS f ON f.id = m.id
JOIN conversations AS c ON c.account = m.account AND c.conversation = m.conversation
WHERE m.account = ? AND m.conversation = ?
ORDER BY m.ts DESC, m.id DESC LIMIT ?
"""


def entries(
    conn: sqlite3.Connection, account: str, service: str, node: str, limit: int
) -> list[FeedEntry]:
    """The newest ``limit`` stored entries of a feed, oldest first."""
    rows = conn.execute(_ENTRIES, (account, feed_key(service, node), limit)).fetchall()
    rows.reverse()
    return [
        FeedEntry(
            service=service,
            node=node,
            item_id=str(item_id),
            title=str(title),
            author=str(nick or ""),
            published=_msgs.from_ts(ts),
            summary=str(summary),
            link=str(link),
            unread=bool(unread),
        )
        for item_id, nick, ts, title, summary, link, unread in rows
    ]


_FEEDS = """
SELECT c.conversation, c.unread, c.last_ts, f.title
FROM conversations AS c LEFT JOIN feed_entries AS f ON f.id = c.last_id
WHERE c.account = ? AND c.kind = 'feed'
ORDER BY c.last_ts DESC, c.last_id DESC
"""


def feeds(conn: sqlite3.Connection, account: str) -> list[Feed]:
    """The feeds ``account`` holds entries of, the most recent first."""
    out = []
    for key, unread, ts, title in conn.execute(_FEEDS, (account,)):
        service, node = split_feed_key(str(key))
        out.append(Feed(account, service, node, int(unread), _msgs.from_ts(ts), str(title or "")))
    return out
