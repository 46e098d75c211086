"""Provides :class:`ServiceRequests`: the service discovery and feed requests of the manager.

A mixin: :class:`~tuichat.xmpp.manager.ConnectionManager` inherits it, so the UI (through
:class:`tuichat.disco_client.DiscoClient`) and the headless commands (``tuichat disco``,
``tuichat feed``) ask the same way. Failures raise :class:`~tuichat.errors.ClientError` in
words; a request typed while the account still connects waits for it (10 s).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from tuichat.discovery import MAX_ENTRIES, DiscoInfo, DiscoItem, Feed, FeedEntry, server_contacts
from tuichat.errors import ClientError, NotConnected
from tuichat.model import JID, ConnectionState, InvalidJID

if TYPE_CHECKING:
    from tuichat.xmpp.features.disco import Disco
    from tuichat.xmpp.features.pubsub import Feeds
    from tuichat.xmpp.session import Session

CONNECT_WAIT = 10.0


def _jid(text: str) -> str:
    try:
        return str(JID.parse(text))
    except InvalidJID as exc:
        raise ClientError(str(exc)) from None


class ServiceRequests:
    """Disco (XEP-0030, XEP-0115, XEP-0157) and feeds (XEP-0060) on the manager's sessions."""

    if TYPE_CHECKING:

        def session(self, account: str) -> Session:
            """The session of ``account``."""
            ...

    async def _online(self, account: str) -> Session:
        session = self.session(account)
        if not session.connected.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(session.connected.wait(), CONNECT_WAIT)
        if session.state != ConnectionState.CONNECTED:
            raise NotConnected(f"{session.account} is not connected")
        return session

    async def _disco(self, account: str) -> Disco:
        disco = (await self._online(account)).disco
        if disco is None:
            raise ClientError(f"{account} has no service discovery (not started?)")
        return disco

    async def _feeds(self, account: str) -> Feeds:
        feeds = (await self._online(account)).feeds
        if feeds is None:
            raise ClientError(f"{account} has no feed support (not started?)")
        return feeds

    async def disco_info(
        self, account: str, jid: str, node: str = "", *, refresh: bool = False
    ) -> DiscoInfo:
        """What ``jid`` (``node``) is and does (cached for the stream, see ``Disco``)."""
        return await (await self._disco(account)).info(_jid(jid), node, refresh=refresh)

    async def disco_items(self, account: str, jid: str, node: str = "") -> list[DiscoItem]:
        """The items of ``jid`` (``node``)."""
        return await (await self._disco(account)).items(_jid(jid), node)

    async def server_contacts(self, account: str) -> dict[str, tuple[str, ...]]:
        """The account's server's contact addresses (XEP-0157)."""
        domain = JID.parse(self.session(account).account).domain
        return server_contacts(await self.disco_info(account, domain))

    async def feed_nodes(self, account: str, service: str) -> list[DiscoItem]:
        """The nodes of a PubSub service."""
        return [i for i in await self.disco_items(account, service) if i.node]

    async def read_feed(
        self, account: str, service: str, node: str, limit: int = 50
    ) -> list[FeedEntry]:
        """Fetch, store and return a node's newest ``limit`` entries, oldest first."""
        if not node:
            raise ClientError("a feed needs a node name")
        limit = max(1, min(limit, MAX_ENTRIES))
        return await (await self._feeds(account)).read(_jid(service), node, limit)

    async def subscribe_feed(self, account: str, service: str, node: str) -> None:
        """Subscribe to a node (new entries then arrive as ``FeedEntriesReceived``)."""
        await (await self._feeds(account)).subscribe(_jid(service), node)

    async def unsubscribe_feed(self, account: str, service: str, node: str) -> None:
        """Unsubscribe from a node."""
        await (await self._feeds(account)).unsubscribe(_jid(service), node)

    def feeds(self, account: str) -> list[Feed]:
        """The feeds the store holds entries of."""
        session = self.session(account)
        return session.store.feeds(session.account)

    def feed_entries(
        self, account: str, service: str, node: str, limit: int = 200
    ) -> list[FeedEntry]:
        """A feed's stored entries, newest ``limit``, oldest first."""
        session = self.session(account)
        return session.store.feed_entries(session.account, service, node, limit)

    def mark_feed_read(self, account: str, service: str, node: str) -> None:
        """Every stored entry of the feed is read."""
        session = self.session(account)
        session.store.mark_feed_read(session.account, service, node)
