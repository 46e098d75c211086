"""Provides ``/disco`` (the service browser) and ``/feeds`` (the Feeds view)."""

from __future__ import annotations

from tuichat.model import JID, InvalidJID
from tuichat.ui.commands import rooms
from tuichat.ui.commands.adhoc import open_commands
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.commands.gateways import open_registration
from tuichat.ui.dialogs.disco_browser import DiscoBrowser, DiscoChoice
from tuichat.ui.dialogs.feeds_view import FeedsView
from tuichat.ui.messages import ServiceActionRequested
from tuichat.ui.slash import SlashCall


def disco(ctx: CommandContext, call: SlashCall) -> None:
    """Browse JID (default: the account's server) and act on what it offers."""
    account = ctx.account()
    if account is None:
        ctx.fail("no account: F4 opens Accounts")
        return
    jid = call.arg("jid") or JID.parse(account).domain
    try:
        jid = str(JID.parse(jid))
    except InvalidJID as exc:
        ctx.fail(f"/disco: {exc}")
        return

    def chosen(choice: DiscoChoice | None) -> None:
        if choice is not None:
            act(ctx, account, choice)

    ctx.ask(DiscoBrowser(ctx.ui.client, account, jid, call.arg("node")), chosen)


def act(ctx: CommandContext, account: str, choice: DiscoChoice) -> None:
    """Carry out what was chosen in the browser: join a room, open a feed; running a command
    and registering belong to their features, reached through ``ServiceActionRequested``
    (the app hands it to :func:`carry_out`)."""
    if choice.action == "join":
        rooms.join(ctx, account, choice.jid)
    elif choice.action == "feed":
        open_feeds(ctx, account, choice.jid, choice.node)
    else:
        ctx.app.post_message(
            ServiceActionRequested(account, choice.action, choice.jid, choice.node)
        )


def carry_out(ctx: CommandContext, request: ServiceActionRequested) -> None:
    """Run one of a service's commands, or register with a gateway, as the browser asked."""
    if request.action == "command":
        open_commands(ctx, request.account, request.jid, request.node)
    elif request.action == "register":
        open_registration(ctx, request.account, request.jid)
    else:
        ctx.fail(f"nothing does {request.action!r} with {request.jid}")


def open_feeds(ctx: CommandContext, account: str, service: str = "", node: str = "") -> None:
    """Open the Feeds view (on ``node`` of ``service``, read afresh, when given)."""
    ctx.ask(FeedsView(ctx.ui.client, account, service, node, tz=ctx.ui.tz), lambda _none: None)


def feeds(ctx: CommandContext, _call: SlashCall) -> None:
    """The Feeds view of the current account."""
    account = ctx.account()
    if account is None:
        ctx.fail("no account: F4 opens Accounts")
        return
    open_feeds(ctx, account)
