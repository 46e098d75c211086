"""Provides the outbox's actions: our corrections, retractions and reactions waiting to be sent.

An action of ours is kept like a message we type: stored (``queued_actions``) as ``pending``
with a fresh origin-id, applied to our own view at once (the message it acts on shows the new
text, the tombstone or the reaction, marked pending: :attr:`tuichat.actions.Marks.pending`),
and followed by the same outbox machine as messages (:mod:`tuichat.xmpp.outbox`) until the
server acknowledges it (``acked``) or it fails. The row it acts on is kept by row id, so the
id it is sent with is the one the message has when it goes out (a room message gains the
room's stanza-id once reflected).
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from tuichat.actions import Action, ActionKind
from tuichat.model import ConversationKind, Direction, Message, MessageState
from tuichat.records import record
from tuichat.store import actions as _actions
from tuichat.store.messages import SaveOutcome, from_ts, to_ts

if TYPE_CHECKING:
    from tuichat.store.db import Store

__all__ = ["ActionQueue", "QueuedAction"]


@record(frozen=True)
class QueuedAction:
    """One action of ours in the outbox."""

    message: Message
    """The action as the pipeline carries it: ``action`` set, ``id`` the queue's row id,
    ``origin_id`` (also its ``message_id``) the stable id it is sent with every time."""
    target: int
    """The row id of the message it acts on."""
    after: str | None
    """The key of that message when it is our own (it must leave first, if still queued)."""

    @property
    def row(self) -> int:
        """The queue's row id."""
        assert self.message.id is not None
        return self.message.id


_COLUMNS = (
    "q.id, q.account, m.conversation, m.kind, q.target, q.action, q.ref, q.reactions, q.body, "
    "q.sender, q.nick, q.origin_id, q.ts, q.state, q.failure, m.direction, "
    "coalesce(m.message_id, m.origin_id)"
)
_FROM = "FROM queued_actions AS q JOIN messages AS m ON m.id = q.target"


def _queued(row: Any) -> QueuedAction:
    (row_id, account, conversation, kind, target, action, ref, reactions, body) = row[:9]
    sender, nick, origin_id, ts, state, failure, target_direction, target_key = row[9:]
    act = Action(ActionKind(action), ref, tuple(json.loads(reactions)))
    message = Message(
        account=account,
        conversation=conversation,
        direction=Direction.OUT,
        sender=sender,
        body=body,
        timestamp=from_ts(ts),
        kind=ConversationKind(kind),
        state=MessageState(state),
        origin_id=origin_id,
        message_id=origin_id,
        nick=nick,
        replaces=ref if act.kind is ActionKind.CORRECT else None,
        failure=failure,
        action=act,
        id=row_id,
    )
    after = target_key if target_direction == Direction.OUT.value else None
    return QueuedAction(message, target, after)


def add(
    conn: sqlite3.Connection, actor: Message, target: Message
) -> tuple[QueuedAction, SaveOutcome]:
    """Queue ``actor`` (an action of ours on the stored ``target``) and apply it to our view."""
    action = actor.action
    assert action is not None and target.id is not None and actor.origin_id is not None
    cur = conn.execute(
        "INSERT INTO queued_actions (account, target, action, ref, reactions, body, sender, "
        "nick, origin_id, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            actor.account,
            target.id,
            action.kind.value,
            action.target,
            json.dumps(list(action.reactions)),
            actor.body,
            actor.sender,
            actor.nick,
            actor.origin_id,
            to_ts(actor.timestamp),
        ),
    )
    assert cur.lastrowid is not None
    outcome = _actions.act(conn, actor)
    queued = get(conn, cur.lastrowid)
    assert queued is not None
    return queued, outcome


def get(conn: sqlite3.Connection, row_id: int) -> QueuedAction | None:
    """The queued action ``row_id`` (whatever its state), or None."""
    row = conn.execute(f"SELECT {_COLUMNS} {_FROM} WHERE q.id = ?", (row_id,)).fetchone()
    return None if row is None else _queued(row)


def waiting(conn: sqlite3.Connection, account: str | None) -> list[QueuedAction]:
    """The actions not yet acked nor failed, oldest first."""
    sql = f"SELECT {_COLUMNS} {_FROM} WHERE q.state IN ('pending', 'sent')"
    params: tuple[str, ...] = ()
    if account is not None:
        sql += " AND q.account = ?"
        params = (account,)
    return [_queued(r) for r in conn.execute(sql + " ORDER BY q.ts, q.id", params)]


def update_state(
    conn: sqlite3.Connection, row_id: int, state: MessageState, failure: str | None
) -> QueuedAction | None:
    """Move the action on (never back from acked or failed); it as it is now."""
    conn.execute(
        "UPDATE queued_actions SET state = ?, failure = ? "
        "WHERE id = ? AND state NOT IN ('acked', 'failed')",
        (state.value, failure if state is MessageState.FAILED else None, row_id),
    )
    return get(conn, row_id)


def count_close(conn: sqlite3.Connection, row_id: int) -> int:
    """Count one more stream the server closed on the action; the new count."""
    conn.execute("UPDATE queued_actions SET send_closes = send_closes + 1 WHERE id = ?", (row_id,))
    row = conn.execute("SELECT send_closes FROM queued_actions WHERE id = ?", (row_id,)).fetchone()
    return 0 if row is None else int(row[0])


class ActionQueue:
    """The store's queued actions (``store.queued_actions``), each call one transaction."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, actor: Message, target: Message) -> tuple[QueuedAction, SaveOutcome]:
        """Queue ``actor`` and apply it to our view; ``changed``: the target as it is now."""
        with self._store._tx() as conn:
            return add(conn, actor, target)

    def get(self, row_id: int) -> QueuedAction | None:
        """The queued action ``row_id``, or None."""
        with self._store._read() as conn:
            return get(conn, row_id)

    def waiting(self, account: str | None = None) -> list[QueuedAction]:
        """The actions still to be acknowledged, oldest first."""
        with self._store._read() as conn:
            return waiting(conn, account)

    def update_state(
        self, row_id: int, state: MessageState, failure: str | None = None
    ) -> QueuedAction | None:
        """Move the action ``row_id`` on; it as it is now."""
        with self._store._tx() as conn:
            return update_state(conn, row_id, state, failure)

    def count_close(self, row_id: int) -> int:
        """Count one more stream the server closed on the action."""
        with self._store._tx() as conn:
            return count_close(conn, row_id)
