"""Provides ``/status`` (and the palette's "Status: …" entries): our presence everywhere."""

from __future__ import annotations

from tuichat.model import Show
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.slash import SlashCall, unquote


def status(ctx: CommandContext, call: SlashCall) -> None:
    """``/status online|away|xa|dnd [text]``: set our presence on every account (the text may
    be quoted: ``/status away "in a meeting"`` sends the words without the quotes)."""
    show = Show(call.arg("choice"))
    work = ctx.ui.client.set_presence(None, show, unquote(call.arg("text").strip()))
    ctx.request(work, "could not set status")
    ctx.notify(f"status: {show.value}")
