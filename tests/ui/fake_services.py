"""Provides :class:`ServiceFakes`: the service discovery and feed requests of the UI tests'
FakeClient (a mixin, so ``fakes.py`` stays small), over canned answers in :class:`FakeDisco`.

Feeds use the real store, as the manager does: ``read_feed`` stores the canned entries and
publishes ``FeedEntriesReceived`` for the new ones; :meth:`ServiceFakes.notify_entries` plays
a notification of a subscribed node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tuichat.discovery import DiscoInfo, DiscoItem, Feed, FeedEntry, server_contacts
from tuichat.errors import ClientError, GatewayError
from tuichat.events import FeedEntriesReceived
from tuichat.forms import Form, check_form
from tuichat.gateway_client import Registration

if TYPE_CHECKING:
    from tuichat.bus import EventBus
    from tuichat.store import Store


@dataclass
class FakeDisco:
    """Canned answers: what each (JID, node) is, holds, and publishes."""

    infos: dict[tuple[str, str], DiscoInfo] = field(default_factory=dict)
    items: dict[tuple[str, str], list[DiscoItem]] = field(default_factory=dict)
    entries: dict[tuple[str, str], list[FeedEntry]] = field(default_factory=dict)
    """(service, node) → what ``read_feed`` finds on the service."""
    asked: list[tuple[str, str]] = field(default_factory=list)
    """Every disco#info question, in order."""


class ServiceFakes:
    """The :class:`tuichat.disco_client.DiscoClient` half of the FakeClient."""

    disco_data: FakeDisco
    store: Store
    bus: EventBus
    calls: list[tuple[Any, ...]]

    if TYPE_CHECKING:

        def _check(self, name: str) -> None: ...

    async def disco_info(
        self, account: str, jid: str, node: str = "", *, refresh: bool = False
    ) -> DiscoInfo:
        """The canned info; an unknown entity is refused like a server would."""
        self.disco_data.asked.append((jid, node))
        self._check("disco_info")
        found = self.disco_data.infos.get((jid, node))
        if found is None:
            raise ClientError(f"cannot discover {jid}: it does not exist")
        return found

    async def disco_items(self, account: str, jid: str, node: str = "") -> list[DiscoItem]:
        """The canned items (none for an unknown entity)."""
        self._check("disco_items")
        return list(self.disco_data.items.get((jid, node), []))

    async def server_contacts(self, account: str) -> dict[str, tuple[str, ...]]:
        """The contacts of the account's domain's canned info."""
        self._check("server_contacts")
        info = self.disco_data.infos.get((account.partition("@")[2], ""))
        return server_contacts(info) if info is not None else {}

    async def feed_nodes(self, account: str, service: str) -> list[DiscoItem]:
        """The canned items that are nodes."""
        return [i for i in await self.disco_items(account, service) if i.node]

    async def read_feed(
        self, account: str, service: str, node: str, limit: int = 50
    ) -> list[FeedEntry]:
        """Store the canned entries, announce the new ones, return them."""
        self.calls.append(("read_feed", account, service, node))
        self._check("read_feed")
        entries = self.disco_data.entries.get((service, node), [])[-limit:]
        self.notify_entries(account, service, node, entries)
        return entries

    def notify_entries(
        self, account: str, service: str, node: str, entries: list[FeedEntry]
    ) -> list[FeedEntry]:
        """Store entries as the manager does on a notification; announce the new ones."""
        new = self.store.save_feed_entries(account, entries)
        if new:
            self.bus.publish(FeedEntriesReceived(account, service, node, tuple(new)))
        return new

    async def subscribe_feed(self, account: str, service: str, node: str) -> None:
        """Record the call."""
        self.calls.append(("subscribe_feed", account, service, node))
        self._check("subscribe_feed")

    async def unsubscribe_feed(self, account: str, service: str, node: str) -> None:
        """Record the call."""
        self.calls.append(("unsubscribe_feed", account, service, node))
        self._check("unsubscribe_feed")

    def feeds(self, account: str) -> list[Feed]:
        """From the store."""
        return self.store.feeds(account)

    def feed_entries(
        self, account: str, service: str, node: str, limit: int = 200
    ) -> list[FeedEntry]:
        """From the store."""
        return self.store.feed_entries(account, service, node, limit)

    def mark_feed_read(self, account: str, service: str, node: str) -> None:
        """In the store."""
        self.store.mark_feed_read(account, service, node)


@dataclass
class FakeGateways:
    """Canned gateways: domain → its registration form; who registered with what."""

    forms: dict[str, Registration] = field(default_factory=dict)
    registered: dict[str, Form] = field(default_factory=dict)
    """Gateway → the form it was sent (its values)."""


class GatewayFakes:
    """The :class:`tuichat.gateway_client.GatewayClient` half of the FakeClient."""

    gateway_data: FakeGateways
    calls: list[tuple[Any, ...]]

    if TYPE_CHECKING:

        def _check(self, name: str) -> None: ...

    async def gateway_registration_form(self, account: str, gateway: str) -> Registration:
        """The canned form; an unknown gateway is refused like a server would."""
        self.calls.append(("gateway_registration_form", account, gateway))
        self._check("gateway_registration_form")
        found = self.gateway_data.forms.get(gateway)
        if found is None:
            raise GatewayError(f"cannot ask {gateway} how to register: it does not exist")
        return found

    async def register_gateway(self, account: str, gateway: str, form: Form) -> None:
        """Record the values sent, checked by the forms model like the manager does."""
        self.calls.append(("register_gateway", account, gateway, form))
        self._check("register_gateway")
        wanted = self.gateway_data.forms[gateway].form
        if problems := check_form(wanted, form.values()):
            raise GatewayError(f"cannot register: {problems}")
        self.gateway_data.registered[gateway] = form

    async def unregister_gateway(self, account: str, gateway: str) -> list[str]:
        """Forget the registration; the gateway was the only roster entry of its own."""
        self.calls.append(("unregister_gateway", account, gateway))
        self._check("unregister_gateway")
        if self.gateway_data.registered.pop(gateway, None) is None:
            raise GatewayError(f"cannot unregister from {gateway}: not registered")
        return [gateway]
