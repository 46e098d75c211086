"""Provides the mapping between message rows and :class:`Message`, the dedupe rule and queries.

Every function here takes an open ``sqlite3.Connection`` and does no locking or transaction
handling of its own; :class:`tuichat.store.db.Store` does both.

Dedupe rule (brief, "nothing shown twice"): within one (account, conversation) a message is a
duplicate of a stored one when their ``stanza_id`` match, or their ``origin_id`` match with the
same sender, or (one side having neither stanza nor origin id) their ``message_id`` and sender
match. The first two are UNIQUE indexes (``INSERT … ON CONFLICT DO NOTHING``); the third is a
``NOT EXISTS`` guard in the same INSERT. A duplicate that brings a ``stanza_id`` the stored row
lacks fills it in, and an outgoing pending/sent row becomes acked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from tuichat.model import (
    ConversationKind,
    Direction,
    Encryption,
    InvalidJID,
    Message,
    MessageState,
    Trust,
    bare_str,
)
from tuichat.records import record

__all__ = [
    "COLUMNS",
    "SaveOutcome",
    "flush_fts",
    "from_ts",
    "row_to_message",
    "save",
    "sender_key",
    "to_ts",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

# Row ids are ts * _SLOTS + slot (see migrations.py), so they sort like (ts, arrival).
# New messages take slots upwards from the middle of their microsecond's range; history
# fetched from before what we hold ("older") takes them downwards from just below it, so a
# backfilled message sorts before one of the same timestamp that was stored earlier.
_SLOTS = 1000
_MIDDLE = _SLOTS // 2
_BASE_MAX = (2**63 - 1) // _SLOTS - 2 * _SLOTS
_BASE_MIN = -(2**63) // _SLOTS + 2 * _SLOTS

COLUMNS = (
    "id, account, conversation, kind, direction, sender, body, ts, state, "
    "stanza_id, origin_id, message_id, nick, replaces, failure, encryption, trust, undecrypted"
)
"""The columns :func:`row_to_message` expects, in order."""


def to_ts(when: datetime) -> int:
    """Microseconds since the epoch, UTC (a naive datetime is taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // _US


def from_ts(ts: int) -> datetime:
    """The aware UTC datetime for ``ts`` microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=ts)


@lru_cache(maxsize=4096)
def _bare(jid: str) -> str:
    try:
        return bare_str(jid)
    except InvalidJID:
        return jid.partition("/")[0]


def sender_key(msg: Message) -> str:
    """The sender identity used for dedupe.

    Our own messages: the account, whatever address they went out under (our full JID in the
    archive, our nick in a room or a room private chat). Others: the bare JID, or in a room the
    occupant JID (so one occupant cannot suppress another's message by reusing its id).
    """
    if msg.direction is Direction.OUT:
        return f"out:{msg.account}"
    if msg.kind is ConversationKind.CHAT:
        return _bare(msg.sender)
    return msg.sender


def row_to_message(row: Sequence[Any]) -> Message:
    """Build a :class:`Message` from a row selected with :data:`COLUMNS`."""
    (
        id_,
        account,
        conversation,
        kind,
        direction,
        sender,
        body,
        ts,
        state,
        stanza_id,
        origin_id,
        message_id,
        nick,
        replaces,
        failure,
        encryption,
        trust,
        undecrypted,
    ) = row
    return Message(
        account=str(account),
        conversation=str(conversation),
        direction=Direction(direction),
        sender=str(sender),
        body=str(body),
        timestamp=from_ts(ts),
        kind=ConversationKind(kind),
        state=MessageState(state),
        stanza_id=stanza_id,
        origin_id=origin_id,
        message_id=message_id,
        nick=nick,
        replaces=replaces,
        failure=failure,
        encryption=Encryption(encryption),
        trust=Trust(trust) if trust else None,
        undecrypted=undecrypted,
        id=id_,
    )


@record(frozen=True)
class SaveOutcome:
    """What saving one message did.

    Exactly one of ``stored`` (a new row, with its ``id``) and ``existing`` (the stored row it
    duplicates, as it is after any merge) is set. ``updated`` says whether the merge changed
    that row (it gained a stanza-id, perhaps became acked): callers may announce the change.
    """

    stored: Message | None
    existing: Message | None = None
    updated: bool = False
    changed: Message | None = None
    """A message an action changed (corrected, retracted, reacted to), as it is now."""


_INSERT_TEMPLATE = """
INSERT INTO messages (id, account, conversation, kind, direction, sender, sender_bare, body,
                      ts, state, stanza_id, origin_id, message_id, nick, replaces,
                      encryption, trust, undecrypted)
SELECT {row_id},
       ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?17, ?18, ?19
WHERE NOT EXISTS (
    SELECT 1 FROM messages
    WHERE account = ?2 AND conversation = ?3 AND sender_bare = ?7 AND message_id = ?13
      AND (?16 OR (stanza_id IS NULL AND origin_id IS NULL))
)
ON CONFLICT DO NOTHING
"""
# ?1 is the start of the message's id slot range: take the next free slot in its upper half,
_INSERT = _INSERT_TEMPLATE.format(
    row_id=f"COALESCE((SELECT MAX(id) + 1 FROM messages "
    f"WHERE id >= ?1 + {_MIDDLE} AND id < ?1 + {_SLOTS}), ?1 + {_MIDDLE})"
)
# or, for older history, the next free slot downwards in its lower half.
_INSERT_OLDER = _INSERT_TEMPLATE.format(
    row_id=f"COALESCE((SELECT MIN(id) - 1 FROM messages "
    f"WHERE id >= ?1 AND id < ?1 + {_MIDDLE}), ?1 + {_MIDDLE} - 1)"
)
# ?20 is an explicit free id (used when the slot range is full).
_INSERT_AT = _INSERT_TEMPLATE.format(row_id="?20")

_BY_STANZA = f"""
SELECT {COLUMNS} FROM messages WHERE account = ? AND conversation = ? AND stanza_id = ?
"""
_BY_ORIGIN = f"""
SELECT {COLUMNS} FROM messages
WHERE account = ? AND conversation = ? AND sender_bare = ? AND origin_id = ?
"""
_BY_MESSAGE_ID = f"""
SELECT {COLUMNS} FROM messages
WHERE account = ? AND conversation = ? AND sender_bare = ? AND message_id = ?
  AND (? OR (stanza_id IS NULL AND origin_id IS NULL))
ORDER BY id LIMIT 1
"""
_FILL_STANZA_ID = """
UPDATE messages SET
    stanza_id = ?,
    state = CASE WHEN direction = 'out' AND state IN ('pending', 'sent') THEN 'acked'
                 ELSE state END
WHERE id = ? AND stanza_id IS NULL
"""


def _slot_base(ts: int) -> int:
    return min(max(ts, _BASE_MIN), _BASE_MAX) * _SLOTS


def save(conn: sqlite3.Connection, msg: Message, *, older: bool = False) -> SaveOutcome:
    """Insert ``msg`` unless it duplicates a stored message (merging ids into that one).

    ``older``: ``msg`` comes from before what is stored (history fetched backwards, saved
    newest first); among messages of the same timestamp it sorts before the stored ones.
    """
    ts = to_ts(msg.timestamp)
    sbare = sender_key(msg)
    no_ids = msg.stanza_id is None and msg.origin_id is None
    params = (
        _slot_base(ts),
        msg.account,
        msg.conversation,
        msg.kind.value,
        msg.direction.value,
        msg.sender,
        sbare,
        msg.body,
        ts,
        msg.state.value,
        msg.stanza_id,
        msg.origin_id,
        msg.message_id,
        msg.nick,
        msg.replaces,
        no_ids,
        msg.encryption.value,
        msg.trust.value if msg.trust is not None else None,
        msg.undecrypted,
    )
    try:
        cur = conn.execute(_INSERT_OLDER if older else _INSERT, params)
    except UnicodeEncodeError:
        # A lone surrogate cannot be stored as UTF-8; store U+FFFD in its place instead.
        return save(conn, _without_surrogates(msg), older=older)
    if cur.rowcount == 1:
        return SaveOutcome(stored=_stored_copy(msg, cur.lastrowid, ts))
    existing = find_duplicate(conn, msg, sbare)
    if existing is None:
        # Not a duplicate: the row id slot range was full (over 1000 messages within one
        # microsecond). Take the next free id after the range instead.
        new_id = _free_id(conn, _slot_base(ts) + _MIDDLE)
        conn.execute(_INSERT_AT, (*params, new_id))
        return SaveOutcome(stored=_stored_copy(msg, new_id, ts))
    if msg.stanza_id is not None and existing.stanza_id is None:
        conn.execute(_FILL_STANZA_ID, (msg.stanza_id, existing.id))
        assert existing.id is not None
        merged = get(conn, existing.id)
        return SaveOutcome(stored=None, existing=merged, updated=merged != existing)
    return SaveOutcome(stored=None, existing=existing)


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _without_surrogates(msg: Message) -> Message:
    return replace(
        msg,
        account=_clean(msg.account) or "",
        conversation=_clean(msg.conversation) or "",
        sender=_clean(msg.sender) or "",
        body=_clean(msg.body) or "",
        stanza_id=_clean(msg.stanza_id),
        origin_id=_clean(msg.origin_id),
        message_id=_clean(msg.message_id),
        nick=_clean(msg.nick),
        replaces=_clean(msg.replaces),
    )


def _stored_copy(msg: Message, row_id: int | None, ts: int) -> Message:
    assert row_id is not None
    # Built directly rather than with dataclasses.replace(): this is the bulk insert hot path.
    return Message(
        account=msg.account,
        conversation=msg.conversation,
        direction=msg.direction,
        sender=msg.sender,
        body=msg.body,
        timestamp=from_ts(ts),
        kind=msg.kind,
        state=msg.state,
        stanza_id=msg.stanza_id,
        origin_id=msg.origin_id,
        message_id=msg.message_id,
        nick=msg.nick,
        replaces=msg.replaces,
        failure=msg.failure,
        encryption=msg.encryption,
        trust=msg.trust,
        undecrypted=msg.undecrypted,
        id=row_id,
    )


def flush_fts(conn: sqlite3.Connection) -> None:
    """Index the queued new messages in the full-text index (one statement, by id order).

    The store calls this before every COMMIT, so readers never see a queued row.
    """
    conn.execute(
        "INSERT INTO messages_fts (rowid, body, nick) "
        "SELECT m.id, m.body, m.nick FROM fts_pending AS p JOIN messages AS m ON m.id = p.id "
        "ORDER BY p.id"
    )
    conn.execute("DELETE FROM fts_pending")


def _free_id(conn: sqlite3.Connection, start: int) -> int:
    candidate = start
    while conn.execute("SELECT 1 FROM messages WHERE id = ?", (candidate,)).fetchone():
        row = conn.execute(
            "SELECT MAX(id) FROM messages WHERE id >= ? AND id < ?",
            (candidate, candidate + _SLOTS),
        ).fetchone()
        candidate = int(row[0]) + 1
    return candidate


def find_duplicate(conn: sqlite3.Connection, msg: Message, sbare: str) -> Message | None:
    """The stored message ``msg`` duplicates under the dedupe rule, or None."""
    key = (msg.account, msg.conversation)
    row = None
    if msg.stanza_id is not None:
        row = conn.execute(_BY_STANZA, (*key, msg.stanza_id)).fetchone()
    if row is None and msg.origin_id is not None:
        row = conn.execute(_BY_ORIGIN, (*key, sbare, msg.origin_id)).fetchone()
    if row is None and msg.message_id is not None:
        no_ids = msg.stanza_id is None and msg.origin_id is None
        row = conn.execute(_BY_MESSAGE_ID, (*key, sbare, msg.message_id, no_ids)).fetchone()
    return None if row is None else row_to_message(row)


def get(conn: sqlite3.Connection, message_id: int) -> Message | None:
    """The stored message with row id ``message_id``, or None."""
    row = conn.execute(f"SELECT {COLUMNS} FROM messages WHERE id = ?", (message_id,)).fetchone()
    return None if row is None else row_to_message(row)


RANK = (
    "CASE {col} WHEN 'pending' THEN 0 WHEN 'sent' THEN 1 WHEN 'acked' THEN 2 "
    "WHEN 'delivered' THEN 3 WHEN 'displayed' THEN 4 ELSE -1 END"
)

FORWARD_ONLY = (
    "NOT (state IN ('delivered', 'displayed') AND "
    f"({RANK.format(col=':state')} <= {RANK.format(col='state')}))"
)
"""SQL condition with the new state as ``:state``: false when it would move a confirmed
message back (a late ack or bounce after the receipt)."""


def update_state(
    conn: sqlite3.Connection,
    message_id: int,
    state: MessageState,
    stanza_id: str | None,
    failure: str | None = None,
) -> Message | None:
    """Set a message's state (and its stanza-id if it has none); return it, or None if absent.

    A confirmed message (``delivered``, ``displayed``) never moves back: the row returned
    then keeps its state.

    ``failure`` is stored with a ``failed`` state (why, in words); any other state clears it.
    """
    if state is not MessageState.FAILED:
        failure = None
    conn.execute(
        f"UPDATE messages SET state = :state, failure = :failure WHERE id = :id AND {FORWARD_ONLY}",
        {"state": state.value, "failure": failure, "id": message_id},
    )
    if stanza_id is not None:
        # If another row already holds that stanza-id, keep this one as it is.
        with suppress(sqlite3.IntegrityError):
            conn.execute(
                "UPDATE messages SET stanza_id = ? WHERE id = ? AND stanza_id IS NULL",
                (stanza_id, message_id),
            )
    return get(conn, message_id)


def count_close(conn: sqlite3.Connection, message_id: int) -> int:
    """Count one more stream the server closed on this message; return the new count."""
    conn.execute("UPDATE messages SET send_closes = send_closes + 1 WHERE id = ?", (message_id,))
    row = conn.execute("SELECT send_closes FROM messages WHERE id = ?", (message_id,)).fetchone()
    return 0 if row is None else int(row[0])


def outbox(conn: sqlite3.Connection, account: str | None) -> list[Message]:
    """Outgoing messages not yet acked (pending/sent), oldest first."""
    sql = f"SELECT {COLUMNS} FROM messages WHERE direction = 'out' AND state IN ('pending', 'sent')"
    params: tuple[str, ...] = ()
    if account is not None:
        sql += " AND account = ?"
        params = (account,)
    sql += " ORDER BY ts, id"
    return [row_to_message(r) for r in conn.execute(sql, params)]


_CONV = "account = ? AND conversation = ?"


def page_before(
    conn: sqlite3.Connection,
    account: str,
    conversation: str,
    before: Message | None,
    limit: int,
) -> list[Message]:
    """The ``limit`` messages strictly older than ``before`` (or the newest), oldest first."""
    if before is None:
        sql = f"SELECT {COLUMNS} FROM messages WHERE {_CONV} ORDER BY ts DESC, id DESC LIMIT ?"
        params: tuple[object, ...] = (account, conversation, limit)
    else:
        sql = (
            f"SELECT {COLUMNS} FROM messages WHERE {_CONV} AND (ts, id) < (?, ?) "
            "ORDER BY ts DESC, id DESC LIMIT ?"
        )
        params = (account, conversation, to_ts(before.timestamp), _order_id(before), limit)
    rows = conn.execute(sql, params).fetchall()
    rows.reverse()
    return [row_to_message(r) for r in rows]


def page_after(
    conn: sqlite3.Connection, account: str, conversation: str, after: Message, limit: int
) -> list[Message]:
    """The ``limit`` messages strictly newer than ``after``, oldest first."""
    sql = (
        f"SELECT {COLUMNS} FROM messages WHERE {_CONV} AND (ts, id) > (?, ?) "
        "ORDER BY ts, id LIMIT ?"
    )
    params = (account, conversation, to_ts(after.timestamp), _order_id(after), limit)
    return [row_to_message(r) for r in conn.execute(sql, params)]


def oldest(conn: sqlite3.Connection, account: str, conversation: str) -> Message | None:
    """The oldest stored message of a conversation (an index seek)."""
    sql = f"SELECT {COLUMNS} FROM messages WHERE {_CONV} ORDER BY ts, id LIMIT 1"
    row = conn.execute(sql, (account, conversation)).fetchone()
    return row_to_message(row) if row is not None else None


def history(
    conn: sqlite3.Connection, account: str, conversation: str, limit: int | None
) -> list[Message]:
    """The whole conversation oldest first, or its newest ``limit`` messages."""
    if limit is not None:
        return page_before(conn, account, conversation, None, limit)
    sql = f"SELECT {COLUMNS} FROM messages WHERE {_CONV} ORDER BY ts, id"
    return [row_to_message(r) for r in conn.execute(sql, (account, conversation))]


def _order_id(msg: Message) -> int:
    # A message not from the store (no id) sorts after every stored one with the same ts.
    return msg.id if msg.id is not None else 2**63 - 1
