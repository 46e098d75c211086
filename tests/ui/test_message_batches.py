"""Pilot tests of received messages shown in batches (the fake client's bus, no server).

A burst of ``MessageReceived`` events is shown with one append to the log, in order, each
message once; another event published after a message is applied after it (it must not
overtake it); a flood bigger than the log keeps only the newest page loaded while the reader
follows it, and the rest comes back from the store when the reader scrolls up.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME, incoming
from tests.ui.helpers import log_text, main_screen
from tests.ui.room_app import ROOM, make_room_app
from tuichat.events import MessageReceived, OccupantLeft
from tuichat.model import ConversationKind, Direction, Message
from tuichat.ui.widgets.message_log import FLOOD_KEEP, MAX_FOLLOWED, MessageLog


def stored(ui: UI, messages: list[Message]) -> list[Message]:
    """Store ``messages`` as the session would before announcing them."""
    return ui.store.save_messages(messages)


def count_calls(obj: Any, name: str) -> list[int]:
    """Count the calls of ``obj.name`` from now on."""
    calls = [0]
    original = getattr(obj, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(obj, name, counted)
    return calls


async def test_a_burst_is_shown_in_one_append_in_order_each_once(ui: UI) -> None:
    """Thirty messages published at once (one repeated): one layout step, each shown once."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        log = screen.query_one(MessageLog)
        appends = count_calls(log, "append_many")
        singles = count_calls(log, "append")
        burst = stored(ui, [incoming(ALICE, f"burst {n}", 100 + n) for n in range(30)])
        for message in burst:
            ui.client.bus.publish(MessageReceived(ME, message))
        ui.client.bus.publish(MessageReceived(ME, burst[3]))  # the same stored row again
        await pilot.pause(0.2)
        bodies = [m.body for m in log.messages if m.body.startswith("burst ")]
        assert bodies == [f"burst {n}" for n in range(30)]
        lines = [line.rstrip() for line in log_text(pilot).splitlines()]
        assert sum(line.endswith(" burst 3") for line in lines) == 1
        assert (appends[0], singles[0]) == (1, 0)


async def test_an_event_after_a_message_does_not_overtake_it(tmp_path: Path) -> None:
    """An occupant's last words, then the occupant leaving: the log shows them in that order
    (the leave notice waits for the message batched before it)."""
    app, client, clock = make_room_app("dark", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        for _ in range(100):
            if screen.convs.current == (ME, ROOM):
                break
            await pilot.pause(0.02)
        await pilot.pause(0.2)
        last = Message(
            account=ME,
            conversation=ROOM,
            direction=Direction.IN,
            sender=f"{ROOM}/zoe",
            body="bye all",
            timestamp=clock.now - timedelta(seconds=1),
            kind=ConversationKind.GROUPCHAT,
            stanza_id="zoe-last",
            nick="zoe",
        )
        [message] = client.store.save_messages([last])
        client.bus.publish(MessageReceived(ME, message))
        client.bus.publish(OccupantLeft(ME, ROOM, "zoe"))
        await pilot.pause(0.2)
        lines = [line.rstrip() for line in log_text(pilot).splitlines()]
        said = next(i for i, line in enumerate(lines) if line.endswith("bye all"))
        left = next(i for i, line in enumerate(lines) if line.endswith("← zoe left"))
        assert said < left


async def test_a_flood_keeps_the_newest_loaded_and_the_rest_comes_back_from_the_store(
    ui: UI,
) -> None:
    """A flood of 200 while following: the newest page is loaded; scrolling up reloads the
    rest from the store, every message once and in order."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        log = screen.query_one(MessageLog)
        flood = stored(ui, [incoming(ALICE, f"flood {n}", 300 + n) for n in range(200)])
        for message in flood:
            ui.client.bus.publish(MessageReceived(ME, message))
        await pilot.pause(0.2)

        def numbers() -> list[int]:
            return [int(m.body.split()[1]) for m in log.messages if m.body.startswith("flood ")]

        assert numbers() == list(range(200 - FLOOD_KEEP, 200))
        assert log.has_more and log.is_at_bottom
        for _ in range(10):
            if numbers()[:1] == [0]:
                break
            log.scroll_home(animate=False, immediate=True)
            await pilot.pause(0.2)
        assert numbers() == list(range(200))


async def test_a_long_followed_stream_lets_go_of_the_oldest_loaded(ui: UI) -> None:
    """700 messages in small batches while following: at most MAX_FOLLOWED stay loaded, the
    view stays at the newest, and scrolling up brings back every one, once, in order."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        log = screen.query_one(MessageLog)
        stream = stored(ui, [incoming(ALICE, f"flood {n}", 1000 + n) for n in range(700)])
        for start in range(0, 700, 20):
            for message in stream[start : start + 20]:
                ui.client.bus.publish(MessageReceived(ME, message))
            await pilot.pause()

        def numbers() -> list[int]:
            return [int(m.body.split()[1]) for m in log.messages if m.body.startswith("flood ")]

        await pilot.pause(0.2)
        assert len(log.messages) <= MAX_FOLLOWED
        assert numbers()[-1] == 699 and numbers() == sorted(set(numbers()))
        assert log.is_at_bottom and log.unseen == 0
        for _ in range(20):
            if numbers()[:1] == [0]:
                break
            log.scroll_home(animate=False, immediate=True)
            await pilot.pause(0.1)
        assert numbers() == list(range(700))


async def test_a_keystroke_is_painted_before_messages_that_came_with_it(ui: UI) -> None:
    """Keystrokes first: messages received while a typed key waits for its frame reach the
    log only after that frame, and then all together; nothing is lost or shown twice."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await pilot.pause(0.3)
        pane = screen.view
        log, composer, keys = pane.message_log, pane.composer, pane.keys_first
        assert composer.keys is keys and screen.received.keys is keys
        keys.max_hold = 10.0  # a loaded machine may take longer than MAX_HOLD to paint
        order: list[str] = []
        burst = stored(ui, [incoming(ALICE, f"during {n}", 300 + n) for n in range(5)])
        original_display, original_key, original_append = ui.app._display, keys.key, log.append_many

        def display(shown: Any, update: Any) -> None:
            original_display(shown, update)
            if composer.text == "x" and "key" not in order:
                order.append("key")

        def key() -> None:  # the messages come with the key
            original_key()
            for message in burst:
                ui.client.bus.publish(MessageReceived(ME, message))

        def append_many(messages: Any) -> None:
            order.append(f"log {len(messages)}")
            original_append(messages)

        ui.app._display = display  # type: ignore[method-assign]
        keys.key = key  # type: ignore[method-assign]
        log.append_many = append_many  # type: ignore[method-assign]
        await pilot.press("x")
        await pilot.pause(0.2)
        assert order == ["key", "log 5"]
        assert not keys.pending
        bodies = [m.body for m in log.messages if m.body.startswith("during ")]
        assert bodies == [f"during {n}" for n in range(5)]
