"""Provides the store side of shared files: keeping a message's attachments, reading them back.

Every function takes an open ``sqlite3.Connection`` and handles no transaction of its own;
:class:`tuichat.store.db.Store` does. Attachments are kept only with a newly stored message
(in the same transaction): a copy of it that arrives again (archive, carbon, reflection) is a
duplicate the store does not store, so its files are never kept twice. A retraction or a
moderation drops them with the text (``actions._tombstone``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from tuichat.files import MAX_ATTACHMENTS, Attachment
from tuichat.model import Message

__all__ = ["attach", "record"]


def record(conn: sqlite3.Connection, stored: Message, files: Sequence[Attachment]) -> Message:
    """Keep ``files`` with the newly stored message (at most :data:`MAX_ATTACHMENTS`)."""
    assert stored.id is not None
    kept = tuple(files[:MAX_ATTACHMENTS])
    conn.executemany(
        "INSERT INTO message_attachments (message, seq, url, name, size, type) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(stored.id, n, f.url, f.name, f.size, f.content_type) for n, f in enumerate(kept)],
    )
    return replace(stored, attachments=kept)


def attach(conn: sqlite3.Connection, messages: Sequence[Message]) -> list[Message]:
    """``messages`` with their attachments (only those that have any are changed).

    One range seek on the table's key between the smallest and largest row id asked for (a
    page's ids are close together, and few messages carry files), instead of a list of ids:
    this runs for every page the log reads.
    """
    ids = {m.id for m in messages if m.id is not None}
    if not ids:
        return list(messages)
    found: dict[int, list[Attachment]] = {}
    for row_id, url, name, size, kind in conn.execute(
        "SELECT message, url, name, size, type FROM message_attachments "
        "WHERE message BETWEEN ? AND ? ORDER BY message, seq",
        (min(ids), max(ids)),
    ):
        if row_id in ids:
            found.setdefault(row_id, []).append(Attachment(url, name, size, kind))
    if not found:
        return list(messages)
    return [replace(m, attachments=tuple(found[m.id])) if m.id in found else m for m in messages]
