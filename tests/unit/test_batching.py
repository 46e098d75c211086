"""Unit tests for the UI's batching of event floods (``tuichat.ui.batching``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from tuichat.model import Direction, Message
from tuichat.ui.batching import (
    MAX_HOLD,
    MIN_GAP,
    TYPING,
    Batch,
    KeysFirst,
    hand_over_delay,
    plan_messages,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Scheduler:
    """Records what the batch asks to schedule; the test runs it when it likes."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, Callable[[], None]]] = []
        self.now = 100.0

    def __call__(self, delay: float, callback: Callable[[], None]) -> None:
        self.calls.append((delay, callback))

    def run(self) -> None:
        _delay, callback = self.calls.pop(0)
        callback()


def make() -> tuple[Batch[int], Scheduler, list[list[int]]]:
    handed: list[list[int]] = []
    scheduler = Scheduler()
    batch: Batch[int] = Batch(handed.append, scheduler, clock=lambda: scheduler.now)
    return batch, scheduler, handed


@pytest.mark.parametrize(
    ("now", "last", "expected"),
    [
        (10.0, None, 0.0),  # nothing handed over yet: at once
        (10.0, 9.0, 0.0),  # a quiet spell: at once
        (10.0, 10.0 - MIN_GAP, 0.0),  # exactly the gap ago
        (10.0, 9.99, pytest.approx(MIN_GAP - 0.01)),  # in a flood: what is left of the gap
        (10.0, 10.0, MIN_GAP),  # just now: a whole gap
        (10.0, 11.0, MIN_GAP),  # a clock that went back: never more than the gap
    ],
)
def test_hand_over_delay(now: float, last: float | None, expected: object) -> None:
    """Hand-overs come at once after a quiet spell and at most every MIN_GAP in a flood."""
    assert hand_over_delay(now, last) == expected


def test_items_of_one_burst_are_handed_over_together_in_order() -> None:
    """A burst schedules one hand-over that carries every item, in arrival order."""
    batch, scheduler, handed = make()
    for n in range(5):
        batch.add(n)
    assert len(scheduler.calls) == 1 and scheduler.calls[0][0] == 0.0
    assert handed == []
    scheduler.run()
    assert handed == [[0, 1, 2, 3, 4]]
    assert len(batch) == 0


def test_in_a_flood_the_next_hand_over_waits_for_the_gap() -> None:
    """Right after a hand-over, the next batch is scheduled MIN_GAP later, not at once."""
    batch, scheduler, handed = make()
    batch.add(1)
    scheduler.run()
    scheduler.now += 0.01
    batch.add(2)
    batch.add(3)
    assert [delay for delay, _ in scheduler.calls] == [pytest.approx(MIN_GAP - 0.01)]
    scheduler.run()
    assert handed == [[1], [2, 3]]


def test_another_event_first_hands_over_what_came_before_it() -> None:
    """``before`` keeps the order: collected items go first, then the other event."""
    batch, scheduler, handed = make()
    seen: list[str] = []
    batch.add(1)
    batch.add(2)
    batch.before(lambda event: seen.append(f"{event} after {handed}"))("state")
    assert seen == ["state after [[1, 2]]"]
    scheduler.run()  # the scheduled hand-over finds nothing left: nothing twice
    assert handed == [[1, 2]]


def test_flush_with_nothing_collected_hands_over_nothing() -> None:
    """An empty flush calls nobody."""
    batch, _scheduler, handed = make()
    batch.flush()
    assert handed == []


def make_keyed() -> tuple[Batch[int], Scheduler, list[list[int]], KeysFirst]:
    handed: list[list[int]] = []
    scheduler = Scheduler()
    keys = KeysFirst(clock=lambda: scheduler.now)
    batch: Batch[int] = Batch(handed.append, scheduler, clock=lambda: scheduler.now, keys=keys)
    return batch, scheduler, handed, keys


