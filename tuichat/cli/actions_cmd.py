"""Provides `tuichat react`, `tuichat correct` and `tuichat retract`: act on a stored message.

A message is named by the ``id`` column of ``history --json`` (the id other messages use: the
room's stanza-id in a room, the message's own id one to one). Each command behaves like
``tuichat send``: the action is queued in the outbox (and applied to the stored message at
once), then the command connects (and, in a room, joins it first), waits until the server
acknowledged the action, and exits 0; when it cannot, it exits 1 saying why, and the action
stays in the outbox for the next run, in the same words as ``send``. A message not stored, or
not ours to correct or retract, is one line and exit 1 (nothing queued).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tuichat.cli import CliError
from tuichat.cli.args import seconds
from tuichat.cli.context import jid_arg, load, new_bus, open_store, pick_account
from tuichat.cli.sync_cmd import raise_store_failure, report_unsent, wait_sent
from tuichat.cli.waiting import wait_until
from tuichat.config import AccountConfig
from tuichat.errors import ClientError
from tuichat.model import ConversationKind, Direction, Message
from tuichat.store import Store

if TYPE_CHECKING:
    from tuichat.xmpp.features.message_actions import MessageActions

Act = Callable[["MessageActions", Message], Message]
"""Queue the action on the message; the queued action."""


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


def _act(args: argparse.Namespace, pick: Any, words: str, act: Act) -> int:
    """Find the message (``pick(store, account, conversation)``), queue ``act`` on it, and
    send it as ``tuichat send`` sends a message (see the module's words)."""
    paths, config = load(args)
    account = pick_account(config, args.account)
    conversation = jid_arg(args.conversation)
    with open_store(paths) as store:
        message = pick(store, account.jid, conversation)
        why = asyncio.run(_queue_and_send(account, store, message, (words, act), args.timeout))
        raise_store_failure(store)
    return report_unsent(why)


async def _queue_and_send(
    account: AccountConfig, store: Store, message: Message, how: tuple[str, Act], timeout: float
) -> str:
    from tuichat.xmpp.actions_api import map_exceptions
    from tuichat.xmpp.backoff import ONE_SHOT
    from tuichat.xmpp.manager import ConnectionManager

    words, act = how
    manager = ConnectionManager([account], store, new_bus(), retry=ONE_SHOT)
    session = manager.session(account.jid)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        if message.kind is ConversationKind.GROUPCHAT:  # in the room first, as `send` does
            await manager.start()
            if why := await wait_until(session, session.synced.is_set, deadline, "connection"):
                return why
            nick = message.nick if message.direction is Direction.OUT else None
            try:
                await manager.join_room(account.jid, message.conversation, nick)
            except ClientError as exc:
                return str(exc)
        try:
            with map_exceptions(words):
                queued = act(session.actions, message)
        except ClientError as exc:
            raise CliError(f"{account.jid}: {exc}") from None
        return await wait_sent(manager, session, queued, max(1.0, deadline - loop.time()))
    finally:
        await manager.stop()


def run_react(args: argparse.Namespace) -> int:
    """Set our reactions to a stored message."""
    emoji = tuple(args.emoji)
    return _act(
        args, lambda s, a, c: _find(s, a, c, args.id), "react", lambda x, m: x.react(m, emoji)
    )


def run_correct(args: argparse.Namespace) -> int:
    """Correct our last message in a conversation."""
    text = " ".join(args.text)
    return _act(args, _last_own, "correct the message", lambda x, m: x.correct(m, text))


def run_retract(args: argparse.Namespace) -> int:
    """Retract one of our messages."""
    return _act(
        args,
        lambda s, a, c: _find(s, a, c, args.id),
        "retract the message",
        lambda x, m: x.retract(m),
    )
