"""Provides the one way a headless command waits on a session: until something is done, the
store fails, the account fails for good, or the time is up; and what to say when it stops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

POLL = 0.05
"""Seconds between two looks (the session works on the same loop meanwhile)."""


async def wait_until(
    session: Session, done: Callable[[], bool], deadline: float, waiting_for: str
) -> str:
    """Wait until ``done()``; ``""`` then, else why not in words: the store's failure, the
    account's final state, or that ``waiting_for`` ("an acknowledgement"…) did not come by
    ``deadline`` (the loop's clock)."""
    loop = asyncio.get_running_loop()
    while not done():
        if session.store.failure is not None:
            return str(session.store.failure)
        if session.state.is_terminal:
            return f"{session.state.value}: {session.reason}"
        if loop.time() > deadline:
            how = session.reason or session.state.value
            return f"no {waiting_for} in time ({how})"
        await asyncio.sleep(POLL)
    return ""
