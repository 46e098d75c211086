"""Pilot tests of gateways: contacts labelled with their network, IRC channels joined."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import UI, make_ui
from tests.ui.fakes import ME
from tests.ui.helpers import main_screen, roster_text, settle
from tests.ui.test_commands import run_line
from tuichat.events import ContactChanged, GatewayIdentified, PresenceChanged
from tuichat.model import Contact, Show, Subscription

IRC = "bob%irc.example.net@biboumi.example.org"
TG = "+15551234@telegram.example.org"


async def test_gateway_contacts_show_their_network(ui: UI) -> None:
    """Once a domain is identified as a gateway, its contacts carry a short network label;
    contacts elsewhere do not, and a label from the network cannot inject markup."""
    async with ui.app.run_test(size=(100, 30)) as pilot:
        for jid, name in ((IRC, "Bob on IRC"), (TG, "Tina")):
            contact = Contact(jid, name, ("Gateways",), Subscription.BOTH)
            ui.client.bus.publish(ContactChanged(ME, contact))
        ui.client.bus.publish(PresenceChanged(ME, f"{TG}/phone", Show.ONLINE))
        ui.client.bus.publish(PresenceChanged(ME, f"{IRC}/irc", Show.AWAY))
        await settle(pilot)
        assert "‹" not in roster_text(pilot)

        ui.client.bus.publish(GatewayIdentified(ME, "biboumi.example.org", "irc"))
        ui.client.bus.publish(GatewayIdentified(ME, "telegram.example.org", "[b]telegram"))
        await settle(pilot)
        lines = roster_text(pilot).splitlines()
        [bob] = [line for line in lines if "Bob on IRC" in line]
        [tina] = [line for line in lines if "Tina" in line]
        assert bob.rstrip().endswith("Bob on IRC ‹irc›")
        assert "Tina ‹[b]telegram›" in tina  # shown as text, never as markup
        others = [line for line in lines if "‹" in line]
        assert len(others) == 2


async def test_the_filter_finds_contacts_by_network(ui: UI) -> None:
    """Typing the network's name in the roster filter keeps that gateway's contacts."""
    async with ui.app.run_test(size=(100, 30)) as pilot:
        ui.client.bus.publish(ContactChanged(ME, Contact(IRC, "Bob", (), Subscription.BOTH)))
        ui.client.bus.publish(GatewayIdentified(ME, "biboumi.example.org", "irc"))
        await settle(pilot)
        await pilot.press("ctrl+f", "i", "r", "c")
        await settle(pilot)
        text = roster_text(pilot)
        assert "Bob ‹irc›" in text
        assert "Alice" not in text


async def test_join_an_irc_channel_through_biboumi(tmp_path: Path) -> None:
    """/join #channel%irc-server@biboumi…/nick: '#' and '%' reach the client untouched, and
    the channel is listed under Rooms by its IRC name."""
    channel = "#tuichat%irc.example.net@biboumi.example.org"
    ui = make_ui(tmp_path)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/join {channel}/zed")
        assert ui.client.called("join_room") == [("join_room", ME, channel, "zed", None)]
        assert main_screen(pilot).convs.current == (ME, channel)
        await settle(pilot)
        assert "# #tuichat%irc.example.net" in roster_text(pilot)
