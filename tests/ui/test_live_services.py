"""Services from the TUI against the real Prosody, keyboard only: biboumi's ``hello`` run from
the disco browser (``c``), and a registration with the slixmpp test gateway (``/register``,
the form screen, the roster label; ``/unregister``)."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.harness.fake_gateway import FakeGateway
from tests.harness.gateway import GatewayServer, IrcGateway
from tests.harness.prosody import TestAccount
from tests.ui.helpers import main_screen, roster_text
from tests.ui.test_live_prosody import live_app, until
from tuichat.ui.dialogs.command_run import CommandScreen
from tuichat.ui.dialogs.data_form import DataFormScreen
from tuichat.ui.dialogs.disco_browser import DiscoBrowser
from tuichat.ui.dialogs.room_picker import RoomPicker


async def _type(pilot: Pilot[None], text: str) -> None:
    for char in text:
        await pilot.press(char)


def _static(pilot: Pilot[None], ident: str) -> str:
    return str(pilot.app.screen.query_one(ident, Static).render())


async def test_disco_runs_biboumis_hello_in_the_form_screen(
    tmp_path: Path, irc_gateway: IrcGateway
) -> None:
    """/disco biboumi…, c: the gateway's commands; "hello" asks the name, then greets."""
    me = TestAccount(*irc_gateway.server.new_account("bibotui"))
    biboumi = irc_gateway.biboumi.domain
    async with live_app(tmp_path, irc_gateway.server, me) as live:
        pilot = live.pilot
        await live.connected()
        await live.line(f"/disco {biboumi}")
        await until(pilot, lambda: isinstance(pilot.app.screen, DiscoBrowser), 5, "the browser")
        await until(
            pilot, lambda: "conference/irc" in _static(pilot, "#disco-details"), 10, "identity"
        )
        await pilot.press("c")
        await until(pilot, lambda: isinstance(pilot.app.screen, RoomPicker), 5, "the picker")
        await until(
            pilot,
            lambda: "command" in _static(pilot, "#picker-status"),
            10,
            "the command list",
        )
        await _type(pilot, "hello")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, CommandScreen), 5, "the form")
        screen = pilot.app.screen
        assert isinstance(screen, CommandScreen)
        await until(pilot, lambda: screen.step is not None and not screen.busy, 10, "step 1")
        assert screen.step is not None and screen.step.form is not None
        assert [f.var for f in screen.step.form.answerable] == ["name"]
        await _type(pilot, "Ann")
        await pilot.press("ctrl+s")

        def done() -> bool:
            return screen.step is not None and screen.step.status == "completed"

        await until(pilot, done, 10, "the greeting")
        assert "Hello Ann!" in _static(pilot, "#command-notes")
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is main_screen(pilot), 5, "closed")


async def test_register_and_unregister_a_gateway_from_the_tui(
    tmp_path: Path, gateway_server: GatewayServer
) -> None:
    """/register GATEWAY: its form (Ctrl+S refused until the required fields are filled);
    registered, its contact shows in the roster labelled with the network; /unregister
    removes it."""
    gw = gateway_server
    me = TestAccount(*gw.server.new_account("gwtui"))
    async with (
        FakeGateway.started(gw.domain, gw.secret, gw.port) as fake,
        live_app(tmp_path, gw.server, me) as live,
    ):
        pilot = live.pilot
        await live.connected()
        await live.line(f"/register {gw.domain}")
        await until(pilot, lambda: isinstance(pilot.app.screen, DataFormScreen), 10, "the form")
        assert "Register with" in _static(pilot, "#form-heading")
        await _type(pilot, "bob")  # username
        await pilot.press("ctrl+s")  # the password is required
        await pilot.pause(0.1)
        assert isinstance(pilot.app.screen, DataFormScreen) and fake.registrations == {}
        focused = pilot.app.focused  # the field that needs a look
        assert isinstance(focused, Input) and focused.password
        await _type(pilot, "pw")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: me.jid in fake.registrations, 10, "the registration")
        assert fake.registrations[me.jid] == {
            "username": ["bob"],
            "password": ["pw"],
            "region": ["eu"],
        }
        await until(pilot, lambda: "‹telegram›" in roster_text(pilot), 15, "the label")
        await until(pilot, lambda: "alice" in roster_text(pilot), 15, "the gateway's contact")

        await live.line(f"/unregister {gw.domain}")
        await until(pilot, lambda: fake.removed == [me.jid], 10, "the unregistration")
        await until(pilot, lambda: "alice" not in roster_text(pilot), 15, "contact removed")
