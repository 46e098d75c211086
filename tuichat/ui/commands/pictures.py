"""Provides the pictures drawn in the log under their file line.

The log asks once for the pictures of a message when it is first painted (the ``pictures``
action of :class:`tuichat.ui.widgets.selection.SelectableLog`). :func:`inline_pictures`
applies the one rule of what is fetched without asking
(:func:`tuichat.previews.fetch_without_asking`: ``[ui] inline_images``, a sender the user
chose, a picture over https, small); any other picture gets a line saying how to fetch it
(``f`` on the message, :func:`fetch_picture`). The client keeps fetched pictures in its
private cache; the decoding (Pillow, within limits) runs in a thread. A picture that cannot be
fetched or read is said in words under its file line, not as an error under the log: nobody
asked for it. A terminal that draws no pictures (16 colours, ``NO_COLOR``) fetches none.
``f`` also offers the picture full size in a dialog (:func:`view_picture`): the log cannot
host a widget, the dialog can, so kitty's graphics or sixel draw it there where the terminal
has them.
"""

from __future__ import annotations

import asyncio
import os

from tuichat.errors import ClientError
from tuichat.files import Attachment
from tuichat.model import Message
from tuichat.pictures import PictureError
from tuichat.previews import chosen_sender, fetch_without_asking, previewable
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.dialogs.picture_dialog import PictureDialog
from tuichat.ui.picture_lines import (
    PICTURE_COLUMNS,
    PICTURE_ROWS,
    ShowPicture,
    in_words,
    not_fetched,
)
from tuichat.ui.pictures import Method, choose_method, decode


def drawable(ctx: CommandContext) -> bool:
    """Whether this terminal draws pictures at all (see :func:`choose_method`)."""
    return choose_method(os.environ, ctx.app.console.color_system) is not Method.NONE


def inline_pictures(ctx: CommandContext, message: Message, show: ShowPicture) -> None:
    """The log painted ``message``: fetch its pictures, or say how to (the rule above)."""
    if not drawable(ctx):
        return
    key = (message.account, message.conversation)
    chosen = chosen_sender(
        message,
        contact=ctx.state.roster.contact(*key) is not None,
        joined_room=key in ctx.state.rooms.rooms,
    )
    enabled = ctx.ui.config.ui.inline_images
    for attachment in message.attachments:
        if fetch_without_asking(attachment, enabled=enabled, chosen=chosen):
            fetch_picture(ctx, message.account, attachment, show)
        elif previewable(attachment):
            show(attachment.url, not_fetched(attachment))


def fetch_picture(
    ctx: CommandContext, account: str, attachment: Attachment, show: ShowPicture
) -> None:
    """Fetch the picture ``attachment`` (from the cache when it was before), decode it off
    the UI thread and show it; or say why not under its file line."""

    async def run() -> None:
        try:
            data = await ctx.ui.client.fetch_preview(account, attachment)
            picture = await asyncio.to_thread(decode, data, PICTURE_COLUMNS, PICTURE_ROWS)
        except (ClientError, PictureError) as exc:
            show(attachment.url, in_words(str(exc)))
            return
        show(attachment.url, picture)

    ctx.surface.start(run(), "pictures")


def view_picture(ctx: CommandContext, account: str, attachment: Attachment) -> None:
    """Fetch the picture ``attachment`` (asked for: from anyone) and show it as large as the
    screen allows, through kitty or sixel graphics where the terminal has them."""

    async def run() -> None:
        data = await ctx.ui.client.fetch_preview(account, attachment)
        ctx.ask(PictureDialog(attachment.name, data), lambda _closed: None)

    ctx.request(run(), f"could not show {attachment.name}")
