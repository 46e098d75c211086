"""Provides ``tuichat send TO --file PATH``: upload a file (XEP-0363), then send it as ``/upload``
does (its address, announced out of band: XEP-0066) and wait as ``send`` waits.

It adds ``--file`` to the ``send`` parser that :mod:`tuichat.cli.sync_cmd` registers (it is
registered after it); given, the option makes :func:`run_send_file` the command.

The file is uploaded before anything is queued: when it cannot be (no connection, the server
refuses it), nothing is kept and the words say so (exit 1); once uploaded, its message goes
through the outbox like any other. In an encrypted conversation (or with ``--encrypt``) the file
is encrypted as it is uploaded (XEP-0454) and its ``aesgcm://`` link goes as the encrypted
text. A missing or unreadable PATH, or TEXT given too, is a usage error (exit 2).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuichat.cli import EXIT_FAILURE, EXIT_USAGE, CliError
from tuichat.cli.context import jid_arg, load, new_bus, open_store, pick_account
from tuichat.cli.sync_cmd import _first_outcome, _known_kind, report_unsent, wait_sent
from tuichat.cli.waiting import wait_until
from tuichat.config import AccountConfig
from tuichat.errors import ClientError
from tuichat.model import ConversationKind, Encryption, MessageState
from tuichat.store import Store

if TYPE_CHECKING:
    from tuichat.files import Attachment
    from tuichat.xmpp.manager import ConnectionManager
    from tuichat.xmpp.session import Session

NOT_QUEUED = "not queued: "
"""How the words begin when nothing was queued (no outbox row to keep for the next run)."""


class _FileOption(argparse.Action):
    """``--file PATH``: keep it, and make :func:`run_send_file` the command."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        namespace.func = run_send_file


def register(sub: Any) -> None:
    """Add ``--file`` to the ``send`` subcommand."""
    sub.choices["send"].add_argument(
        "--file",
        metavar="PATH",
        action=_FileOption,
        help="upload the file (HTTP upload, https only) and send it instead of TEXT (its "
        "address, announced as a file; in an encrypted conversation encrypted, its aesgcm:// "
        "link the encrypted text); exit 1, nothing queued, if it cannot be uploaded",
    )


def file_arg(path: str, words: list[str]) -> Path:
    """The ``--file`` to send (a readable file, or exit 2), which comes without TEXT."""
    if words:
        raise CliError("--file sends the file alone: give no TEXT with it", EXIT_USAGE)
    file = Path(path).expanduser()
    if not file.is_file() or not os.access(file, os.R_OK):
        raise CliError(f"--file: cannot read {path} (not a readable file)", EXIT_USAGE)
    return file


def run_send_file(args: argparse.Namespace) -> int:
    """Upload and send ``args.file``; exit 0 only when it got as far as ``--wait`` asks."""
    paths, config = load(args)
    account = pick_account(config, args.account)
    to = jid_arg(args.to, "recipient")
    file = file_arg(args.file, args.text)
    encryption = Encryption(args.encryption) if args.encryption else None
    with open_store(paths) as store:
        work = send_file(
            account, store, to, file, args.timeout, MessageState(args.wait), encryption
        )
        why = asyncio.run(work)
        if store.failure is not None:
            raise store.failure
    if why.startswith(NOT_QUEUED):  # nothing in the outbox to keep for the next run
        print(f"tuichat: not sent: {why.removeprefix(NOT_QUEUED)}", file=sys.stderr)
        return EXIT_FAILURE
    return report_unsent(why)


async def send_file(
    account: AccountConfig,
    store: Store,
    to: str,
    file: Path,
    timeout: float,
    until: MessageState = MessageState.ACKED,
    encryption: Encryption | None = None,
) -> str:
    """Connect, upload ``file``, send it to ``to`` (a contact or a room) and wait; ``""`` when
    it got that far, else why not in words (:data:`NOT_QUEUED` first when nothing was)."""
    from tuichat.xmpp.backoff import ONE_SHOT
    from tuichat.xmpp.features import muc_join
    from tuichat.xmpp.manager import ConnectionManager

    manager = ConnectionManager([account], store, new_bus(), retry=ONE_SHOT)
    session = manager.session(account.jid)
    try:
        await manager.start()
        if not await _first_outcome(session, timeout):
            return f"{NOT_QUEUED}could not connect ({session.reason or session.state.value})"
        kind = _known_kind(store, account.jid, to) or await muc_join.kind_of(session, to)
        how = encryption or session.encryption(to)
        try:
            shared = await _upload(manager, session, file, timeout, how)
        except ClientError as exc:
            return f"{NOT_QUEUED}{exc}"
        if kind is ConversationKind.GROUPCHAT:
            return await _to_room(session, to, shared, timeout, how)
        return await _to_contact(manager, session, to, shared, timeout, until, how)
    finally:
        await manager.stop()


async def _upload(
    manager: ConnectionManager, session: Session, file: Path, timeout: float, how: Encryption
) -> Attachment:
    """Upload ``file``, encrypted when the message will be."""
    upload = manager.upload_file(session.account, str(file), encrypt=how is Encryption.OMEMO)
    try:
        return await asyncio.wait_for(upload, timeout)
    except TimeoutError:
        raise ClientError(f"the upload of {file.name} did not finish in time") from None


async def _to_room(
    session: Session, room: str, shared: Attachment, timeout: float, how: Encryption
) -> str:
    """Join once caught up, share the file, wait for the room's reflection."""
    from tuichat.xmpp.features import muc_join

    deadline = asyncio.get_running_loop().time() + timeout
    if why := await wait_until(session, session.synced.is_set, deadline, "connection"):
        return why
    try:
        await muc_join.send_to_room(
            session, room, shared.url, timeout, encryption=how, attachments=(shared,)
        )
    except ClientError as exc:
        return str(exc)
    return ""


async def _to_contact(
    manager: ConnectionManager,
    session: Session,
    to: str,
    shared: Attachment,
    timeout: float,
    until: MessageState,
    how: Encryption,
) -> str:
    """Queue the file's message, then wait until it got as far as ``until``."""
    try:
        queued = await manager.share_file(session.account, to, shared, encryption=how)
    except ClientError as exc:
        return f"{NOT_QUEUED}{exc}"
    return await wait_sent(manager, session, queued, timeout, until)
