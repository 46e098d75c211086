"""Provides :class:`Waiters`: futures for an outgoing message reaching a state (the CLI's
``send --wait acked|delivered|displayed``), settled by the sender's one store-then-publish
place as each change happens."""

from __future__ import annotations

import asyncio

from tuichat.errors import ClientError
from tuichat.model import Message, MessageState
from tuichat.xmpp.delivery_rules import OUTGOING_ORDER


def reached(state: MessageState, target: MessageState) -> bool:
    """Whether a message in ``state`` has got at least as far as ``target``."""
    if state not in OUTGOING_ORDER or target not in OUTGOING_ORDER:
        return state is target
    return OUTGOING_ORDER.index(state) >= OUTGOING_ORDER.index(target)


class Waiters:
    """Who waits for which message (by its stanza id) to reach which state."""

    def __init__(self) -> None:
        self._by_key: dict[str, list[tuple[MessageState, asyncio.Future[Message]]]] = {}

    def add(self, key: str, target: MessageState) -> asyncio.Future[Message]:
        """A future for message ``key`` reaching ``target``: the row then, or
        :class:`ClientError` saying why it failed."""
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._by_key.setdefault(key, []).append((target, future))
        return future

    def settle(self, key: str, row: Message | None, reason: str = "") -> None:
        """Message ``key`` is now as ``row`` says (``None``: gone): settle whoever waited for
        that state, or for less; a failure settles everyone with ``reason``."""
        waiting = self._by_key.pop(key, [])
        kept = []
        for target, future in waiting:
            if future.done():
                continue
            if row is None or row.state is MessageState.FAILED:
                future.set_exception(ClientError(reason or "the message was not sent"))
            elif reached(row.state, target):
                future.set_result(row)
            else:
                kept.append((target, future))
        if kept:
            self._by_key[key] = kept
