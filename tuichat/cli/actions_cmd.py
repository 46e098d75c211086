"""Provides `tuichat react`, `tuichat correct` and `tuichat retract`: act on a stored message.

A message is named by the ``id`` column of ``history --json`` (the id other messages use: the
room's stanza-id in a room, the message's own id one to one). Each command connects, joins the
room when the message is in one, sends the action, waits until the server has read it, and
exits 0; a message not stored, or not ours to correct or retract, is one line and exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from tuichat.cli import EXIT_OK, CliError
from tuichat.cli.args import seconds
from tuichat.cli.context import jid_arg, load, open_store, pick_account
from tuichat.cli.online import run_online
from tuichat.model import ConversationKind, Direction, Message
from tuichat.store import Store

if TYPE_CHECKING:
    from tuichat.client import ChatClient


def register(sub: Any) -> None:
    """Add the `react`, `correct` and `retract` subcommands."""
    react = sub.add_parser(
        "react",
        help="react to a stored message (your full set of reactions)",
        description="Set your reactions to the message ID of CONV (the id column of "
        "history --json) to EMOJI… (none: take them all back).",
    )
    react.add_argument("conversation", metavar="CONV", help="contact or room")
    react.add_argument("id", metavar="ID", help="the message's id (history --json)")
    react.add_argument("emoji", nargs="*", metavar="EMOJI")
    correct = sub.add_parser(
        "correct",
        help="correct your last message in a conversation",
        description="Replace the text of your last message in CONV with TEXT (XEP-0308).",
    )
    correct.add_argument("conversation", metavar="CONV", help="contact or room")
    correct.add_argument("text", nargs="+", metavar="TEXT")
    retract = sub.add_parser(
        "retract",
        help="retract one of your messages",
        description="Retract your message ID in CONV (XEP-0424): everyone sees a tombstone.",
    )
    retract.add_argument("conversation", metavar="CONV", help="contact or room")
    retract.add_argument("id", metavar="ID", help="the message's id (history --json)")
    for parser, run in ((react, run_react), (correct, run_correct), (retract, run_retract)):
        parser.add_argument("--account", metavar="JID", help="account (needed with several)")
        parser.add_argument(
            "--timeout", type=seconds, default=60.0, metavar="S", help="give up after S"
        )
        parser.set_defaults(func=run)


def _find(store: Store, account: str, conversation: str, ref: str) -> Message:
    found = store.find_reference(account, conversation, ref)
    if found is None:
        raise CliError(f"no message {ref!r} stored in {conversation}")
    return found


def _last_own(store: Store, account: str, conversation: str) -> Message:
    for message in reversed(store.page(account, conversation, limit=200)):
        if message.direction is Direction.OUT and not (message.marks and message.marks.retracted):
            return message
    raise CliError(f"no message of yours stored in {conversation}")


def _act(args: argparse.Namespace, pick: Any, act: Any) -> int:
    """Find the message (``pick(store, account, conversation)``), then ``act(client, message)``
    online; in a room, after joining it."""
    paths, config = load(args)
    account = pick_account(config, args.account)
    conversation = jid_arg(args.conversation)
    with open_store(paths) as store:
        message = pick(store, account.jid, conversation)

        async def run(client: ChatClient) -> None:
            if message.kind is ConversationKind.GROUPCHAT:
                nick = message.nick if message.direction is Direction.OUT else None
                await client.join_room(account.jid, message.conversation, nick)
            await act(client, account.jid, message)
            await client.actions_flushed(account.jid)

        asyncio.run(run_online(account, store, float(args.timeout), run))
    return EXIT_OK


def run_react(args: argparse.Namespace) -> int:
    """Set our reactions to a stored message."""
    emoji = tuple(args.emoji)

    async def act(client: ChatClient, account: str, message: Message) -> None:
        await client.react(account, message, emoji)

    return _act(args, lambda s, a, c: _find(s, a, c, args.id), act)


def run_correct(args: argparse.Namespace) -> int:
    """Correct our last message in a conversation."""
    text = " ".join(args.text)

    async def act(client: ChatClient, account: str, message: Message) -> None:
        await client.correct_message(account, message, text)

    return _act(args, _last_own, act)


def run_retract(args: argparse.Namespace) -> int:
    """Retract one of our messages."""

    async def act(client: ChatClient, account: str, message: Message) -> None:
        await client.retract_message(account, message)

    return _act(args, lambda s, a, c: _find(s, a, c, args.id), act)
