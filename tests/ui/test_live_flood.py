"""Pilot test of a room flood against the real Prosody: the real manager, a real flooding peer.

A peer posts a few hundred messages to a room as fast as it can while the room is in view.
Every message must be stored once and be shown once, in the order the room sent them (the
reader can scroll up through all of them), and the flood must be handled in batches: far
fewer store transactions and log repaints than messages (the issue: one transaction and one
re-measure per message starved the keyboard).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.ui.helpers import main_screen
from tests.ui.test_live_prosody import live_app, until
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.message_log import MessageLog

MakeAccount = Callable[..., TestAccount]
FLOOD = 300


def flood_numbers(log: MessageLog) -> list[int]:
    """The numbers of the flood messages the log holds, in the order it shows them."""
    return [int(m.body.split()[1]) for m in log.messages if m.body.startswith("flood ")]


async def test_room_flood_is_stored_and_shown_once_in_order_in_batches(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount
) -> None:
    """300 room messages at once: each stored once and shown once in order, with far fewer
    transactions and log repaints than messages, and typing still reaches the composer."""
    me, bob = account("me"), account("bob")
    room = f"flood-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"
    async with Peer.connect(prosody, bob.jid, bob.password) as pb:
        await pb.join_room(room, "Bob")
        async with live_app(tmp_path, prosody, me) as live:
            pilot = live.pilot
            screen = main_screen(pilot)
            await live.line(f"/join {room}/Meg")
            await until(pilot, lambda: screen.convs.current == (me.jid, room), what="room view")
            await until(pilot, lambda: "Bob" in screen.rooms.rooms[(me.jid, room)].occupants)
            log = screen.query_one(MessageLog)

            commits: list[str] = []
            live.store._conn.set_trace_callback(
                lambda sql: commits.append(sql) if sql == "COMMIT" else None
            )
            repaints = [0]
            refresh = log.refresh

            def counting_refresh(*args: Any, **kwargs: Any) -> Any:
                repaints[0] += 1
                return refresh(*args, **kwargs)

            log.refresh = counting_refresh  # type: ignore[method-assign]

            for n in range(FLOOD):
                pb.send_room(room, f"flood {n} from bob")
            composer = screen.query_one(Composer)
            composer.focus()
            await pilot.press("h", "i")  # typed while the flood comes in
            await until(
                pilot,
                lambda: flood_numbers(log)[-1:] == [FLOOD - 1],
                timeout=60,
                what="the whole flood shown",
            )
            live.store._conn.set_trace_callback(None)
            log.refresh = refresh  # type: ignore[method-assign]
            assert composer.text == "hi"

            stored = [
                m.body for m in live.store.history(me.jid, room) if m.body.startswith("flood ")
            ]
            assert stored == [f"flood {n} from bob" for n in range(FLOOD)]
            assert len(commits) < FLOOD / 4, f"{len(commits)} transactions for {FLOOD} messages"
            # One repaint per message before batching; a busy machine makes smaller batches
            # (at most 20 a second), so the bound leaves room for that.
            assert repaints[0] < FLOOD / 2, f"{repaints[0]} log repaints for {FLOOD} messages"

            shown = flood_numbers(log)
            assert shown == sorted(set(shown))  # once each, in order, up to the newest
            for _ in range(10):  # the reader scrolls up through all of them
                if flood_numbers(log)[:1] == [0]:
                    break
                log.scroll_home(animate=False, immediate=True)
                await pilot.pause(0.2)
            assert flood_numbers(log) == list(range(FLOOD))
