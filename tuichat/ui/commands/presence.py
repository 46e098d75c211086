"""Provides ``/status`` (and the palette's "Status: …" entries): our presence everywhere;
``/reconnect``: connect an account again now, without waiting for its next retry; and
``/avatar PATH``: publish our avatar (XEP-0084)."""

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


def reconnect(ctx: CommandContext, call: SlashCall) -> None:
    """``/reconnect [ACCOUNT]``: retry the connection of ``account`` (default: the one in
    view, else the first) now."""
    account = call.arg("account") or ctx.account()
    if account is None:
        ctx.fail("/reconnect: no account: F4 opens Accounts")
        return
    if account not in ctx.accounts:
        ctx.fail(f"/reconnect: no account {account}: F4 lists them")
        return
    ctx.request(ctx.ui.client.reconnect(account), f"could not reconnect {account}")
    ctx.notify(f"reconnecting {account}")


def avatar(ctx: CommandContext, call: SlashCall) -> None:
    """``/avatar PATH``: publish the picture at PATH as our avatar on the account in view
    (else the first)."""
    path = unquote(call.arg("path").strip())
    account = ctx.account()
    if not path:
        ctx.fail("/avatar: name the picture (PNG, JPEG, GIF or WebP, at most 256 KiB)")
        return
    if account is None:
        ctx.fail("/avatar: no account: F4 opens Accounts")
        return

    async def publish() -> None:
        await ctx.ui.client.publish_avatar(account, path)
        ctx.notify(f"avatar published on {account}")

    ctx.request(publish(), "could not publish the avatar")
