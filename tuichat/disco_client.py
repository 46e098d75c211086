"""Provides :class:`DiscoClient`: service discovery and feed requests the UI and the CLI make.

The connection manager implements it (through :class:`tuichat.xmpp.services_api.ServiceRequests`);
:class:`tuichat.client.ChatClient` includes it. New feed entries arrive as
``FeedEntriesReceived`` events. Every request fails with a :class:`tuichat.errors.ClientError`
whose text says why in words.

Caching: what an entity says of itself (disco#info) is asked once per connection and kept until
the stream restarts; an entity that announces entity capabilities (XEP-0115) in its presence is
answered from slixmpp's cache by its verification hash, so peers with the same software are
asked once. ``refresh=True`` asks again.
"""

from __future__ import annotations

from typing import Protocol

from tuichat.discovery import DiscoInfo, DiscoItem, Feed, FeedEntry


class DiscoClient(Protocol):
    """What the UI can ask about services and feeds. JIDs are strings; ``account`` first."""

    async def disco_info(
        self, account: str, jid: str, node: str = "", *, refresh: bool = False
    ) -> DiscoInfo:
        """What ``jid`` (or its ``node``) is and does: identities, features, extended forms."""
        ...

    async def disco_items(self, account: str, jid: str, node: str = "") -> list[DiscoItem]:
        """The items of ``jid`` (or of its ``node``), at most ``discovery.MAX_ITEMS``."""
        ...

    async def server_contacts(self, account: str) -> dict[str, tuple[str, ...]]:
        """The account's server's contact addresses (XEP-0157): ``abuse``, ``admin``… →
        addresses; empty when the server publishes none."""
        ...

    async def feed_nodes(self, account: str, service: str) -> list[DiscoItem]:
        """The nodes of a PubSub service (its disco items)."""
        ...

    async def read_feed(
        self, account: str, service: str, node: str, limit: int = 50
    ) -> list[FeedEntry]:
        """Fetch the newest ``limit`` entries of a node from the service, store them (each once)
        and return them oldest first."""
        ...

    async def subscribe_feed(self, account: str, service: str, node: str) -> None:
        """Subscribe to a node: its new entries arrive as ``FeedEntriesReceived``."""
        ...

    async def unsubscribe_feed(self, account: str, service: str, node: str) -> None:
        """Stop receiving a node's new entries (stored entries stay)."""
        ...

    def feeds(self, account: str) -> list[Feed]:
        """The feeds the store holds entries of, newest first, with unread counts."""
        ...

    def feed_entries(
        self, account: str, service: str, node: str, limit: int = 200
    ) -> list[FeedEntry]:
        """The stored entries of a feed, newest ``limit``, oldest first."""
        ...

    def mark_feed_read(self, account: str, service: str, node: str) -> None:
        """Every stored entry of the feed is read (its unread count becomes 0)."""
        ...
