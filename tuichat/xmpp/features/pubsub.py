"""Provides :class:`Feeds`: PubSub nodes read as feeds of Atom entries (XEP-0060, XEP-0277
style) for one session: read a node, subscribe, unsubscribe, and take notifications.

Trust rule: a notification is taken only from the bare JID of a service, for a node the account
subscribed to (remembered in the store's settings, so it holds across runs) or holds entries
of; anyone else's "notification" is dropped. Entries are stored once each (unique on the item
id within the node, see :mod:`tuichat.store.feeds`) and only the new ones are announced, as
``FeedEntriesReceived``.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

from tuichat import events as ev
from tuichat.discovery import MAX_ENTRIES, FeedEntry
from tuichat.model import JID, InvalidJID, utcnow
from tuichat.xmpp.errors import map_exceptions
from tuichat.xmpp.features import disco_parse

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_EVENT = "http://jabber.org/protocol/pubsub#event"
TIMEOUT = 20.0
PLUGINS = ("xep_0004", "xep_0030", "xep_0059", "xep_0060")


def _setting(account: str) -> str:
    return f"feeds.subscribed.{account}"


def entries_of(service: str, items: Element | None, *, limit: int = MAX_ENTRIES) -> list[FeedEntry]:
    """The Atom entries of a PubSub ``<items/>`` (of a result or a notification), in document
    order, at most ``limit``; items of another payload are skipped."""
    if items is None:
        return []
    node = str(items.get("node") or "")
    now = utcnow()
    found = []
    for item in items:
        if item.tag.rpartition("}")[2] != "item":
            continue
        entry = disco_parse.atom_entry(service, node, str(item.get("id") or ""), item, now)
        if entry is not None:
            found.append(entry)
            if len(found) >= limit:
                break
    return found


class Feeds:
    """One session's feeds: requests and the notification handler."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.subscribed: set[tuple[str, str]] = self._load()
        """(service, node) pairs this account subscribed to through tuichat."""

    @property
    def _pubsub(self) -> Any:
        return self.session.client.plugin["xep_0060"]

    def _load(self) -> set[tuple[str, str]]:
        saved = self.session.store.get_setting(_setting(self.session.account))
        try:
            return {(str(s), str(n)) for s, n in json.loads(saved or "[]")}
        except (ValueError, TypeError):
            return set()

    def _save(self) -> None:
        pairs = sorted(self.subscribed)
        self.session.store.set_setting(_setting(self.session.account), json.dumps(pairs))

    def store_entries(self, service: str, node: str, entries: list[FeedEntry]) -> list[FeedEntry]:
        """Store entries, announce the new ones; return the new ones."""
        new = self.session.store.save_feed_entries(self.session.account, entries)
        if new:
            self.session.bus.publish(
                ev.FeedEntriesReceived(self.session.account, service, node, tuple(new))
            )
        return new

    async def read(self, service: str, node: str, limit: int) -> list[FeedEntry]:
        """The newest ``limit`` entries of a node, oldest first, stored on the way."""
        with map_exceptions(f"read the feed {node} of {service}"):
            iq = await self._pubsub.get_items(service, node, max_items=limit, timeout=TIMEOUT)
        items = iq.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}items")
        entries = entries_of(service, items, limit=limit)
        entries.sort(key=lambda e: e.published)  # stable: same dates keep the service's order
        self.store_entries(service, node, entries)
        return entries

    async def subscribe(self, service: str, node: str) -> None:
        """Subscribe our bare JID to a node and remember it."""
        with map_exceptions(f"subscribe to the feed {node} of {service}"):
            await self._pubsub.subscribe(service, node, timeout=TIMEOUT)
        self.subscribed.add((service, node))
        self._save()

    async def unsubscribe(self, service: str, node: str) -> None:
        """Unsubscribe from a node and forget it."""
        with map_exceptions(f"unsubscribe from the feed {node} of {service}"):
            await self._pubsub.unsubscribe(service, node, timeout=TIMEOUT)
        self.subscribed.discard((service, node))
        self._save()

    def _trusted(self, service: str, node: str) -> bool:
        if (service, node) in self.subscribed:
            return True
        return any(
            (f.service, f.node) == (service, node)
            for f in self.session.store.feeds(self.session.account)
        )

    def on_publish(self, msg: Any) -> None:
        """A PubSub notification (``pubsub_publish``): store and announce its new entries."""
        items = msg.xml.find(f"{{{NS_EVENT}}}event/{{{NS_EVENT}}}items")
        try:
            sender = JID.parse(str(msg["from"]))
        except InvalidJID:
            return
        node = str(items.get("node") or "") if items is not None else ""
        service = str(sender)
        if not sender.is_bare or not node or not self._trusted(service, node):
            log.info("%s: dropped a feed notification from %s", self.session.account, service)
            return
        self.store_entries(service, node, entries_of(service, items))


def install(session: Session) -> Feeds:
    """Give the session's new client feeds (``session.feeds``)."""
    for plugin in PLUGINS:
        session.client.register_plugin(plugin)
    session.feeds = Feeds(session)
    return session.feeds
