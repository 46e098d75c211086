"""Snapshot test of the roster with contacts on gateways (network labels), at 80x24.

Update on purpose with ``pytest tests/ui/test_gateway_snapshot.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.ui.fakes import ME
from tests.ui.helpers import main_screen
from tests.ui.snapshot_app import make_app
from tests.ui.test_snapshots import steady
from tuichat.events import ContactChanged, GatewayIdentified, PresenceChanged
from tuichat.model import Contact, Show, Subscription

CONTACTS = (
    ("bob%irc.libera.chat@biboumi.example.org", "Bob on IRC", Show.ONLINE),
    ("+15551234@telegram.example.org", "Tina", Show.AWAY),
    ("frank@xmpp.example.net", "Frank via a very long transport name", Show.ONLINE),
)


def test_roster_with_gateway_contacts(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Contacts on three gateways, each labelled with its network after the name; a long
    name is cut so the label stays visible."""

    async def run_before(pilot: Pilot[None]) -> None:
        bus = main_screen(pilot).ctx.client.bus
        for jid, name, show in CONTACTS:
            bus.publish(ContactChanged(ME, Contact(jid, name, ("Gateways",), Subscription.BOTH)))
            bus.publish(PresenceChanged(ME, f"{jid}/gw", show))
        bus.publish(GatewayIdentified(ME, "biboumi.example.org", "irc"))
        bus.publish(GatewayIdentified(ME, "telegram.example.org", "telegram"))
        bus.publish(GatewayIdentified(ME, "xmpp.example.net", "xmpp"))
        await steady(pilot)

    assert snap_compare(make_app("dark", tmp_path), terminal_size=(80, 24), run_before=run_before)
