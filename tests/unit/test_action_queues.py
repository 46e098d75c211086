"""Actions that wait: ours in the outbox (``queued_actions``), and received ones whose message
is not stored yet (``pending_actions``); and the outbox machine's rules for actions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.unit.test_action_rules import BOB, ME, NOW, ROOM, chat, room
from tuichat.actions import Action, ActionKind
from tuichat.model import ConversationKind, Direction, Message, MessageState
from tuichat.store import Store
from tuichat.store.actions import MAX_WAITING
from tuichat.xmpp.outbox import (
    NOT_SENT_FIRST,
    Bounced,
    CopyArrived,
    Entry,
    Outbox,
    Queued,
    Ready,
    Restored,
    Resumed,
    Send,
    StreamAcked,
    StreamLost,
    Unwritten,
)

CORRECT = "<replace xmlns='urn:xmpp:message-correct:0' id='{}'/>"
CHAT = ConversationKind.CHAT
RETRACT = "<retract xmlns='urn:xmpp:message-retract:1' id='{}'/>"
REACT = "<reactions xmlns='urn:xmpp:reactions:0' id='{}'><reaction>{}</reaction></reactions>"


def waiting_count(store: Store) -> int:
    return int(store._conn.execute("SELECT count(*) FROM pending_actions").fetchone()[0])


def test_actions_that_come_before_their_message_are_applied_when_it_is_stored() -> None:
    store = Store.memory()
    fix = chat("<body>hello</body>" + CORRECT.format("m1"), id_="c1", at=2)
    like = chat(REACT.format("m1", "👍"), id_="r1", at=3)
    gone = chat(RETRACT.format("m2"), id_="x1", at=4)
    outcomes = store.save_outcomes([fix, like, gone])  # a newer archive page came first
    assert [o.changed for o in outcomes] == [None, None, None]
    assert store.history(ME, BOB) == [] and waiting_count(store) == 3
    first, second = store.save_outcomes(
        [chat("<body>helo</body>", id_="m1"), chat("<body>oops</body>", id_="m2", at=1)],
        older=True,
    )
    assert first.stored is not None and first.stored.body == "hello"  # as stored, corrected
    assert first.stored.marks is not None and first.stored.marks.edited
    assert first.stored.marks.reactions == (("👍", (BOB,)),)
    assert second.stored is not None and second.stored.marks is not None
    assert second.stored.marks.retracted and second.stored.body == ""
    assert [m.body for m in store.history(ME, BOB)] == ["hello", ""]
    assert [m.body for m in store.search("oops")] == []
    assert waiting_count(store) == 0  # applied once, then forgotten


def test_a_waiting_forgery_stays_ignored_when_its_message_comes() -> None:
    store = Store.memory()
    ours = replace(
        chat("<body>evil</body>" + CORRECT.format("m1"), id_="f1", at=1),
        direction=Direction.OUT,
        sender=f"{ME}/other",
    )
    theirs = room("<body>evil</body>" + CORRECT.format("r1"), "mallory", "f2", at=1)
    store.save_outcomes([ours, theirs])
    assert waiting_count(store) == 2
    [mine] = store.save_outcomes([chat("<body>bob's words</body>", id_="m1")])
    [alices] = store.save_outcomes([room("<body>alice's words</body>", "alice", "r1")])
    assert mine.stored is not None and mine.stored.body == "bob's words"
    assert alices.stored is not None and alices.stored.body == "alice's words"
    assert [m.body for m in store.history(ME, BOB)] == ["bob's words"]
    assert [m.body for m in store.history(ME, ROOM)] == ["alice's words"]
    assert waiting_count(store) == 0


def test_actions_whose_message_never_comes_are_bounded_and_show_nothing() -> None:
    store = Store.memory()
    likes = [
        chat(REACT.format(f"gone{i}", "👍"), id_=f"r{i}", at=i) for i in range(MAX_WAITING + 50)
    ]
    store.save_outcomes(likes)
    store.save_outcomes(likes[-10:])  # the same actions again (a page fetched twice)
    assert waiting_count(store) == MAX_WAITING
    assert store.history(ME, BOB) == [] and store.conversations(ME) == []
    newest = store._conn.execute("SELECT min(ref) FROM pending_actions").fetchone()[0]
    assert newest == "gone100"  # the oldest were dropped first
    [late] = store.save_outcomes([chat("<body>x</body>", id_="gone0")])
    assert late.stored is not None and late.stored.marks is None  # its reaction was dropped


def test_a_correction_of_a_correction_waits_for_the_first() -> None:
    store = Store.memory()
    store.save_outcomes([chat("<body>a</body>", id_="m1")])
    second = chat("<body>c</body>" + CORRECT.format("c1"), id_="c2", at=2)
    first = chat("<body>b</body>" + CORRECT.format("m1"), id_="c1", at=1)
    store.save_outcomes([second])
    store.save_outcomes([first])
    [row] = store.history(ME, BOB)
    assert row.body == "c" and row.id is not None
    assert [body for _ts, body in store.versions(row.id)] == ["a", "b"]


def _mine(store: Store, body: str) -> Message:
    stored = store.save_message(
        Message(ME, BOB, Direction.OUT, f"{ME}/tui", body, NOW, origin_id="o1", message_id="o1")
    )
    assert stored is not None
    return stored


def _actor(kind: ActionKind, ref: str, body: str = "", key: str = "a1") -> Message:
    return Message(
        ME,
        BOB,
        Direction.OUT,
        f"{ME}/tui",
        body,
        NOW + timedelta(seconds=1),
        state=MessageState.PENDING,
        origin_id=key,
        message_id=key,
        action=Action(kind, ref, ("🎉",) if kind is ActionKind.REACT else ()),
    )


def test_our_queued_action_is_shown_at_once_marked_pending_until_acked() -> None:
    store = Store.memory()
    target = _mine(store, "helo")
    queued, outcome = store.queued_actions.add(_actor(ActionKind.CORRECT, "o1", "hello"), target)
    assert outcome.changed is not None and outcome.changed.body == "hello"
    assert outcome.changed.marks is not None and outcome.changed.marks.pending
    assert queued.after == "o1" and queued.message.origin_id == "a1"
    assert [q.row for q in store.queued_actions.waiting(ME)] == [queued.row]
    store.queued_actions.update_state(queued.row, MessageState.SENT)
    store.queued_actions.update_state(queued.row, MessageState.ACKED)
    assert store.queued_actions.update_state(queued.row, MessageState.SENT) is not None
    got = store.queued_actions.get(queued.row)
    assert got is not None and got.message.state is MessageState.ACKED  # never back
    assert store.queued_actions.waiting(ME) == []
    [row] = store.history(ME, BOB)
    assert row.body == "hello" and row.marks is not None and not row.marks.pending


def test_the_copy_of_a_queued_action_acks_it_and_is_not_applied_twice() -> None:
    store = Store.memory()
    target = _mine(store, "hi")
    queued, _ = store.queued_actions.add(_actor(ActionKind.REACT, "o1"), target)
    copy = replace(_actor(ActionKind.REACT, "o1"), stanza_id="s9", state=MessageState.RECEIVED)
    [outcome] = store.save_outcomes([copy])
    assert outcome.updated and outcome.existing is not None
    assert outcome.existing.message_id == "a1" and outcome.changed is None
    assert store.queued_actions.waiting(ME) == []
    [again] = store.save_outcomes([copy])  # once acked, a copy is an ordinary (same) action
    assert again.existing is None and again.changed is not None
    assert again.changed.marks is not None and again.changed.marks.reactions == (("🎉", (ME,)),)
    assert queued.row is not None


def test_a_queued_action_goes_with_the_message_it_acts_on() -> None:
    store = Store.memory()
    target = _mine(store, "bye")
    store.queued_actions.add(_actor(ActionKind.RETRACT, "o1", "fallback"), target)
    store._conn.execute("DELETE FROM messages")
    assert store.queued_actions.waiting() == []


# -- the machine ---------------------------------------------------------------------------


def _sends(effects: list[object]) -> list[str]:
    return [e.entry.key for e in effects if isinstance(e, Send)]


def test_an_action_goes_out_after_the_message_it_acts_on_is_acked() -> None:
    box = Outbox()
    box.handle(Queued(Entry(1, BOB, CHAT, "m")))
    box.handle(Queued(Entry(7, BOB, CHAT, "a", action=True, after="m")))
    assert _sends(box.handle(Ready())) == ["m"]
    effects = box.handle(StreamAcked("m"))
    assert _sends(effects) == ["a"]
    sent = [e for e in effects if not isinstance(e, Send)]
    assert [(c.row, c.action) for c in sent] == [(1, False), (7, True)]  # type: ignore[attr-defined]
    assert _sends(box.handle(StreamAcked("a"))) == [] and box.waiting() == ()


def test_an_action_on_a_message_that_failed_fails_too() -> None:
    box = Outbox()
    box.handle(Restored((Entry(1, BOB, CHAT, "m"),)))
    box.handle(Queued(Entry(7, BOB, CHAT, "a", action=True, after="m")))
    box.handle(Ready())
    effects = box.handle(Bounced("m", "no such user"))
    assert [(e.row, e.state, e.reason) for e in effects] == [  # type: ignore[union-attr]
        (1, MessageState.FAILED, "no such user"),
        (7, MessageState.FAILED, NOT_SENT_FIRST),
    ]


def test_what_reached_the_wire_after_its_stream_was_lost_goes_again_when_resumed() -> None:
    box = Outbox()
    box.handle(Ready())
    box.handle(Queued(Entry(1, BOB, CHAT, "m")))
    box.handle(Queued(Entry(7, BOB, CHAT, "a", action=True)))
    box.handle(StreamLost())
    assert box.handle(Unwritten("a")) == []
    assert box.handle(Unwritten("gone")) == []
    assert _sends(box.handle(Resumed())) == ["a"]  # "m" is slixmpp's to write again


def test_an_action_on_a_sent_message_or_anothers_goes_at_once_and_its_copy_acks_it() -> None:
    box = Outbox()
    box.handle(Ready())
    assert _sends(box.handle(Queued(Entry(7, BOB, CHAT, "a", action=True)))) == ["a"]
    [change] = box.handle(CopyArrived("a"))
    assert change.state is MessageState.ACKED and change.action  # type: ignore[union-attr]


def test_the_log_says_an_action_of_ours_is_not_sent_yet() -> None:
    from rich.text import Text

    from tuichat.actions import Marks
    from tuichat.ui.widgets.action_lines import decorate, tombstone

    shown = Message(ME, BOB, Direction.OUT, ME, "hello", NOW)
    edited = replace(shown, marks=Marks(edited=True, pending=True, reactions=(("👍", (ME,)),)))
    assert decorate(Text("hello"), edited, 40).plain == "hello (edited) (not sent yet)\n👍 1"
    gone = replace(shown, body="", marks=Marks(retracted=True, pending=True))
    assert decorate(tombstone(gone) or Text(), gone, 40).plain == (
        "message retracted (not sent yet)"
    )
    sent = replace(shown, marks=Marks(edited=True))
    assert decorate(Text("hello"), sent, 40).plain == "hello (edited)"


def test_an_older_action_of_ours_replayed_by_the_archive_does_not_undo_a_queued_one() -> None:
    store = Store.memory()
    target = _mine(store, "hi")
    old = replace(
        _actor(ActionKind.REACT, "o1", key="old"),
        action=Action(ActionKind.REACT, "o1", ("👍",)),
        timestamp=NOW,
        state=MessageState.RECEIVED,
    )
    store.queued_actions.add(_actor(ActionKind.REACT, "o1"), target)  # 🎉, a second later
    [outcome] = store.save_outcomes([old])
    assert outcome.changed is None
    [row] = store.history(ME, BOB)
    assert row.marks is not None and row.marks.reactions == (("🎉", (ME,)),)