def test_a_hand_over_due_while_a_key_waits_for_its_frame_comes_right_after_that_frame() -> None:
    """The keystroke's frame goes first; the hand-over runs as soon as it is painted."""
    batch, scheduler, handed, keys = make_keyed()
    keys.key()
    batch.add(1)
    scheduler.run()  # due: the key's frame is not painted yet
    assert handed == []
    assert [delay for delay, _ in scheduler.calls] == [pytest.approx(MAX_HOLD)]
    scheduler.now += 0.005
    keys.painted()
    assert handed == [[1]]
    scheduler.run()  # the timer of the hold finds nothing to do: nothing twice
    assert handed == [[1]]


def test_while_the_user_types_a_hand_over_waits_for_the_gap_after_the_next_frame() -> None:
    """Typing (a key lately, its frame painted): the next hand-over waits for the frame of the
    next key, so the log's work falls in the gap between keys."""
    batch, scheduler, handed, keys = make_keyed()
    keys.key()
    keys.painted()
    scheduler.now += 0.01
    batch.add(1)
    scheduler.run()
    assert handed == []
    scheduler.now += 0.02
    keys.key()
    batch.add(2)
    keys.painted()
    assert handed == [[1, 2]]


def test_a_hand_over_never_waits_more_than_max_hold() -> None:
    """Keys whose frames never come (or slow typing) hold a hand-over MAX_HOLD at most."""
    batch, scheduler, handed, keys = make_keyed()
    keys.key()
    batch.add(1)
    scheduler.run()
    scheduler.now += MAX_HOLD
    scheduler.run()  # the hold's timer: waited long enough
    assert handed == [[1]]


def test_no_hold_once_the_user_stopped_typing() -> None:
    """A key long ago holds nothing: the hand-over comes when due."""
    batch, scheduler, handed, keys = make_keyed()
    keys.key()
    keys.painted()
    scheduler.now += TYPING
    batch.add(1)
    scheduler.run()
    assert handed == [[1]]


def test_another_event_hands_over_at_once_even_while_a_key_waits() -> None:
    """Order before speed: ``before`` flushes at once; the held hand-over then finds nothing."""
    batch, scheduler, handed, keys = make_keyed()
    keys.key()
    batch.add(1)
    scheduler.run()
    batch.before(lambda _event: None)("state")
    assert handed == [[1]]
    keys.painted()
    scheduler.run()
    assert handed == [[1]]


def msg(n: int, conversation: str = "room@muc.x", row: int | None = None) -> Message:
    return Message(
        account="me@x",
        conversation=conversation,
        direction=Direction.IN,
        sender=f"{conversation}/nick",
        body=f"m{n}",
        timestamp=T0,
        id=row,
    )


@pytest.mark.parametrize(
    ("messages", "view", "kept", "shown"),
    [
        ([msg(1, row=1), msg(2, row=2)], ("me@x", "room@muc.x"), ["m1", "m2"], ["m1", "m2"]),
        ([msg(1, row=1), msg(1, row=1)], ("me@x", "room@muc.x"), ["m1"], ["m1"]),  # once
        ([msg(1), msg(1)], ("me@x", "room@muc.x"), ["m1", "m1"], ["m1", "m1"]),  # no row id
        ([msg(1, "a@x", 1), msg(2, "b@x", 2)], ("me@x", "b@x"), ["m1", "m2"], ["m2"]),
        ([msg(1, "a@x", 1), msg(2, "b@x", 2)], None, ["m1", "m2"], []),  # another screen
        ([], ("me@x", "a@x"), [], []),
    ],
)
def test_plan_messages(
    messages: list[Message],
    view: tuple[str, str] | None,
    kept: list[str],
    shown: list[str],
) -> None:
    """A batch: each stored message once, in order; those of the view picked out."""
    plan = plan_messages(messages, view)
    assert [m.body for m in plan.messages] == kept
    assert [m.body for m in plan.in_view] == shown
