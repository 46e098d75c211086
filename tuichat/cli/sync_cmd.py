"""Provides `tuichat sync` and `tuichat send`: connect, do one thing, disconnect, exit."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat import sendable
from tuichat.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError
from tuichat.cli.args import seconds
from tuichat.cli.context import jid_arg, load, new_bus, open_store, pick_account, pick_accounts
from tuichat.cli.waiting import wait_until
from tuichat.config import AccountConfig
from tuichat.model import ConnectionState, ConversationKind, Encryption, Message, MessageState
from tuichat.store import Store

if TYPE_CHECKING:
    from tuichat.xmpp.manager import ConnectionManager
    from tuichat.xmpp.session import Session


def register(sub: Any) -> None:
    """Add the `sync` and `send` subcommands."""
    sync = sub.add_parser(
        "sync",
        help="connect, catch up with the server archives, exit",
        description="Connect, catch up with every archive (messages, rooms), send the outbox, "
        "then exit. Exit 0 when every account caught up, 1 with the reason otherwise (also "
        "when a message was set aside as unsendable).",
    )
    sync.add_argument("--account", metavar="JID", help="only this account")
    sync.add_argument("--timeout", type=seconds, default=300.0, metavar="S", help="give up after S")
    sync.set_defaults(func=run_sync)

    send = sub.add_parser(
        "send",
        help="send a message and wait for the server's acknowledgement",
        description="Send TEXT (or standard input) to TO. Exit 0 once the server acknowledged "
        "it (or, with --wait, once the recipient's client confirmed it); otherwise exit 1, "
        "and keep it in the outbox for the next run if the server did not take it.",
    )
    send.add_argument("to", metavar="TO", help="recipient JID")
    send.add_argument("text", nargs="*", metavar="TEXT", help="the message (default: stdin)")
    send.add_argument("--account", metavar="JID", help="account to send from")
    send.add_argument("--timeout", type=seconds, default=60.0, metavar="S", help="give up after S")
    how = send.add_mutually_exclusive_group()
    how.add_argument(
        "--encrypt",
        dest="encryption",
        action="store_const",
        const="omemo",
        help="encrypt (OMEMO) whatever the conversation does; exit 1 if it cannot be encrypted",
    )
    how.add_argument(
        "--no-encrypt",
        dest="encryption",
        action="store_const",
        const="none",
        help="send in plaintext whatever the conversation does",
    )
    send.add_argument(
        "--wait",
        choices=("acked", "delivered", "displayed"),
        default="acked",
        help="exit 0 only once the server acked it (default), the recipient's client "
        "confirmed it (delivered: a receipt), or the recipient read it (displayed)",
    )
    send.add_argument(
        "--reply-to", metavar="ID", help="reply to the stored message ID (history --json)"
    )
    send.set_defaults(func=run_send, encryption=None)


async def _connect_and_sync(
    accounts: list[AccountConfig], store: Store, timeout: float
) -> dict[str, str]:
    """Connect ``accounts``, wait until each caught up; return the failures (account → why)."""
    from tuichat.xmpp.backoff import ONE_SHOT
    from tuichat.xmpp.manager import ConnectionManager

    manager = ConnectionManager(accounts, store, new_bus(), retry=ONE_SHOT)
    failures: dict[str, str] = {}
    set_aside: dict[str, str] = {}

    def on_state(event: ev.MessageStateChanged) -> None:
        if event.state is MessageState.FAILED and event.reason:
            set_aside[event.account] = f"a message to {event.conversation} was not sent: " + (
                event.reason
            )

    manager.bus.subscribe(ev.MessageStateChanged, on_state)
    await manager.start()
    try:

        async def one(jid: str) -> None:
            session = manager.session(jid)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            why = await wait_until(session, session.synced.is_set, deadline, "catch-up")
            if store.failure is not None:
                return  # reported once for all accounts, by the caller
            if why:
                failures[jid] = why
                return
            if session.sync_failures:  # it connected, but did not catch up
                failures[jid] = "; ".join(session.sync_failures)
                return
            # Caught up both ways: what waited in the outbox must be acknowledged too.
            while pending := len(store.outbox(jid)):
                if store.failure is not None:
                    return
                if loop.time() > deadline or session.state != ConnectionState.CONNECTED:
                    failures[jid] = f"{pending} message(s) still unacknowledged in the outbox"
                    return
                await asyncio.sleep(0.05)

        await asyncio.gather(*(one(a.jid) for a in accounts))
    finally:
        await manager.stop()
    for jid, why in set_aside.items():
        failures[jid] = f"{why}; {failures[jid]}" if jid in failures else why
    return failures


def run_sync(args: argparse.Namespace) -> int:
    """Catch up every (or one) account."""
    paths, config = load(args)
    accounts = pick_accounts(config, args.account)
    with open_store(paths) as store:
        failures = asyncio.run(_connect_and_sync(accounts, store, args.timeout))
        _raise_store_failure(store)
    for jid, why in failures.items():
        print(f"tuichat: {jid}: {why}", file=sys.stderr)
    return EXIT_FAILURE if failures else EXIT_OK


def _raise_store_failure(store: Store) -> None:
    """Report a store that failed during the run (a full disk, a lock) as the one error."""
    if store.failure is not None:
        raise store.failure


def _known_kind(store: Store, account: str, to: str) -> ConversationKind | None:
    """What the store already knows ``to`` to be: a room, a one-to-one chat, or nothing."""
    for summary in store.conversations(account):
        if summary.conversation == to:
            return summary.kind
    if any(contact.jid == to for contact in store.roster(account)):
        return ConversationKind.CHAT
    return None


async def _first_outcome(session: Session, timeout: float) -> bool:
    """Wait for the first connection attempt to end: True when connected. A failed first
    attempt ends the wait, so the message is in the outbox while the retries run."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline and session.store.failure is None:
        if session.state == ConnectionState.CONNECTED:
            return True
        if session.state.is_terminal or session.state == ConnectionState.DISCONNECTED:
            return False
        await asyncio.sleep(0.02)
    return False


