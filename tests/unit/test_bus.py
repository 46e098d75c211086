"""Unit tests for the event bus: typed delivery, isolation of failures, unsubscribe."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.model import ConnectionState


def _state(account: str = "a@x.test") -> ev.ConnectionStateChanged:
    return ev.ConnectionStateChanged(account, ConnectionState.CONNECTED)


def test_subscriber_gets_events_of_its_type_only() -> None:
    """A subscriber to one event type is not called for another."""
    bus = EventBus()
    got: list[ev.Event] = []
    bus.subscribe(ev.ConnectionStateChanged, got.append)
    bus.publish(ev.ErrorReported("a@x.test", "boom"))
    bus.publish(_state())
    assert got == [_state()]


def test_base_class_subscriber_gets_every_event() -> None:
    """Subscribing to Event sees every concrete event."""
    bus = EventBus()
    got: list[ev.Event] = []
    bus.subscribe(ev.Event, got.append)
    bus.publish(_state())
    bus.publish(ev.ErrorReported("a@x.test", "boom"))
    assert [type(e) for e in got] == [ev.ConnectionStateChanged, ev.ErrorReported]


def test_failing_subscriber_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    """One subscriber raising is logged; the next one still gets the event."""
    bus = EventBus()
    got: list[ev.Event] = []

    def broken(_e: ev.Event) -> None:
        raise RuntimeError("broken subscriber")

    bus.subscribe(ev.ConnectionStateChanged, broken)
    bus.subscribe(ev.ConnectionStateChanged, got.append)
    with caplog.at_level(logging.ERROR):
        bus.publish(_state())
    assert got == [_state()]
    assert "broken subscriber" in caplog.text


def test_cancelled_subscription_gets_nothing_more() -> None:
    """After cancel() no event reaches the callback; cancelling twice is harmless."""
    bus = EventBus()
    got: list[ev.Event] = []
    sub = bus.subscribe(ev.ConnectionStateChanged, got.append)
    bus.publish(_state("a@x.test"))
    sub.cancel()
    sub.cancel()
    bus.publish(_state("b@x.test"))
    assert [e.account for e in got] == ["a@x.test"]


def test_cancel_during_delivery_is_safe() -> None:
    """A subscriber that cancels itself while being called does not break the loop."""
    bus = EventBus()
    got: list[str] = []
    holder = {}

    def once(e: ev.Event) -> None:
        got.append("once")
        holder["sub"].cancel()

    holder["sub"] = bus.subscribe(ev.ConnectionStateChanged, once)
    bus.subscribe(ev.ConnectionStateChanged, lambda e: got.append("other"))
    bus.publish(_state())
    bus.publish(_state())
    assert got == ["once", "other", "other"]


async def test_async_subscriber_runs_on_the_loop(caplog: pytest.LogCaptureFixture) -> None:
    """An async callback is scheduled as a task; its failure is logged, not raised."""
    bus = EventBus()
    got: list[ev.Event] = []

    async def good(e: ev.Event) -> None:
        await asyncio.sleep(0)
        got.append(e)

    async def bad(e: ev.Event) -> None:
        raise RuntimeError("async failure")

    bus.subscribe(ev.ConnectionStateChanged, bad)
    bus.subscribe(ev.ConnectionStateChanged, good)
    with caplog.at_level(logging.ERROR):
        bus.publish(_state())
        for _ in range(5):
            await asyncio.sleep(0)
    assert got == [_state()]
    assert "async bus subscriber failed" in caplog.text


def test_events_are_immutable() -> None:
    """Events are frozen: a subscriber cannot change what the next one sees."""
    event = _state()
    with pytest.raises(AttributeError):
        event.account = "other@x.test"  # type: ignore[misc]
