"""Provides small helpers for integration tests that drive tuichat's own connection manager."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tests.harness.prosody import ProsodyServer, TestAccount
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.config import AccountConfig, PasswordSource, TLSMode
from tuichat.store import Store

if TYPE_CHECKING:
    from tuichat.xmpp.manager import ConnectionManager

E = TypeVar("E", bound=ev.Event)


def account_config(
    server: ProsodyServer,
    jid: str,
    password: str,
    *,
    direct_tls: bool = False,
    port: int | None = None,
    ca_file: Path | None = None,
    resource: str = "tuichat",
) -> AccountConfig:
    """An account that points at the test server (trusting its CA unless told otherwise)."""
    tls = TLSMode.DIRECT if direct_tls else TLSMode.STARTTLS
    default_port = server.direct_tls_port if direct_tls else server.starttls_port
    return AccountConfig(
        jid=jid,
        password=PasswordSource("plain", password),
        host=server.host,
        port=port or default_port,
        tls=tls,
        ca_file=ca_file if ca_file is not None else server.ca_file,
        resource=resource,
    )


class Recorder:
    """Collects every event published on a bus, and waits for the ones a test expects."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[ev.Event] = []
        self._changed = asyncio.Event()
        bus.subscribe(ev.Event, self._on_event)

    def _on_event(self, event: ev.Event) -> None:
        self.events.append(event)
        self._changed.set()

    def of(self, kind: type[E], pred: Callable[[E], bool] = lambda e: True) -> list[E]:
        """Recorded events of ``kind`` that satisfy ``pred``."""
        return [e for e in self.events if isinstance(e, kind) and pred(e)]

    async def wait(
        self,
        kind: type[E],
        pred: Callable[[E], bool] = lambda e: True,
        *,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[E]:
        """Wait until ``count`` events of ``kind`` matching ``pred`` were published."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(found := self.of(kind, pred)) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [type(e).__name__ for e in self.events[-15:]]
                raise AssertionError(
                    f"waited {timeout} s for {count} {kind.__name__}, got {len(found)}; "
                    f"last events: {seen}; {self.events[-5:]}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))
        return found


async def started_manager(
    prosody: ProsodyServer, me: TestAccount, store: Store | None = None
) -> tuple[ConnectionManager, Recorder]:
    """tuichat's manager for ``me`` over ``store`` (default: in memory), connected, with a
    recorder of its events."""
    from tuichat.model import ConnectionState
    from tuichat.xmpp.manager import ConnectionManager

    bus = EventBus()
    rec = Recorder(bus)
    config = account_config(prosody, me.jid, me.password)
    manager = ConnectionManager([config], store or Store.memory(), bus)
    await manager.start()
    assert set((await manager.wait_connected(15)).values()) == {ConnectionState.CONNECTED}
    return manager, rec


def fetch_https(url: str, ca_file: Path) -> bytes:
    """The bytes at ``url``, over https verified with the test CA ``ca_file``."""
    context = ssl.create_default_context(cafile=str(ca_file))
    with urllib.request.urlopen(url, context=context, timeout=10) as answer:
        return bytes(answer.read())
