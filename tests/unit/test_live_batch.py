"""Unit tests for :mod:`tuichat.xmpp.live_batch`: one store call per frame (:class:`LiveBatch`),
live messages filed in the order they arrive (:class:`ArrivalOrder`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tuichat.model import Direction, Message
from tuichat.xmpp.live_batch import ArrivalOrder, LiveBatch

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def msg(n: int) -> Message:
    return Message(
        account="me@x",
        conversation="bob@x",
        direction=Direction.IN,
        sender="bob@x/phone",
        body=f"m{n}",
        timestamp=T0,
    )


class Store:
    """Records each batch; odd-numbered messages count as duplicates."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def __call__(self, messages: Sequence[Message]) -> list[Message | None]:
        self.batches.append([m.body for m in messages])
        return [None if int(m.body[1:]) % 2 else m for m in messages]


async def test_messages_of_one_frame_are_stored_together_in_order() -> None:
    """Many messages within the delay: one store call, in arrival order, after the delay."""
    store = Store()
    batch = LiveBatch(store, delay=0.01)
    for n in range(5):
        batch.add(msg(n))
    assert store.batches == []
    await asyncio.sleep(0.05)
    assert store.batches == [["m0", "m1", "m2", "m3", "m4"]]
    assert len(batch) == 0


async def test_then_runs_with_the_stored_copy_or_none_after_the_store() -> None:
    """Each ``then`` gets its own message's outcome, once the whole batch is stored."""
    store = Store()
    batch = LiveBatch(store, delay=0.01)
    seen: list[tuple[str, int, Message | None]] = []
    for n in range(3):
        batch.add(msg(n), lambda row, n=n: seen.append((f"m{n}", len(store.batches), row)))
    batch.flush()
    assert seen == [("m0", 1, msg(0)), ("m1", 1, None), ("m2", 1, msg(2))]


async def test_flush_stores_at_once_and_the_timer_then_finds_nothing() -> None:
    """An early flush (something must come after these) leaves nothing for the timer."""
    store = Store()
    batch = LiveBatch(store, delay=0.01)
    batch.add(msg(0))
    batch.flush()
    batch.flush()
    await asyncio.sleep(0.05)
    assert store.batches == [["m0"]]
    batch.add(msg(2))
    await asyncio.sleep(0.05)
    assert store.batches == [["m0"], ["m2"]]


def test_a_resent_message_stamped_in_whole_seconds_is_filed_after_what_came_live() -> None:
    """A message that came live at 12:00:00.126 and then one resent after a stream resumption
    with Prosody's whole-second stamp 12:00:00: the second is filed after the first."""
    order = ArrivalOrder()
    live = order.place(replace(msg(1), timestamp=T0 + timedelta(milliseconds=126)))
    resent = order.place(replace(msg(2), timestamp=T0))
    also = order.place(replace(msg(3), timestamp=T0))
    assert live.timestamp == T0 + timedelta(milliseconds=126)
    assert live.timestamp < resent.timestamp < also.timestamp
    assert resent.timestamp - live.timestamp == timedelta(microseconds=1)


def test_later_messages_and_other_conversations_keep_their_own_times() -> None:
    order = ArrivalOrder()
    first = order.place(replace(msg(1), timestamp=T0 + timedelta(seconds=5)))
    other = order.place(replace(msg(2), conversation="carol@x", timestamp=T0))
    later = order.place(replace(msg(3), timestamp=T0 + timedelta(seconds=6)))
    assert (first.timestamp, other.timestamp) == (T0 + timedelta(seconds=5), T0)
    assert later.timestamp == T0 + timedelta(seconds=6)
