"""Provides a Prosody with a PubSub component, contact addresses (XEP-0157) and a publisher
admin account, and Atom entries to publish: shared by the feed integration and live UI tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from tests.harness.peer import Peer
from tests.harness.prosody import DOMAIN, PUBSUB_COMPONENT, PUBSUB_DOMAIN, ProsodyServer

NS_ATOM = "http://www.w3.org/2005/Atom"
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

PUBLISHER = f"publisher@{DOMAIN}"
PUBLISHER_PASSWORD = "publisher-password"
"""A server admin: only admins may create nodes on Prosody's PubSub service."""
CONTACTS = f"""
admins = {{ "{PUBLISHER}" }}
contact_info = {{
    abuse = {{ "mailto:abuse@example.test", "xmpp:abuse@example.test" }};
    admin = {{ "xmpp:admin@example.test" }};
}}
"""
# Re-entering the host's section adds the module to it (Prosody merges host modules).
SERVICES = f"""{PUBSUB_COMPONENT}

VirtualHost "{DOMAIN}"
    modules_enabled = {{ "server_contact_info" }}
"""


def services_server(prosody_factory: Callable[..., ProsodyServer]) -> ProsodyServer:
    """A server with a PubSub component, contact addresses, and the publisher's account."""
    server = prosody_factory(extra_config=CONTACTS, extra_components=SERVICES)
    server.register("publisher", PUBLISHER_PASSWORD)
    return server


def atom(n: int, title: str | None = None) -> Element:
    """Atom entry number ``n``."""
    entry = Element(f"{{{NS_ATOM}}}entry")
    SubElement(entry, f"{{{NS_ATOM}}}title").text = title or f"Entry {n:02d}"
    author = SubElement(entry, f"{{{NS_ATOM}}}author")
    SubElement(author, f"{{{NS_ATOM}}}name").text = "Publisher Pat"
    SubElement(entry, f"{{{NS_ATOM}}}published").text = (T0 + timedelta(minutes=n)).isoformat()
    SubElement(entry, f"{{{NS_ATOM}}}summary").text = f"summary of entry {n} about zebrafish"
    SubElement(entry, f"{{{NS_ATOM}}}link", rel="alternate", href=f"https://example.test/{n}")
    SubElement(entry, f"{{{NS_ATOM}}}id").text = f"tag:example.test,2026:{n}"
    return entry


async def make_node(peer: Peer, node: str) -> Any:
    """Create ``node`` on the PubSub service (open, keeping 200 items); return the plugin."""
    peer.client.register_plugin("xep_0060")
    pubsub = peer.client.plugin["xep_0060"]
    form = peer.client.plugin["xep_0004"].make_form(ftype="submit")
    form.add_field(
        var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#node_config"
    )
    form.add_field(var="pubsub#max_items", value="200")
    form.add_field(var="pubsub#access_model", value="open")
    await pubsub.create_node(PUBSUB_DOMAIN, node, config=form)
    return pubsub
