"""Provides the event bus that carries facts from the XMPP layer to whoever listens.

Rule: delivery runs on the asyncio loop the app and slixmpp share. A subscriber that raises is
logged and the others still get the event; an async subscriber is run as a task.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tuichat.events import Event

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Callback = Callable[[E], Awaitable[None] | None]


@dataclass(eq=False)
class Subscription:
    """A handle on one subscription; :meth:`cancel` ends it (twice is harmless)."""

    bus: EventBus
    event_type: type[Event]
    callback: Callable[[Any], Awaitable[None] | None]
    active: bool = True

    def cancel(self) -> None:
        """Stop delivering events to this subscriber."""
        if self.active:
            self.active = False
            self.bus._remove(self)


@dataclass
class EventBus:
    """Publish/subscribe by event type; a subscriber to a base class gets its subclasses too."""

    _subs: dict[type[Event], list[Subscription]] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def subscribe(self, event_type: type[E], callback: Callback[E]) -> Subscription:
        """Call ``callback(event)`` for every published event that is an ``event_type``."""
        sub = Subscription(self, event_type, callback)
        self._subs.setdefault(event_type, []).append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.event_type, [])
        if sub in subs:
            subs.remove(sub)

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber of its type or of one of its base types."""
        for cls in type(event).__mro__:
            for sub in list(self._subs.get(cls, ())):
                if sub.active:
                    self._deliver(sub, event)

    def _deliver(self, sub: Subscription, event: Event) -> None:
        try:
            result = sub.callback(event)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(self._task_done)
        except Exception:
            log.exception("bus subscriber %r failed on %s", sub.callback, type(event).__name__)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("async bus subscriber failed", exc_info=task.exception())
