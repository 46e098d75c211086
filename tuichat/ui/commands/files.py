"""Provides ``/upload``: share a file in the conversation in view (XEP-0363 upload).

``/upload PATH`` uploads at once, ``/upload`` opens a file picker, ``/upload cancel`` stops the
account's running uploads. Progress and speed show in the status bar. Once the file is up,
its address is sent as a message of its own, by the conversation's usual path. A conversation
that sends encrypted refuses: its files would travel in the clear.
"""

from __future__ import annotations

from pathlib import Path

from tuichat.model import Encryption
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.commands.messaging import deliver
from tuichat.ui.dialogs.file_picker import FilePicker
from tuichat.ui.slash import SlashCall, unquote
from tuichat.ui.state import ConvKey


def upload(ctx: CommandContext, call: SlashCall) -> None:
    """``/upload [PATH|cancel]``."""
    key = ctx.key
    if key is None:
        ctx.fail("/upload: open the conversation to share the file in first")
        return
    path = unquote(call.arg("path"))
    if path == "cancel":
        cancel(ctx, key[0])
        return
    if ctx.ui.client.encryption(*key) is Encryption.OMEMO:
        ctx.fail(
            "/upload: this conversation is encrypted, and encrypted files are not supported yet"
        )
        return
    if path:
        start(ctx, key, Path(path).expanduser())
        return

    def chosen(picked: Path | None) -> None:
        if picked is not None:
            start(ctx, key, picked)

    ctx.ask(FilePicker(f"Share a file with {key[1]}", Path.home()), chosen)


def start(ctx: CommandContext, key: ConvKey, path: Path) -> None:
    """Upload ``path``, then send its address to ``key``."""
    client = ctx.ui.client
    account, _to = key

    async def run() -> None:
        shared = await client.upload_file(account, str(path))
        deliver(ctx, key, shared.url)

    ctx.request(run(), f"could not share {path.name}")


def cancel(ctx: CommandContext, account: str) -> None:
    """Stop the account's running uploads."""
    running = [u for (a, u) in ctx.state.uploads if a == account]
    stopped = [u for u in running if ctx.ui.client.cancel_upload(account, u)]
    if not stopped:
        ctx.notify("no upload is running")
