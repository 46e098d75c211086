"""Provides `tuichat feed`: PubSub feeds from scripts (list a service's nodes, read a node's
entries, subscribe, unsubscribe), through the same client requests as the Feeds view.

`feed read` stores what it reads (each entry once), so the Feeds view and `tuichat search`
find the entries afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from tuichat.cli import EXIT_OK
from tuichat.cli.args import add_online_options, bounded_int
from tuichat.cli.context import load, open_store, pick_account
from tuichat.cli.disco_cmd import full_jid_arg
from tuichat.cli.online import run_online
from tuichat.discovery import MAX_ENTRIES, DiscoItem, FeedEntry

_TIMEOUT = 30.0


def register(sub: Any) -> None:
    """Add the `feed` command and its subcommands."""
    feed = sub.add_parser(
        "feed",
        help="read and follow PubSub feeds (list, read, subscribe, unsubscribe)",
        description="PubSub feeds of Atom entries from scripts. Exit 0 on success, 2 on bad "
        "input, 1 when the server could not be reached or refused.",
    )
    verbs = feed.add_subparsers(dest="verb", metavar="VERB", required=True)
    listing = verbs.add_parser("list", help="list the nodes of a PubSub service")
    listing.add_argument("jid", metavar="JID")
    listing.add_argument("--json", action="store_true", help="one JSON object per node")
    listing.set_defaults(func=run_list)
    read = verbs.add_parser("read", help="print a node's newest entries, oldest first")
    read.add_argument("jid", metavar="JID")
    read.add_argument("node", metavar="NODE")
    read.add_argument(
        "--limit", type=bounded_int(1, MAX_ENTRIES), default=50, metavar="N", help="at most N"
    )
    read.add_argument("--json", action="store_true", help="one JSON object per entry")
    read.set_defaults(func=run_read)
    for verb, text in (("subscribe", "follow a node"), ("unsubscribe", "stop following a node")):
        parser = verbs.add_parser(verb, help=text)
        parser.add_argument("jid", metavar="JID")
        parser.add_argument("node", metavar="NODE")
        parser.set_defaults(func=run_subscription)
    add_online_options(verbs.choices.values(), _TIMEOUT)


def entry_json(entry: FeedEntry) -> str:
    """One entry as one line of JSON."""
    return json.dumps(
        {
            "service": entry.service,
            "node": entry.node,
            "id": entry.item_id,
            "title": entry.title,
            "author": entry.author,
            "published": entry.published.isoformat().replace("+00:00", "Z"),
            "summary": entry.summary,
            "link": entry.link,
        },
        ensure_ascii=False,
    )


def entry_line(entry: FeedEntry) -> str:
    """One entry as a line of plain text, neutralised for the terminal."""
    from tuichat.ui.render import sanitize  # pure: rich only, no Textual

    stamp = entry.published.astimezone().strftime("%Y-%m-%d %H:%M")
    summary = " ".join(entry.summary.split())
    return sanitize("\t".join((stamp, entry.title, entry.author, summary, entry.link)))


def node_json(item: DiscoItem) -> str:
    """One node as one line of JSON."""
    return json.dumps({"jid": item.jid, "node": item.node, "name": item.name}, ensure_ascii=False)


def _online(args: argparse.Namespace, request: Any) -> Any:
    """Run ``request(client, account)`` on the chosen account, connected."""
    paths, config = load(args)
    account = pick_account(config, args.account)

    async def action(client: Any) -> Any:
        return await request(client, account.jid)

    with open_store(paths) as store:
        return asyncio.run(run_online(account, store, float(args.timeout), action))


def run_list(args: argparse.Namespace) -> int:
    """Print a service's nodes."""
    service = full_jid_arg(args.jid)
    nodes: list[DiscoItem] = _online(args, lambda c, a: c.feed_nodes(a, service))
    from tuichat.ui.render import sanitize

    for item in nodes:
        print(node_json(item) if args.json else sanitize(f"{item.node}\t{item.name}"))
    return EXIT_OK


def run_read(args: argparse.Namespace) -> int:
    """Print a node's newest entries, oldest first."""
    service = full_jid_arg(args.jid)
    node, limit = str(args.node), int(args.limit)
    entries: list[FeedEntry] = _online(args, lambda c, a: c.read_feed(a, service, node, limit))
    for entry in entries:
        print(entry_json(entry) if args.json else entry_line(entry))
    return EXIT_OK


def run_subscription(args: argparse.Namespace) -> int:
    """`subscribe` or `unsubscribe`."""
    service = full_jid_arg(args.jid)
    node = str(args.node)
    if args.verb == "subscribe":
        _online(args, lambda c, a: c.subscribe_feed(a, service, node))
    else:
        _online(args, lambda c, a: c.unsubscribe_feed(a, service, node))
    return EXIT_OK
