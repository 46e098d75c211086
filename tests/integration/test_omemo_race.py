"""Sending at once, while OMEMO starts (the encryption waits for it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import Recorder, account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.model import ConnectionState, Encryption
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


async def test_messages_sent_while_omemo_starts_arrive_encrypted(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Both sides write as soon as they are connected, before OMEMO is ready."""
    a, b = account("ann"), account("ben")
    bus, store = EventBus(), Store.memory()
    rec = Recorder(bus)
    configs = [account_config(prosody, x.jid, x.password) for x in (a, b)]
    manager = ConnectionManager(configs, store, bus)
    await manager.start()
    try:
        await rec.wait(
            ev.ConnectionStateChanged, lambda e: e.state is ConnectionState.CONNECTED, count=2
        )
        for n in range(3):
            await manager.send_message(a.jid, b.jid, f"a {n}")
            await manager.send_message(b.jid, a.jid, f"b {n}")
        try:
            await rec.wait(ev.MessageReceived, count=6, timeout=30)
        except AssertionError:
            for task in asyncio.all_tasks():
                task.print_stack()
            raise
        rows = store.history(b.jid, a.jid)
        assert sorted(m.body for m in rows) == sorted(
            [f"a {n}" for n in range(3)] + [f"b {n}" for n in range(3)]
        )
        assert all(m.encryption is Encryption.OMEMO for m in rows)
    finally:
        await manager.stop()
