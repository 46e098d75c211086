"""Integration test against the real Prosody: the stream goes on promptly after TLS."""

from __future__ import annotations

import socket
from asyncio import trsock
from collections.abc import Callable

import pytest
from slixmpp.xmlstream.xmlstream import XMLStream

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
    to 40 ms for a delayed acknowledgement: asked as the handshake ends, and asked again once
    our new stream header is out (sending it re-arms the delayed acknowledgement)."""
    seen: list[tuple[str, int]] = []
    real = trsock.TransportSocket.setsockopt
    real_send = XMLStream.send_raw

    def recorded(self: trsock.TransportSocket, level: int, option: int, value: int) -> None:
        if (level, option) == (socket.IPPROTO_TCP, socket.TCP_QUICKACK):
            seen.append(("ack", self.fileno()))
        real(self, level, option, value)

    def sent(self: XMLStream, data: str | bytes) -> None:
        real_send(self, data)
        if str(data).startswith("<stream:stream"):
            seen.append(("header", self.transport.get_extra_info("socket").fileno()))

    monkeypatch.setattr(trsock.TransportSocket, "setsockopt", recorded)
    monkeypatch.setattr(XMLStream, "send_raw", sent)
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
        sockets = {fd for what, fd in seen if what == "ack"}
        assert len(sockets) == 2, seen  # each account's socket
        for fd in sockets:
            mine = [what for what, other in seen if other == fd]
            first_ack = mine.index("ack")
            # the handshake's end, then our stream header, then the second request
            assert mine[first_ack : first_ack + 3] == ["ack", "header", "ack"], mine
    finally:
        await manager.stop()
