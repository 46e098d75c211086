"""Provides XEP-0410 MUC self-ping: noticing a room we silently dropped out of.

A room can lose us without telling (a restart of the chat service, a lost presence). Every
``interval`` seconds of silence in a room we ping our own occupant JID; the room answers for
us only while we are in it. :func:`ping_outcome` reads the answer (pure), :class:`SelfPinger`
runs the schedule and calls back for the rooms to rejoin.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)

INTERVAL = 300.0
"""Seconds of silence in a room before we ping ourselves there (XEP-0410 suggests minutes)."""


class PingOutcome(StrEnum):
    """What a self-ping says about our presence in a room."""

    JOINED = "joined"
    GONE = "gone"
    UNKNOWN = "unknown"
    """The room or the service did not answer: try again later, do not rejoin yet."""


def ping_outcome(condition: str | None) -> PingOutcome:
    """Read a self-ping answer: ``None`` (a result) or the error condition (XEP-0410 §3.2)."""
    if condition is None:
        return PingOutcome.JOINED
    if condition in ("service-unavailable", "feature-not-implemented", "item-not-found"):
        return PingOutcome.JOINED  # the occupant's client answered, or another of our clients
    if condition in ("remote-server-not-found", "remote-server-timeout", "timeout"):
        return PingOutcome.UNKNOWN
    return PingOutcome.GONE  # not-acceptable (not an occupant) and anything else


async def self_ping(client: Any, occupant: str, timeout: float = 30.0) -> PingOutcome:
    """Ping our own occupant JID ``room@service/nick`` once and say what it means."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        await client.plugin["xep_0199"].send_ping(occupant, timeout=timeout)
    except IqTimeout:
        return ping_outcome("timeout")
    except IqError as exc:
        return ping_outcome(exc.condition or "undefined-condition")
    return ping_outcome(None)


class SelfPinger:
    """Pings each quiet room every ``interval`` seconds; rejoins the ones that lost us."""

    def __init__(
        self,
        client: Any,
        rooms: Callable[[], Iterable[tuple[str, str, float]]],
        rejoin: Callable[[str], Awaitable[object]],
        *,
        interval: float = INTERVAL,
        timeout: float = 30.0,
    ) -> None:
        """``rooms()`` yields ``(room, occupant_jid, last_activity_monotonic)`` of joined rooms."""
        self.client = client
        self.rooms = rooms
        self.rejoin = rejoin
        self.interval = interval
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the schedule (no-op when running)."""
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    def stop(self) -> None:
        """Stop the schedule."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def check(self, *, all_rooms: bool = False) -> dict[str, PingOutcome]:
        """Ping every quiet room (``all_rooms``: every room) now; rejoin those that lost us."""
        now = time.monotonic()
        due = [
            (room, occupant)
            for room, occupant, last in self.rooms()
            if all_rooms or now - last >= self.interval
        ]
        outcomes = await asyncio.gather(
            *(self_ping(self.client, occupant, self.timeout) for _room, occupant in due)
        )
        result = {room: outcome for (room, _o), outcome in zip(due, outcomes, strict=True)}
        for room, outcome in result.items():
            if outcome == PingOutcome.GONE:
                log.info("self-ping: no longer in %s; rejoining", room)
                try:
                    await self.rejoin(room)
                except Exception as exc:  # RoomError: the rejoin published why
                    log.info("rejoining %s failed: %s", room, exc)
        return result

    async def _run(self) -> None:
        step = max(1.0, min(self.interval / 4, 60.0))
        while True:
            await asyncio.sleep(step)
            try:
                await self.check()
            except Exception:  # a failed round must not end the schedule
                log.exception("self-ping round failed")
