"""Provides `tuichat disco JID [--node N] [--json]`: what a service is, does and holds.

It asks the entity's identities and features (disco#info) and its items (disco#items) through
the same client requests the disco browser uses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from tuichat.cli import EXIT_OK, EXIT_USAGE, CliError
from tuichat.cli.args import seconds
from tuichat.cli.context import load, open_store, pick_account
from tuichat.cli.online import run_online
from tuichat.discovery import DiscoInfo, DiscoItem
from tuichat.errors import ClientError
from tuichat.model import JID, InvalidJID

_TIMEOUT = 30.0


def register(sub: Any) -> None:
    """Add the `disco` command."""
    disco = sub.add_parser(
        "disco",
        help="show what a service is, does and holds (service discovery)",
        description="Ask JID (a server, a service, a room, a contact) for its identities, "
        "features and items. Exit 0 on success, 2 on bad input, 1 when the server could not "
        "be reached or refused.",
    )
    disco.add_argument("jid", metavar="JID")
    disco.add_argument("--node", default="", metavar="N", help="a node of JID")
    disco.add_argument("--json", action="store_true", help="one JSON object")
    disco.add_argument("--account", metavar="JID", help="account (needed with several)")
    disco.add_argument(
        "--timeout", type=seconds, default=_TIMEOUT, metavar="S", help="give up after S"
    )
    disco.set_defaults(func=run)


def full_jid_arg(text: str) -> str:
    """A normalised JID from the command line, resource kept (exit 2 when it is not one)."""
    try:
        return str(JID.parse(text))
    except InvalidJID as exc:
        raise CliError(f"invalid JID: {exc}", EXIT_USAGE) from None


def disco_dict(info: DiscoInfo, items: list[DiscoItem]) -> dict[str, object]:
    """The JSON shape of `tuichat disco --json`."""
    return {
        "jid": info.jid,
        "node": info.node,
        "identities": [
            {"category": i.category, "type": i.type, "name": i.name} for i in info.identities
        ],
        "features": list(info.features),
        "items": [{"jid": i.jid, "node": i.node, "name": i.name} for i in items],
    }


def disco_lines(info: DiscoInfo, items: list[DiscoItem]) -> list[str]:
    """Plain text, neutralised for the terminal."""
    from tuichat.ui.render import sanitize  # pure: rich only, no Textual

    lines = [info.jid + (f" node {info.node}" if info.node else "")]
    lines += [f"identity\t{i.category}/{i.type}\t{i.name}" for i in info.identities]
    lines += [f"feature\t{f}" for f in info.features]
    lines += [f"item\t{i.jid}\t{i.node}\t{i.name}" for i in items]
    return [sanitize(line) for line in lines]


def run(args: argparse.Namespace) -> int:
    """Print a JID's (node's) info and items."""
    paths, config = load(args)
    account = pick_account(config, args.account)
    jid = full_jid_arg(args.jid)
    node = str(args.node)

    async def ask(client: Any) -> tuple[DiscoInfo, list[DiscoItem]]:
        info = await client.disco_info(account.jid, jid, node)
        try:
            items = await client.disco_items(account.jid, jid, node)
        except ClientError as exc:  # an entity may answer info and not items
            print(f"tuichat: warning: no items: {exc}", file=sys.stderr)
            items = []
        return info, items

    with open_store(paths) as store:
        info, items = asyncio.run(run_online(account, store, float(args.timeout), ask))
    if args.json:
        print(json.dumps(disco_dict(info, items), ensure_ascii=False))
    else:
        print("\n".join(disco_lines(info, items)))
    return EXIT_OK
