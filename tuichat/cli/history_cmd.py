"""Provides `tuichat history` and `tuichat search`: read the local store, print, exit."""

from __future__ import annotations

import argparse
from typing import Any

from tuichat.cli import EXIT_OK
from tuichat.cli.args import MAX_LIMIT, bounded_int
from tuichat.cli.context import (
    jid_arg,
    load,
    message_json,
    message_line,
    open_store,
    pick_account,
    pick_accounts,
)
from tuichat.model import Message


def register(sub: Any) -> None:
    """Add the `history` and `search` subcommands."""
    history = sub.add_parser(
        "history",
        help="print stored history of a conversation, oldest first",
        description="Print the stored history of a conversation (no network), oldest first.",
    )
    history.add_argument("jid", metavar="JID", help="contact or room")
    history.add_argument("--account", metavar="JID", help="account (needed with several)")
    history.add_argument(
        "--limit", type=bounded_int(1, MAX_LIMIT), metavar="N", help="only the newest N messages"
    )
    history.add_argument("--json", action="store_true", help="one JSON object per line")
    history.set_defaults(func=run_history)

    search = sub.add_parser(
        "search",
        help="full-text search of all stored history",
        description="Search every stored message (words match as prefixes), newest first.",
    )
    search.add_argument("query", nargs="+", metavar="WORD")
    search.add_argument("--account", metavar="JID", help="only this account")
    search.add_argument("--in", dest="conversation", metavar="JID", help="only this conversation")
    search.add_argument(
        "--limit", type=bounded_int(1, MAX_LIMIT), default=50, metavar="N", help="at most N (50)"
    )
    search.add_argument("--json", action="store_true", help="one JSON object per line")
    search.set_defaults(func=run_search)


def _print(messages: list[Message], as_json: bool) -> None:
    for message in messages:
        print(message_json(message) if as_json else message_line(message))


def run_history(args: argparse.Namespace) -> int:
    """Print a conversation's stored history."""
    paths, config = load(args)
    account = pick_account(config, args.account)
    conversation = jid_arg(args.jid)
    with open_store(paths, reading=True) as store:
        _print(store.history(account.jid, conversation, limit=args.limit), args.json)
    return EXIT_OK


def run_search(args: argparse.Namespace) -> int:
    """Print stored messages matching the query."""
    paths, config = load(args)
    account = pick_accounts(config, args.account)[0].jid if args.account else None
    conversation = jid_arg(args.conversation) if args.conversation else None
    with open_store(paths, reading=True) as store:
        found = store.search(
            " ".join(args.query), account=account, conversation=conversation, limit=args.limit
        )
    _print(found, args.json)
    return EXIT_OK
