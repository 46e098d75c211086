"""Provides ``/upload`` (share a file in the conversation in view, XEP-0363 upload) and the
selected message's "open its files".

``/upload PATH`` uploads at once, ``/upload`` opens a file picker, ``/upload cancel`` stops the
account's running uploads. Progress and speed show in the status bar. Once the file is up, it
is sent as a message of its own (its address, announced as a file: ``share_file``), queued in
the outbox like any message. In a conversation that sends encrypted (OMEMO) the file is
encrypted as it is uploaded (XEP-0454) and its ``aesgcm://`` link travels as the encrypted
text, never announced beside it.

``f`` on a selected message offers to save each of its files (https only, into the downloads
folder, never overwriting; an encrypted file is decrypted) or to save and open it
(``$TUICHAT_OPENER`` or ``xdg-open``: the one rule is :func:`tuichat.files.open_file`), and
for a picture to show it in the log (see :mod:`tuichat.ui.commands.pictures`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

from rich.text import Text

from tuichat.files import Attachment, download_address, open_file
from tuichat.model import Encryption, Message
from tuichat.previews import previewable
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.commands.pictures import drawable, fetch_picture, view_picture
from tuichat.ui.dialogs.choices import ChoiceDialog
from tuichat.ui.dialogs.file_picker import FilePicker
from tuichat.ui.picture_lines import ShowPicture
from tuichat.ui.render import safe_text
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
    if path:
        start(ctx, key, Path(path).expanduser())
        return

    def chosen(picked: Path | None) -> None:
        if picked is not None:
            start(ctx, key, picked)

    ctx.ask(FilePicker(f"Share a file with {key[1]}", Path.home()), chosen)


def start(ctx: CommandContext, key: ConvKey, path: Path) -> None:
    """Upload ``path``, then send it to ``key`` (announced as a file)."""
    client = ctx.ui.client
    account, to = key
    encrypt = client.encryption(account, to) is Encryption.OMEMO

    async def run() -> None:
        shared = await client.upload_file(account, str(path), encrypt=encrypt)
        message = await client.share_file(account, to, shared)
        ctx.surface.message_sent(key, message)

    ctx.request(run(), f"could not share {path.name}")


def cancel(ctx: CommandContext, account: str) -> None:
    """Stop the account's running uploads."""
    running = [u for (a, u) in ctx.state.uploads if a == account]
    stopped = [u for u in running if ctx.ui.client.cancel_upload(account, u)]
    if not stopped:
        ctx.notify("no upload is running")


def open_files(ctx: CommandContext, message: Message, show: ShowPicture | None = None) -> None:
    """The selected message's files: save one, or save and open it (a choice of both for
    each file; a file not offered over https is named but cannot be chosen to fetch); a
    picture may also be shown in the log (``show``), fetched now that the user asks."""
    files = message.attachments
    if not files:
        ctx.notify("no file in this message")
        return
    choices: list[Callable[[], None]] = []
    lines: list[Text] = []
    for attachment in files:
        for opening in (False, True):
            choices.append(partial(save, ctx, message.account, attachment, opening))
            verb = "Save and open" if opening else "Save to Downloads:"
            line = safe_text(f"{verb} {attachment.name}")
            if download_address(attachment.url) is None:
                line.append(" (not https: not fetched)", style="dim")
            lines.append(line)
        if show is not None and previewable(attachment) and drawable(ctx):
            choices.append(partial(fetch_picture, ctx, message.account, attachment, show))
            lines.append(safe_text(f"Show the picture in the log: {attachment.name}"))
            choices.append(partial(view_picture, ctx, message.account, attachment))
            lines.append(safe_text(f"View the picture full size: {attachment.name}"))

    def answered(index: int | None) -> None:
        if index is not None:
            choices[index]()

    ctx.ask(ChoiceDialog("Files", lines), answered)


def save(ctx: CommandContext, account: str, attachment: Attachment, opening: bool) -> None:
    """Fetch ``attachment`` into the downloads folder, then say where (and open it)."""

    async def run() -> None:
        path = await ctx.ui.client.save_file(account, attachment)
        ctx.notify(f"saved {path}", timeout=6)
        if opening:
            await open_file(path, os.environ)

    ctx.request(run(), f"could not {'open' if opening else 'save'} {attachment.name}")
