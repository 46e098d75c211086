"""Provides ``/register GATEWAY`` and ``/unregister GATEWAY``: transports (XEP-0100).

:func:`open_registration` is the one way to register (the slash command, and the disco
browser's "register with this gateway"): the gateway's form in the generic form screen, then
the filled form sent back. The gateway and its contacts join the roster by themselves, and
the roster labels them with the gateway's network.
"""

from __future__ import annotations

from tuichat.errors import GatewayError
from tuichat.forms import Form
from tuichat.gateway_client import gateway_domain
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.dialogs.data_form import DataFormScreen
from tuichat.ui.slash import SlashCall


def _gateway(ctx: CommandContext, call: SlashCall, name: str) -> tuple[str, str] | None:
    """``(account, gateway domain)`` from the call, or an inline error."""
    account = ctx.some_account()
    if account is None:
        return None
    try:
        return account, gateway_domain(call.arg("gateway"))
    except GatewayError as exc:
        ctx.fail(f"/{name}: {exc}")
        return None


def register(ctx: CommandContext, call: SlashCall) -> None:
    """Register with GATEWAY through its form."""
    if found := _gateway(ctx, call, "register"):
        open_registration(ctx, *found)


def unregister(ctx: CommandContext, call: SlashCall) -> None:
    """Cancel the registration with GATEWAY; it and its contacts leave the roster."""
    found = _gateway(ctx, call, "unregister")
    if found is None:
        return
    account, gateway = found

    async def work() -> None:
        removed = await ctx.ui.client.unregister_gateway(account, gateway)
        ctx.notify(f"unregistered from {gateway} ({len(removed)} roster entries removed)")

    ctx.request(work(), f"could not unregister from {gateway}")


def open_registration(ctx: CommandContext, account: str, gateway: str) -> None:
    """Ask ``gateway`` for its registration form, show it, and send it filled in."""
    client = ctx.ui.client

    def filled(form: Form | None) -> None:
        if form is None:
            return

        async def send() -> None:
            await client.register_gateway(account, gateway, form)
            ctx.notify(f"registered with {gateway}; its contacts follow", timeout=4)

        ctx.request(send(), f"could not register with {gateway}")

    async def load() -> None:
        registration = await client.gateway_registration_form(account, gateway)
        heading = f"Register with {gateway}"
        if registration.registered:
            heading += " (registered already: this changes it)"
        ctx.ask(DataFormScreen(heading, registration.form, save="Register"), filled)

    ctx.request(load(), f"could not ask {gateway} how to register")
