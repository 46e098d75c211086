"""Provides helpers for the OMEMO integration tests: friends, managers, a second OMEMO device."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from slixmpp import JID

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import Recorder, account_config
from tuichat.bus import EventBus
from tuichat.config import AccountConfig
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


async def befriend(server: ProsodyServer, a: TestAccount, b: TestAccount) -> None:
    """Make ``a`` and ``b`` mutually subscribed (both approve automatically)."""
    async with (
        Peer.connect(server, a.jid, a.password) as pa,
        Peer.connect(server, b.jid, b.password) as pb,
    ):
        pa.subscribe(b.jid)
        await pa.wait_until(lambda: pa.subscription(b.jid) == "both", timeout=10)
        await pb.wait_until(lambda: pb.subscription(a.jid) == "both", timeout=10)


class Running:
    """A connection manager over a store, with a recorder of its events."""

    def __init__(self, configs: list[AccountConfig], store: Store) -> None:
        self.bus = EventBus()
        self.store = store
        self.rec = Recorder(self.bus)
        self.manager = ConnectionManager(configs, store, self.bus)

    async def ready(self, timeout: float = 20.0) -> None:
        """Every account connected, caught up, its OMEMO device published."""
        await self.manager.start()
        for session in self.manager.sessions.values():
            await asyncio.wait_for(session.synced.wait(), timeout)
            await self.manager.own_device(session.account)


@contextlib.asynccontextmanager
async def running(
    server: ProsodyServer,
    *accounts: TestAccount,
    path: Path | None = None,
    resource: str = "tc",
    timeout: float = 20.0,
) -> AsyncIterator[Running]:
    """Run tuichat's manager for ``accounts`` (a store at ``path``, or in memory), once each
    is caught up (within ``timeout`` seconds)."""
    store = Store.open(path) if path is not None else Store.memory()
    configs = [account_config(server, a.jid, a.password, resource=resource) for a in accounts]
    run = Running(configs, store)
    try:
        await run.ready(timeout)
        yield run
    finally:
        await run.manager.stop()
        store.close()


def archived_text(server: ProsodyServer) -> str:
    """Everything Prosody's archive files hold, as text (to look for plaintext in it)."""
    out = []
    for path in server.data_dir.rglob("*"):
        if path.is_file() and "archive" in str(path.relative_to(server.data_dir)):
            out.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(out)


class OtherDevice:
    """A plain slixmpp client with slixmpp-omemo: a second OMEMO device of an account."""

    def __init__(self, peer: Peer, plugin: Any) -> None:
        self.peer = peer
        self.plugin = plugin

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, server: ProsodyServer, account: TestAccount) -> AsyncIterator[OtherDevice]:
        from tests.integration.omemo_device import install_plain_omemo

        peer = Peer(server, f"{account.jid}/other", account.password)
        plugin = install_plain_omemo(peer.client)
        initialized = asyncio.get_running_loop().create_future()
        peer.client.add_event_handler(
            "omemo_initialized", lambda _e: initialized.done() or initialized.set_result(True)
        )
        await peer._login(15)
        await asyncio.wait_for(initialized, 20)
        try:
            yield cls(peer, plugin)
        finally:
            await peer.disconnect()

    async def send(self, to: str, body: str) -> str:
        """Send ``body`` encrypted to ``to``; return its id."""
        client = self.peer.client
        stanza = client.make_message(mto=JID(to), mbody=body, mtype="chat")
        stanza["origin_id"]["id"] = stanza["id"]
        encrypted, _errors = await self.plugin.encrypt_message(stanza, JID(to))
        encrypted.send()
        return str(stanza["id"])
