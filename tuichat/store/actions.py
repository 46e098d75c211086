"""Provides the store side of message actions: applying them, and reading back a message's marks.

Every function takes an open ``sqlite3.Connection`` and handles no transaction of its own;
:class:`tuichat.store.db.Store` does. An action is applied to the message it names only when
:func:`authorised` allows it (the one place that decides who may correct, retract, moderate);
one naming no stored message, or a message its sender may not touch, changes nothing.

- a correction keeps the text it replaces in ``message_versions`` (with the correction's own
  id, so a correction of a correction finds the original), and the full-text index follows the
  new text (the update trigger);
- a retraction or a moderation empties the text (and the index), drops the earlier versions and
  the reactions, and marks the row retracted: a tombstone;
- a reaction set replaces the reactor's previous set;
- an action naming no stored message waits (``pending_actions``, at most
  :data:`MAX_WAITING` per conversation, the oldest dropped first) and is applied, under the
  same rule, when a message it names is stored: an archive page may bring the action before
  its message;
- the copy of an action of ours still in the outbox (``queued_actions``, see
  :mod:`tuichat.store.queued`) is its acknowledgement, not a second action.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from tuichat.actions import Action, ActionKind, Marks
from tuichat.model import ConversationKind, Direction, Message
from tuichat.store import attachments as _files
from tuichat.store import messages as _msgs
from tuichat.store.messages import (
    COLUMNS,
    SaveOutcome,
    from_ts,
    row_to_message,
    sender_key,
    to_ts,
)

__all__ = ["act", "annotate", "apply", "find", "record", "save", "versions"]

QUOTE_LENGTH = 60
"""Characters of a quoted message shown above a reply."""
MAX_WAITING = 200
"""Received actions kept per conversation while the message they name is not stored."""


def authorised(
    actor: Message, action: Action, target: Message, target_occupant: str | None = None
) -> bool:
    """Whether ``actor`` (the message carrying ``action``) may apply it to ``target``.

    Corrections and retractions: only the original sender (the same bare JID one to one,
    ourselves for our own; in a room the same occupant: by the room's occupant-id (XEP-0421)
    when both messages carry one, which survives a nick change and tells apart a newcomer who
    took a departed occupant's nick, else by nick). Moderation: only the room itself. Any
    participant of the conversation may react.
    """
    if action.kind is ActionKind.MODERATE:
        return target.kind is ConversationKind.GROUPCHAT and actor.sender == target.conversation
    if action.kind is ActionKind.REACT:
        return True
    if actor.kind is not target.kind:
        return False
    actor_occupant = actor.marks.occupant_id if actor.marks is not None else None
    if target.kind is ConversationKind.GROUPCHAT and actor_occupant and target_occupant:
        return actor_occupant == target_occupant
    return sender_key(actor) == sender_key(target)


def reactor_of(actor: Message) -> str:
    """Who reacted: ourselves (the account), a nick in a room, else the bare JID."""
    if actor.direction is Direction.OUT:
        return actor.account
    if actor.kind is ConversationKind.GROUPCHAT:
        return actor.nick or actor.sender
    return actor.sender.partition("/")[0]


def _one(conn: sqlite3.Connection, where: str, params: tuple[object, ...]) -> list[Message]:
    sql = f"SELECT {COLUMNS} FROM messages WHERE account = ? AND conversation = ? AND {where}"
    return [row_to_message(r) for r in conn.execute(sql, params)]


def find(conn: sqlite3.Connection, account: str, conversation: str, ref: str) -> list[Message]:
    """The stored messages of a conversation ``ref`` may name (stanza-id, origin-id, message
    id, or the id of an earlier correction of it), most likely first."""
    key = (account, conversation, ref)
    found = _one(conn, "stanza_id = ?", key)
    found += _one(conn, "origin_id = ?", key)
    found += _one(conn, "message_id = ?", key)
    if not found:
        found = _one(
            conn, "id IN (SELECT message FROM message_versions WHERE ref = ? LIMIT 1)", key
        )
    return found


def _marks_row(conn: sqlite3.Connection, row_id: int) -> None:
    conn.execute("INSERT INTO message_marks (id) VALUES (?) ON CONFLICT DO NOTHING", (row_id,))


def apply(conn: sqlite3.Connection, actor: Message) -> SaveOutcome:
    """Apply ``actor``'s action to the message it names; ``changed`` is that message after.

    Naming no stored message, it waits for one (see :func:`release`). The copy of one of our
    queued actions comes back as ``existing`` (the queued action, ``updated``): it was
    applied when queued, and now it is known to have reached the server.
    """
    action = actor.action
    assert action is not None
    if actor.direction is Direction.OUT and actor.origin_id:
        echoed = _echo(conn, actor.account, actor.origin_id)
        if echoed is not None:
            return SaveOutcome(stored=None, existing=echoed, updated=True)
    return act(conn, actor)


def act(conn: sqlite3.Connection, actor: Message) -> SaveOutcome:
    """:func:`apply` without looking for our queued action (what queueing it applies)."""
    action = actor.action
    assert action is not None
    found = find(conn, actor.account, actor.conversation, action.target)
    if not found:
        _wait(conn, actor)
    for target in found:
        if target.id is None or not authorised(actor, action, target, _occupant(conn, target.id)):
            continue
        if _superseded(conn, actor, target.id):
            return SaveOutcome(stored=None)
        if _apply(conn, actor, action, target):
            if action.kind is ActionKind.CORRECT:  # a correction of this correction may wait
                release(conn, actor)
            return SaveOutcome(stored=None, changed=annotate(conn, [_fresh(conn, target.id)])[0])
        return SaveOutcome(stored=None)
    return SaveOutcome(stored=None)


def _superseded(conn: sqlite3.Connection, actor: Message, row_id: int) -> bool:
    """Whether ``actor``, an action of ours from elsewhere (an older one the archive replays),
    is older than one of the same kind on the same message still in our outbox: the newer
    one, already shown, stays."""
    if actor.direction is not Direction.OUT or actor.action is None:
        return False
    row = conn.execute(
        "SELECT 1 FROM queued_actions WHERE target = ? AND action = ? AND ts > ? "
        "AND state IN ('pending', 'sent') AND origin_id IS NOT ? LIMIT 1",
        (row_id, actor.action.kind.value, to_ts(actor.timestamp), actor.origin_id),
    ).fetchone()
    return row is not None


def _echo(conn: sqlite3.Connection, account: str, origin_id: str) -> Message | None:
    """Our queued action with ``origin_id``, still waiting for the server, now acked by its
    copy; None when there is none (the copy is then applied like any action)."""
    row = conn.execute(
        "SELECT q.id, m.conversation, m.kind, q.sender, q.ts FROM queued_actions AS q "
        "JOIN messages AS m ON m.id = q.target "
        "WHERE q.account = ? AND q.origin_id = ? AND q.state IN ('pending', 'sent')",
        (account, origin_id),
    ).fetchone()
    if row is None:
        return None
    row_id, conversation, kind, sender, ts = row
    conn.execute("UPDATE queued_actions SET state = 'acked' WHERE id = ?", (row_id,))
    return Message(
        account=account,
        conversation=conversation,
        direction=Direction.OUT,
        sender=sender,
        body="",
        timestamp=from_ts(ts),
        kind=ConversationKind(kind),
        origin_id=origin_id,
        message_id=origin_id,
        id=row_id,
    )


_WAIT = """
INSERT INTO pending_actions (account, conversation, ref, key, kind, direction, sender, nick,
    body, ts, stanza_id, origin_id, message_id, action, reactions, reason, occupant_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
"""

_PENDING = (
    "account, conversation, ref, kind, direction, sender, nick, body, ts, stanza_id, "
    "origin_id, message_id, action, reactions, reason, occupant_id"
)


def _wait(conn: sqlite3.Connection, actor: Message) -> None:
    """Keep ``actor`` until a message it names is stored (the newest :data:`MAX_WAITING` of
    its conversation; once kept, a copy of it is not kept again)."""
    action = actor.action
    assert action is not None
    occupant = actor.marks.occupant_id if actor.marks is not None else None
    conn.execute(
        _WAIT,
        (
            actor.account,
            actor.conversation,
            action.target,
            f"{sender_key(actor)}\0{actor.stable_id}",
            actor.kind.value,
            actor.direction.value,
            actor.sender,
            actor.nick,
            actor.body,
            to_ts(actor.timestamp),
            actor.stanza_id,
            actor.origin_id,
            actor.message_id,
            action.kind.value,
            json.dumps(list(action.reactions)),
            action.reason,
            occupant,
        ),
    )
    conn.execute(
        "DELETE FROM pending_actions WHERE account = ?1 AND conversation = ?2 AND id <= ("
        "  SELECT id FROM pending_actions WHERE account = ?1 AND conversation = ?2 "
        "  ORDER BY id DESC LIMIT 1 OFFSET ?3)",
        (actor.account, actor.conversation, MAX_WAITING),
    )


def _waiting_actor(row: Sequence[Any]) -> Message:
    (account, conversation, ref, kind, direction, sender, nick, body, ts, stanza_id) = row[:10]
    origin_id, message_id, action, reactions, reason, occupant = row[10:]
    act = Action(ActionKind(action), ref, tuple(json.loads(reactions)), reason)
    return Message(
        account=account,
        conversation=conversation,
        direction=Direction(direction),
        sender=sender,
        body=body,
        timestamp=from_ts(ts),
        kind=ConversationKind(kind),
        stanza_id=stanza_id,
        origin_id=origin_id,
        message_id=message_id,
        nick=nick,
        replaces=ref if act.kind is ActionKind.CORRECT else None,
        action=act,
        marks=Marks(occupant_id=occupant) if occupant else None,
    )


def release(conn: sqlite3.Connection, named: Message) -> bool:
    """Apply, oldest first, the waiting actions that name ``named`` (newly stored, or a
    correction that later ones may name) and forget them; whether any changed the store."""
    refs = [r for r in (named.stanza_id, named.origin_id, named.message_id) if r]
    rows = _waiting_rows(conn, named.account, named.conversation, refs)
    changed = False
    for actor in rows:
        changed = apply(conn, actor).changed is not None or changed
    return changed


def _waiting_rows(
    conn: sqlite3.Connection, account: str, conversation: str, refs: Iterable[str]
) -> list[Message]:
    refs = list(dict.fromkeys(refs))
    if not refs:
        return []
    holes = ",".join("?" * len(refs))
    where = f"account = ? AND conversation = ? AND ref IN ({holes})"
    params = (account, conversation, *refs)
    rows = conn.execute(
        f"SELECT {_PENDING} FROM pending_actions WHERE {where} ORDER BY id", params
    ).fetchall()
    if rows:
        conn.execute(f"DELETE FROM pending_actions WHERE {where}", params)
    return [_waiting_actor(r) for r in rows]


def _occupant(conn: sqlite3.Connection, row_id: int) -> str | None:
    row = conn.execute("SELECT occupant_id FROM message_marks WHERE id = ?", (row_id,)).fetchone()
    return row[0] if row else None


def _fresh(conn: sqlite3.Connection, row_id: int) -> Message:
    row = conn.execute(f"SELECT {COLUMNS} FROM messages WHERE id = ?", (row_id,)).fetchone()
    return row_to_message(row)


def _retracted(conn: sqlite3.Connection, row_id: int) -> bool:
    row = conn.execute("SELECT retracted FROM message_marks WHERE id = ?", (row_id,)).fetchone()
    return bool(row and row[0])


def _apply(conn: sqlite3.Connection, actor: Message, action: Action, target: Message) -> bool:
    """Change the store; whether anything changed."""
    row_id = target.id
    assert row_id is not None
    if _retracted(conn, row_id):
        return False  # a tombstone stays one
    if action.kind is ActionKind.CORRECT:
        if not actor.body or actor.body == target.body:
            return False
        conn.execute(
            "INSERT INTO message_versions (message, body, ts, ref) VALUES (?, ?, ?, ?)",
            (row_id, target.body, to_ts(actor.timestamp), actor.message_id or actor.origin_id),
        )
        conn.execute("UPDATE messages SET body = ? WHERE id = ?", (actor.body, row_id))
        _marks_row(conn, row_id)
        conn.execute("UPDATE message_marks SET edited = 1 WHERE id = ?", (row_id,))
        return True
    if action.kind is ActionKind.REACT:
        reactor = reactor_of(actor)
        conn.execute(
            "DELETE FROM message_reactions WHERE message = ? AND reactor = ?", (row_id, reactor)
        )
        conn.executemany(
            "INSERT INTO message_reactions (message, reactor, emoji, ts) VALUES (?, ?, ?, ?)",
            [(row_id, reactor, e, to_ts(actor.timestamp)) for e in action.reactions],
        )
        return True
    reason = action.reason or (
        "removed by a moderator" if actor.sender == actor.conversation else ""
    )
    _tombstone(conn, row_id, reason)
    return True


def _tombstone(conn: sqlite3.Connection, row_id: int, reason: str) -> None:
    conn.execute("UPDATE messages SET body = '' WHERE id = ?", (row_id,))
    conn.execute("DELETE FROM message_versions WHERE message = ?", (row_id,))
    conn.execute("DELETE FROM message_reactions WHERE message = ?", (row_id,))
    conn.execute("DELETE FROM message_attachments WHERE message = ?", (row_id,))
    _marks_row(conn, row_id)
    conn.execute(
        "UPDATE message_marks SET retracted = 1, edited = 0, reason = ? WHERE id = ?",
        (reason, row_id),
    )


def record(conn: sqlite3.Connection, stored: Message, marks: Marks) -> Message:
    """Keep what a newly stored message carries beyond its text (reply, tombstone, the room's
    occupant-id of its author); one statement for the usual case (an occupant-id alone)."""
    assert stored.id is not None
    conn.execute(
        "INSERT INTO message_marks (id, reply_to, occupant_id) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (stored.id, marks.reply_to, marks.occupant_id),
    )
    if marks.retracted:
        _tombstone(conn, stored.id, marks.reason)
    if marks.reply_to is None:
        return replace(stored, marks=marks)
    return annotate(conn, [stored])[0]  # the quote comes from the store


def annotate(conn: sqlite3.Connection, messages: Sequence[Message]) -> list[Message]:
    """``messages`` with their :class:`Marks` and their files (only those that have any are
    changed)."""
    messages = _files.attach(conn, messages)
    ids = [m.id for m in messages if m.id is not None]
    if not ids:
        return list(messages)
    marks: dict[int, tuple[int, int, str, str | None]] = {}
    reactions: dict[int, dict[str, list[str]]] = {}
    queued: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        holes = ",".join("?" * len(chunk))
        for row_id, edited, retracted, reason, reply_to in conn.execute(
            "SELECT id, edited, retracted, reason, reply_to FROM message_marks "
            f"WHERE id IN ({holes})",
            chunk,
        ):
            marks[row_id] = (edited, retracted, reason, reply_to)
        for row_id, reactor, emoji in conn.execute(
            f"SELECT message, reactor, emoji FROM message_reactions WHERE message IN ({holes}) "
            "ORDER BY ts, rowid",
            chunk,
        ):
            reactions.setdefault(row_id, {}).setdefault(emoji, []).append(reactor)
        queued.update(
            row_id
            for (row_id,) in conn.execute(
                f"SELECT target FROM queued_actions WHERE target IN ({holes}) "
                "AND state IN ('pending', 'sent')",
                chunk,
            )
        )
    if not marks and not reactions and not queued:
        return list(messages)
    out = []
    for message in messages:
        row_id = message.id
        if row_id is None or not (row_id in marks or row_id in reactions or row_id in queued):
            out.append(message)
            continue
        edited, retracted, reason, reply_to = marks.get(row_id, (0, 0, "", None))
        given = tuple((e, tuple(who)) for e, who in reactions.get(row_id, {}).items())
        quote, quoted_id = _quote(conn, message, reply_to)
        out.append(
            replace(
                message,
                marks=Marks(
                    edited=bool(edited),
                    retracted=bool(retracted),
                    reason=reason,
                    reactions=given,
                    reply_to=reply_to,
                    quote=quote,
                    quoted_id=quoted_id,
                    pending=row_id in queued,
                ),
            )
        )
    return out


def _quote(conn: sqlite3.Connection, message: Message, ref: str | None) -> tuple[str, int | None]:
    if ref is None:
        return "", None
    found = find(conn, message.account, message.conversation, ref)
    if not found:
        return "", None
    quoted = found[0]
    author = "me" if quoted.direction is Direction.OUT else (quoted.nick or quoted.sender)
    text = " ".join(quoted.body.split()) or "message retracted"
    if len(text) > QUOTE_LENGTH:
        text = text[: QUOTE_LENGTH - 1] + "…"
    return f"{author.partition('/')[0] if quoted.nick is None else author}: {text}", quoted.id


def versions(conn: sqlite3.Connection, row_id: int) -> list[tuple[int, str]]:
    """The earlier texts of a corrected message, oldest first, as ``(ts, body)``."""
    return [
        (int(ts), str(body))
        for ts, body in conn.execute(
            "SELECT ts, body FROM message_versions WHERE message = ? ORDER BY seq", (row_id,)
        )
    ]


def save(
    conn: sqlite3.Connection, msg: Message, *, older: bool = False, waiting: bool = True
) -> SaveOutcome:
    """Save a message through the one pipeline: an action is applied, never stored as a row;
    a new message's reply or tombstone marks are kept with it, and the actions that came
    before it applied (``waiting``: whether any may wait in its conversation)."""
    if msg.action is not None:
        return apply(conn, msg)
    outcome = _msgs.save(conn, msg, older=older)
    stored = outcome.stored
    if stored is None:
        return outcome
    if msg.attachments:
        stored = _files.record(conn, stored, msg.attachments)
    if msg.marks is not None:
        stored = record(conn, stored, msg.marks)
    if waiting and release(conn, stored):  # actions that came before it
        assert stored.id is not None
        stored = annotate(conn, [_fresh(conn, stored.id)])[0]
    return outcome if stored is outcome.stored else replace(outcome, stored=stored)


def save_batch(
    conn: sqlite3.Connection, msgs: Sequence[Message], *, older: bool = False
) -> list[SaveOutcome]:
    """:func:`save` for a batch, the actions after the messages: history fetched backwards
    comes newest first, and an action must find the message it names stored."""
    waiting = {
        tuple(r) for r in conn.execute("SELECT DISTINCT account, conversation FROM pending_actions")
    }
    outcomes: list[SaveOutcome | None] = [
        None
        if msg.action is not None
        else save(conn, msg, older=older, waiting=(msg.account, msg.conversation) in waiting)
        for msg in msgs
    ]
    for index, msg in enumerate(msgs):
        if msg.action is not None:
            outcomes[index] = apply(conn, msg)
    return [o for o in outcomes if o is not None]
