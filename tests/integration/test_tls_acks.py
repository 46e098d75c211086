"""Integration test against the real Prosody: the stream goes on promptly after TLS."""

from __future__ import annotations

import socket
from asyncio import trsock
from collections.abc import Callable

import pytest

from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import account_config
from tuichat.bus import EventBus
from tuichat.model import ConnectionState
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


@pytest.mark.skipif(not hasattr(socket, "TCP_QUICKACK"), reason="TCP_QUICKACK is Linux's")
async def test_each_tls_handshake_asks_the_kernel_for_quick_acknowledgements(
    prosody: ProsodyServer, account: Callable[..., TestAccount], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After STARTTLS and after a direct TLS handshake alike, the socket acknowledges at once
    what the server sends (its session tickets), so the server's next answer does not wait up
    to 40 ms for a delayed acknowledgement."""
    asked: list[int] = []
    real = trsock.TransportSocket.setsockopt

    def recorded(self: trsock.TransportSocket, level: int, option: int, value: int) -> None:
        if (level, option) == (socket.IPPROTO_TCP, socket.TCP_QUICKACK):
            asked.append(self.fileno())
        real(self, level, option, value)

    monkeypatch.setattr(trsock.TransportSocket, "setsockopt", recorded)
    a, b = account("alice"), account("bob")
    manager = ConnectionManager(
        [
            account_config(prosody, a.jid, a.password),
            account_config(prosody, b.jid, b.password, direct_tls=True),
        ],
        Store.memory(),
        EventBus(),
    )
    await manager.start()
    try:
        states = await manager.wait_connected(15)
        assert set(states.values()) == {ConnectionState.CONNECTED}, states
        assert len(asked) == 2 and len(set(asked)) == 2, asked  # one per account's socket
    finally:
        await manager.stop()
