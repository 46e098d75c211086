"""Provides what every headless command needs: the config, the store, a manager, one account.

Headless commands share the app's manager and store, so `tuichat send` and the composer run
the same code. Nothing here imports Textual.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tuichat.actions import reference
from tuichat.bus import EventBus
from tuichat.cli import EXIT_USAGE, CliError
from tuichat.config import AccountConfig, Config, ConfigError, load_config
from tuichat.file_crypto import is_encrypted_url
from tuichat.files import key_free
from tuichat.logs import setup_logging
from tuichat.model import JID, Direction, Encryption, InvalidJID, Message
from tuichat.paths import Paths
from tuichat.store import Store, StoreError


def load(args: argparse.Namespace) -> tuple[Paths, Config]:
    """Paths and config from the global options; a broken config is a usage error (exit 2)."""
    paths = Paths.default(args.config)
    try:
        config = load_config(paths.config_file)
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    try:
        setup_logging(paths.log_file, debug=bool(getattr(args, "debug", False)))
    except OSError as exc:  # a read-only or full state folder must not stop `history`
        print(f"tuichat: warning: not logging to {paths.log_file}: {exc.strerror}", file=sys.stderr)
    return paths, config


def jid_arg(text: str, what: str = "JID") -> str:
    """A normalised bare JID from the command line (exit 2 when it is not one)."""
    try:
        return str(JID.parse(text).bare)
    except InvalidJID as exc:
        raise CliError(f"invalid {what}: {exc}", EXIT_USAGE) from None


def pick_accounts(config: Config, account: str | None) -> list[AccountConfig]:
    """The account named by ``--account``, or every enabled one."""
    enabled = [a for a in config.accounts if a.enabled]
    if account is None:
        if not enabled:
            raise CliError(f"no enabled account in {config.path}", EXIT_USAGE)
        return enabled
    found = config.account(jid_arg(account, "account"))
    if found is None:
        raise CliError(f"{account} is not an account in {config.path}", EXIT_USAGE)
    return [found]


def pick_account(config: Config, account: str | None) -> AccountConfig:
    """One account: ``--account``, or the only enabled one."""
    accounts = pick_accounts(config, account)
    if len(accounts) > 1:
        names = ", ".join(a.jid for a in accounts)
        raise CliError(f"several accounts ({names}): choose one with --account", EXIT_USAGE)
    return accounts[0]


@contextmanager
def open_store(paths: Paths, *, reading: bool = False) -> Iterator[Store]:
    """The message store, closed afterwards; raises :class:`StoreError` (one line, exit 1).

    ``reading``: the command only reads, so a store that cannot be written (a read-only file
    or folder) is opened read-only rather than refused.
    """
    try:
        store = Store.open(paths.store_file)
    except StoreError as exc:
        if not (reading and exc.may_be_readable and paths.store_file.is_file()):
            raise
        store = Store.open(paths.store_file, read_only=True)
    try:
        yield store
    finally:
        store.close()


def new_bus() -> EventBus:
    """A bus for a headless run."""
    return EventBus()


def action_fields(message: Message) -> dict[str, object]:
    """What actions did to a message, for ``history --json``: the id others refer to it by,
    edited, retracted (its body is then empty), reactions by emoji, the id it replies to."""
    marks = message.marks
    return {
        "id": reference(message),
        "edited": bool(marks and marks.edited),
        "retracted": bool(marks and marks.retracted),
        "reactions": {emoji: list(who) for emoji, who in (marks.reactions if marks else ())},
        "reply_to": marks.reply_to if marks else None,
    }


def message_json(message: Message) -> str:
    """One message as one line of JSON (the shape `history --json` and `search --json` share)."""
    return json.dumps(
        {
            "account": message.account,
            "conversation": message.conversation,
            "kind": message.kind.value,
            "direction": message.direction.value,
            "from": message.sender,
            "body": message.body,
            "timestamp": message.timestamp.isoformat().replace("+00:00", "Z"),
            "stanza_id": message.stanza_id,
            "origin_id": message.origin_id,
            "state": message.state.value,
            "failure": message.failure,
            "encryption": message.encryption.value,
            **_trust_fields(message),
            **action_fields(message),
            "attachments": [
                {
                    "url": f.url,  # an encrypted file's aesgcm:// link, key included
                    "name": f.name,
                    "size": f.size,
                    "type": f.content_type,
                    "encrypted": is_encrypted_url(f.url),
                }
                for f in message.attachments
            ],
        },
        ensure_ascii=False,
    )


def _trust_fields(message: Message) -> dict[str, str | None]:
    """``trust`` for a received encrypted message, and ``undecrypted`` for a placeholder."""
    if message.encryption is not Encryption.OMEMO or message.direction is not Direction.IN:
        return {}
    fields: dict[str, str | None] = {"trust": message.trust.value if message.trust else None}
    if message.undecrypted is not None:
        fields["undecrypted"] = message.undecrypted
    return fields


def message_line(message: Message) -> str:
    """One message as a line of plain text, neutralised for the terminal."""
    from tuichat.ui.render import sanitize  # pure: rich only, no Textual

    stamp = message.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    who = message.nick or message.sender
    body = key_free(message.body, message.attachments)  # a file's key only in --json
    return sanitize(f"{stamp} [{message.direction.value}] {who}: {body}")
