"""Pilot tests of ``/register GATEWAY`` and ``/unregister GATEWAY`` over the FakeClient."""

from __future__ import annotations

from tests.ui.conftest import UI
from tests.ui.fakes import ME
from tests.ui.test_commands import inline_error, run_line
from tuichat.forms import Field, FieldType, Form
from tuichat.gateway_client import Registration
from tuichat.ui.dialogs.data_form import DataFormScreen

GW = "telegram.example.org"


async def test_register_refuses_a_user_address_in_words(ui: UI) -> None:
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await run_line(pilot, "/register bob@telegram.example.org")
        assert "/register: bob@telegram.example.org is not a gateway address" in inline_error(pilot)
        assert ui.client.called("gateway_registration_form") == []


async def test_register_an_unknown_gateway_says_why(ui: UI) -> None:
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await run_line(pilot, f"/register {GW}")
        assert f"could not ask {GW} how to register" in inline_error(pilot)
        assert not isinstance(pilot.app.screen, DataFormScreen)


async def test_register_when_registered_says_so_then_unregister(ui: UI) -> None:
    """A registered user is told the form changes the registration; /unregister removes it,
    and a second /unregister says the gateway's refusal."""
    field = Field("username", FieldType.TEXT_SINGLE, required=True, values=("bob",))
    ui.client.gateway_data.forms[GW] = Registration(Form(fields=(field,)), registered=True)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await run_line(pilot, f"/register {GW}")
        screen = pilot.app.screen
        assert isinstance(screen, DataFormScreen)
        assert "registered already" in screen.heading
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert ui.client.gateway_data.registered[GW].values() == {"username": ("bob",)}
        await run_line(pilot, f"/unregister {GW}")
        assert ui.client.called("unregister_gateway") == [("unregister_gateway", ME, GW)]
        assert GW not in ui.client.gateway_data.registered
        await run_line(pilot, f"/unregister {GW}")
        assert "could not unregister from" in inline_error(pilot)
        assert "not registered" in inline_error(pilot)
