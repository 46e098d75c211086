"""Provides :func:`run_online`: connect one account through the app's manager, run a request
once it is connected, disconnect; failures become one line (exit 1)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from tuichat.bus import EventBus
from tuichat.cli import CliError
from tuichat.cli.context import new_bus
from tuichat.cli.waiting import wait_until
from tuichat.config import AccountConfig
from tuichat.store import Store

if TYPE_CHECKING:
    from tuichat.client import ChatClient

T = TypeVar("T")


async def run_online(
    account: AccountConfig,
    store: Store,
    timeout: float,
    action: Callable[[ChatClient], Awaitable[T]],
    *,
    bus: EventBus | None = None,
    ready: Callable[[], bool] | None = None,
    waiting_for: str = "connection",
) -> T:
    """Connect ``account``, run ``action(client)`` once connected (and ``ready()``, when
    given: the roster has come…), disconnect; within ``timeout`` seconds in all."""
    from tuichat.errors import ClientError
    from tuichat.xmpp.backoff import ONE_SHOT
    from tuichat.xmpp.manager import ConnectionManager

    manager = ConnectionManager([account], store, bus or new_bus(), retry=ONE_SHOT)
    session = manager.session(account.jid)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await manager.start()
    try:
        done = ready or session.connected.is_set
        if why := await wait_until(session, done, deadline, waiting_for):
            raise CliError(f"{account.jid}: {why}")
        try:
            return await asyncio.wait_for(action(manager), max(1.0, deadline - loop.time()))
        except ClientError as exc:
            raise CliError(f"{account.jid}: {exc}") from None
        except TimeoutError:
            raise CliError(
                f"{account.jid}: the server did not answer within {timeout:g} s"
            ) from None
    finally:
        await manager.stop()
