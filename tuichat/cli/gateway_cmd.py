"""Provides `tuichat gateway register|unregister JID`: transports (XEP-0100) from scripts.

``register`` asks the gateway for its form, fills it with the ``--field VAR=VALUE`` values
(the parser and the checks of ``tuichat command``: a required field not given exits 2 and is
named, nothing is sent), sends it, and waits a little for the gateway to show in the roster.
``unregister`` cancels the registration; the gateway and its contacts leave the roster.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat.cli import EXIT_OK, EXIT_USAGE, CliError
from tuichat.cli.args import add_online_options
from tuichat.cli.command_cmd import add_field_option, field_pairs, fill_step
from tuichat.cli.context import load, new_bus, open_store, pick_account
from tuichat.cli.online import run_online
from tuichat.errors import GatewayError
from tuichat.gateway_client import gateway_domain
from tuichat.model import Subscription

if TYPE_CHECKING:
    from tuichat.client import ChatClient

_TIMEOUT = 30.0
ROSTER_WAIT = 15.0
"""Seconds to wait, after registering, for the presence subscription with the gateway to be
mutual (it accepted ours, we accepted its own)."""


def register(sub: Any) -> None:
    """Add the `gateway` command and its subcommands."""
    gateway = sub.add_parser(
        "gateway",
        help="register with a gateway to another network, or unregister",
        description="Gateways (transports) to other networks. Exit 0 on success, 2 on bad "
        "input (such as a required field not given), 1 when the gateway refused or did not "
        "answer.",
    )
    verbs = gateway.add_subparsers(dest="verb", metavar="VERB", required=True)
    signup = verbs.add_parser("register", help="register with a gateway through its form")
    add_field_option(signup)
    signup.set_defaults(func=run_register)
    leave = verbs.add_parser("unregister", help="cancel the registration with a gateway")
    leave.set_defaults(func=run_unregister)
    for parser in verbs.choices.values():
        parser.add_argument("jid", metavar="JID", help="the gateway (a domain)")
    add_online_options(verbs.choices.values(), _TIMEOUT)


def _gateway_arg(text: str) -> str:
    try:
        return gateway_domain(text)
    except GatewayError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def run_register(args: argparse.Namespace) -> int:
    """Register with the gateway JID, its form filled with the --field values."""
    gateway = _gateway_arg(args.jid)
    pairs = field_pairs(args.fields)
    paths, config = load(args)
    account = pick_account(config, args.account)
    bus = new_bus()
    shown, networks = asyncio.Event(), []

    def roster_push(event: ev.ContactChanged) -> None:
        contact = event.contact
        # both ways: it accepted our request, and we accepted its own (XEP-0100 §4.1.1), which
        # comes with its contacts' requests: answered here, not left to a later sign-in
        if contact.jid == gateway and contact.subscription is Subscription.BOTH:
            shown.set()

    def identified(event: ev.GatewayIdentified) -> None:
        if event.domain == gateway:
            networks.append(event.network)

    bus.subscribe(ev.ContactChanged, roster_push)
    bus.subscribe(ev.GatewayIdentified, identified)

    async def work(client: ChatClient) -> None:
        registration = await client.gateway_registration_form(account.jid, gateway)
        await client.register_gateway(account.jid, gateway, fill_step(registration.form, pairs))
        try:
            await asyncio.wait_for(shown.wait(), ROSTER_WAIT)
        except TimeoutError:
            print(
                f"tuichat: warning: the presence subscription with {gateway} is not mutual yet",
                file=sys.stderr,
            )

    with open_store(paths) as store:
        asyncio.run(run_online(account, store, float(args.timeout), work, bus=bus))
    print(f"registered with {gateway}" + (f" (network: {networks[0]})" if networks else ""))
    return EXIT_OK


def run_unregister(args: argparse.Namespace) -> int:
    """Cancel the registration with the gateway JID."""
    gateway = _gateway_arg(args.jid)
    paths, config = load(args)
    account = pick_account(config, args.account)

    async def work(client: ChatClient) -> list[str]:
        return await client.unregister_gateway(account.jid, gateway)

    from tuichat.ui.render import sanitize  # pure: rich only, no Textual

    with open_store(paths) as store:
        removed = asyncio.run(run_online(account, store, float(args.timeout), work))
    print(
        sanitize(
            f"unregistered from {gateway}; removed from the roster: {', '.join(removed) or 'none'}"
        )
    )
    return EXIT_OK