@dataclass(frozen=True, slots=True)
class Outgoing:
    """How ``tuichat send`` sends: how far it waits, how it encrypts, what it replies to."""

    until: MessageState = MessageState.ACKED
    encryption: Encryption | None = None
    quoted: Message | None = None


async def _send(
    account: AccountConfig,
    store: Store,
    to: str,
    body: str,
    timeout: float,
    encryption: Encryption | None = None,
    until: MessageState = MessageState.ACKED,
    quoted: Message | None = None,
) -> str:
    """Send to a contact (queued, then acked by the server) or to a room (reflected back).

    Whether ``to`` is a room comes from the store, else from asking it (disco#info) once
    connected. If the server cannot be reached, an unknown ``to`` is taken for a contact and
    the message waits in the outbox, so nothing typed is lost.
    """
    from tuichat.xmpp.backoff import ONE_SHOT
    from tuichat.xmpp.features import muc_join
    from tuichat.xmpp.manager import ConnectionManager

    bus = new_bus()
    manager = ConnectionManager([account], store, bus, retry=ONE_SHOT)
    session = manager.session(account.jid)
    kind = quoted.kind if quoted is not None else _known_kind(store, account.jid, to)
    try:
        if kind is None:
            await manager.start()
            if await _first_outcome(session, min(timeout, 15.0)):
                kind = await muc_join.kind_of(session, to)
        if kind is ConversationKind.GROUPCHAT:
            if not manager.started:
                await manager.start()
            if encryption is Encryption.OMEMO:
                return "tuichat does not encrypt in rooms yet (--encrypt)"
            return await _send_to_room(session, to, body, timeout, quoted)
        how = Outgoing(until, encryption, quoted)
        return await _send_chat(manager, session, account, (to, body), timeout, how)
    finally:
        await manager.stop()


