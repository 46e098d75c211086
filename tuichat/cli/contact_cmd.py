"""Provides `tuichat contact`: the roster from scripts (list, add, remove, accept, deny).

Each subcommand connects the account through the same manager the app uses, waits for the
roster, does its one thing and disconnects. `contact list --cached` reads the roster cached in
the store instead, without connecting.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from tuichat import events as ev
from tuichat.cli import EXIT_OK, EXIT_USAGE, CliError
from tuichat.cli.args import add_online_options
from tuichat.cli.context import jid_arg, load, new_bus, open_store, pick_account, pick_accounts
from tuichat.cli.online import run_online
from tuichat.config import AccountConfig
from tuichat.model import Contact
from tuichat.store import Store

_TIMEOUT = 30.0


def register(sub: Any) -> None:
    """Add the `contact` command and its subcommands."""
    contact = sub.add_parser(
        "contact",
        help="list and change the roster (contacts and subscriptions)",
        description="List and change the roster from scripts. Exit 0 on success, 2 on bad "
        "input, 1 when the server could not be reached or refused.",
    )
    verbs = contact.add_subparsers(dest="verb", metavar="VERB", required=True)

    listing = verbs.add_parser("list", help="print the roster")
    listing.add_argument("--account", metavar="JID", help="only this account")
    listing.add_argument("--json", action="store_true", help="one JSON object per contact")
    listing.add_argument(
        "--cached", action="store_true", help="print the roster cached locally, without connecting"
    )
    listing.set_defaults(func=run_list)

    add = verbs.add_parser("add", help="add a contact and ask to see their presence")
    add.add_argument("jid", metavar="JID")
    add.add_argument("--name", default="", metavar="NAME", help="the name to show")
    add.add_argument(
        "--group", dest="groups", action="append", default=[], metavar="GROUP", help="repeatable"
    )
    add.set_defaults(func=run_add)

    for verb, text in (
        ("remove", "remove a contact (cancels both subscriptions)"),
        ("accept", "let JID see your presence (and ask to see theirs)"),
        ("deny", "refuse (or revoke) JID's request to see your presence"),
    ):
        parser = verbs.add_parser(verb, help=text)
        parser.add_argument("jid", metavar="JID")
        parser.set_defaults(func=run_change)
    add_online_options([p for p in verbs.choices.values() if p is not listing], _TIMEOUT)
    add_online_options([listing], _TIMEOUT, account=False)


def contact_json(account: str, contact: Contact) -> str:
    """One contact as one line of JSON."""
    return json.dumps(
        {
            "account": account,
            "jid": contact.jid,
            "name": contact.name,
            "groups": list(contact.groups),
            "subscription": contact.subscription.value,
            "ask": "subscribe" if contact.pending_out else None,
        },
        ensure_ascii=False,
    )


def contact_line(contact: Contact) -> str:
    """One contact as a line of plain text, neutralised for the terminal."""
    from tuichat.ui.render import sanitize  # pure: rich only, no Textual

    state = contact.subscription.value + (" (asked)" if contact.pending_out else "")
    groups = ", ".join(contact.groups)
    return sanitize("\t".join((contact.jid, contact.name, state, groups)))


async def _connected(
    account: AccountConfig,
    store: Store,
    timeout: float,
    action: Callable[[Any, list[Contact]], Awaitable[None]],
) -> None:
    """Connect ``account``, wait for its roster, run ``action(manager, roster)``, disconnect."""
    bus = new_bus()
    roster: asyncio.Future[list[Contact]] = asyncio.get_running_loop().create_future()

    def on_roster(event: ev.RosterReceived) -> None:
        if not roster.done():
            roster.set_result(list(event.contacts))

    bus.subscribe(ev.RosterReceived, on_roster)
    await run_online(
        account,
        store,
        timeout,
        lambda manager: action(manager, roster.result()),
        bus=bus,
        ready=roster.done,
        waiting_for="roster",
    )


def run_list(args: argparse.Namespace) -> int:
    """Print the roster of every (or one) account."""
    timeout = float(args.timeout)
    paths, config = load(args)
    accounts = pick_accounts(config, args.account)
    with open_store(paths) as store:
        for account in accounts:
            if args.cached:
                contacts = store.roster(account.jid)
            else:
                got: list[Contact] = []

                async def keep(
                    _manager: Any, roster: list[Contact], got: list[Contact] = got
                ) -> None:
                    got.extend(roster)

                asyncio.run(_connected(account, store, timeout, keep))
                contacts = got
            for contact in sorted(contacts, key=lambda c: c.jid):
                print(contact_json(account.jid, contact) if args.json else contact_line(contact))
    return EXIT_OK


def run_add(args: argparse.Namespace) -> int:
    """Add a contact (name, groups) and ask for their presence."""
    timeout = float(args.timeout)
    paths, config = load(args)
    account = pick_account(config, args.account)
    jid = jid_arg(args.jid)
    groups = tuple(dict.fromkeys(g.strip() for g in args.groups if g.strip()))

    async def add(manager: Any, _roster: list[Contact]) -> None:
        await manager.add_contact(account.jid, jid, args.name, groups=groups)

    with open_store(paths) as store:
        asyncio.run(_connected(account, store, timeout, add))
    return EXIT_OK


def run_change(args: argparse.Namespace) -> int:
    """`remove`, `accept` or `deny` one JID."""
    timeout = float(args.timeout)
    paths, config = load(args)
    account = pick_account(config, args.account)
    jid = jid_arg(args.jid)

    async def change(manager: Any, roster: list[Contact]) -> None:
        if args.verb == "remove":
            if not any(c.jid == jid for c in roster):
                raise CliError(f"{jid} is not in the roster of {account.jid}", EXIT_USAGE)
            await manager.remove_contact(account.jid, jid)
        else:
            await manager.answer_subscription(account.jid, jid, accept=args.verb == "accept")

    with open_store(paths) as store:
        asyncio.run(_connected(account, store, timeout, change))
    return EXIT_OK