async def _send_to_room(
    session: Session, room: str, body: str, timeout: float, quoted: Message | None
) -> str:
    from tuichat.errors import ClientError
    from tuichat.xmpp.features import muc_join

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    if why := await wait_until(session, session.synced.is_set, deadline, "connection"):
        return why
    try:
        await muc_join.send_to_room(session, room, body, max(1.0, deadline - loop.time()), quoted)
    except ClientError as exc:
        return str(exc)
    return ""


async def _send_chat(
    manager: ConnectionManager,
    session: Session,
    account: AccountConfig,
    message: tuple[str, str],
    timeout: float,
    how: Outgoing,
) -> str:
    to, body = message
    until = how.until
    if how.quoted is not None:  # in the outbox first, either way
        queued = await manager.reply(account.jid, how.quoted, body)
    else:
        queued = await manager.send_message(account.jid, to, body, encryption=how.encryption)
    outcome = session.sender.wait(queued, until)  # that far, or failed with the reason
    if not manager.started:
        await manager.start()
    deadline = asyncio.get_running_loop().time() + timeout
    waiting_for = WAITING_FOR[until]
    if why := await wait_until(session, outcome.done, deadline, waiting_for):
        row = session.store.get_message(queued.id) if queued.id is not None else None
        if row is not None and row.state in ACKED_OR_MORE:
            return f"{SENT_BUT}{why}"
        return why
    failed = outcome.exception()
    return str(failed) if failed is not None else ""


WAITING_FOR = {
    MessageState.ACKED: "acknowledgement",
    MessageState.DELIVERED: "delivery receipt",
    MessageState.DISPLAYED: "read marker",
}
"""What ``send --wait`` waits for, in words (for "no … in time")."""

ACKED_OR_MORE = (MessageState.ACKED, MessageState.DELIVERED, MessageState.DISPLAYED)
SENT_BUT = "sent, but "
"""How a ``send --wait delivered|displayed`` that the server acked but the recipient did not
confirm in time begins its words (the message is not in the outbox: nothing to resend)."""


def _body(words: list[str]) -> str:
    """The message from the arguments or stdin, refused (exit 2) unless XMPP can carry it."""
    raw = os.fsencode(" ".join(words)) if words else sys.stdin.buffer.read()
    try:
        body = raw.decode("utf-8").rstrip("\n")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start]
        raise CliError(
            f"byte {exc.start + 1}: 0x{bad:02X} is not valid UTF-8", EXIT_USAGE
        ) from None
    if not body.strip():
        raise CliError("nothing to send (empty message)", EXIT_USAGE)
    try:
        sendable.check(body)
    except sendable.Unsendable as exc:
        raise CliError(f"not sent: {exc}", EXIT_USAGE) from None
    return body


def run_send(args: argparse.Namespace) -> int:
    """Send one message; exit 0 only when it got as far as ``--wait`` asks."""
    paths, config = load(args)
    account = pick_account(config, args.account)
    to = jid_arg(args.to, "recipient")
    body = _body(args.text)
    with open_store(paths) as store:
        how = Encryption(args.encryption) if args.encryption else None
        until = MessageState(args.wait)
        quoted = None
        if args.reply_to is not None:
            quoted = store.find_reference(account.jid, to, args.reply_to)
            if quoted is None:
                raise CliError(f"--reply-to: no message {args.reply_to!r} stored with {to}")
        why = asyncio.run(_send(account, store, to, body, args.timeout, how, until, quoted))
        _raise_store_failure(store)
    if why.startswith(SENT_BUT):  # on the server (not in the outbox), not confirmed
        print(f"tuichat: {why}", file=sys.stderr)
        return EXIT_FAILURE
    if why:
        why = why.removeprefix("not sent: ").removesuffix("; it stays in the outbox")  # said once
        print(f"tuichat: not sent: {why}; kept in the outbox for the next run", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK
