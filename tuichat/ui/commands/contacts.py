"""Provides the roster commands: ``/add``, ``/remove``, ``/rename``, ``/group``, subscription
answers (``/accept``, ``/deny``, Alt+A) and ``/mute``/``/unmute``.

Roster commands refuse a room or a private chat: they ask the conversation's capabilities.
"""

from __future__ import annotations

from tuichat.config import ConfigError, update_account
from tuichat.ui.capabilities import Feature
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.dialogs.contact_info import ContactInfoScreen
from tuichat.ui.dialogs.subscription import Answer, SubscriptionPrompt
from tuichat.ui.messages import ConfigChanged
from tuichat.ui.slash import SlashCall
from tuichat.ui.state import ConvKey

ROSTER_ONLY = ("rename", "group", "remove")
"""Commands that change the roster: not for a room or a private chat."""


def contact_target(ctx: CommandContext, name: str) -> ConvKey | None:
    """The conversation in view, or an inline error (roster commands refuse a room)."""
    if ctx.key is None:
        ctx.fail(f"/{name}: open the contact's conversation first")
        return None
    if name in ROSTER_ONLY and ctx.info is not None and Feature.ROSTER not in ctx.info.features:
        ctx.fail(f"/{name} is for contacts; this is a room conversation")
        return None
    return ctx.key


def add(ctx: CommandContext, call: SlashCall) -> None:
    """``/add JID [name]``: add to the roster and ask for their presence."""
    account = ctx.account()
    if account is None:
        ctx.fail("/add: no account: F4 opens Accounts")
        return
    jid, name = call.arg("jid"), call.arg("name")
    ctx.request(ctx.ui.client.add_contact(account, jid, name), f"could not add {jid}")
    ctx.notify(f"asked {jid} to share presence", timeout=4)


def remove(ctx: CommandContext, call: SlashCall) -> None:
    """``/remove [JID]`` (default: the contact in view)."""
    jid = call.arg("jid")
    if jid:
        account = ctx.account_for(jid)
    else:
        target = contact_target(ctx, "remove")
        if target is None:
            return
        account, jid = target
    if account is None:
        return
    ctx.request(ctx.ui.client.remove_contact(account, jid), f"could not remove {jid}")


def rename(ctx: CommandContext, call: SlashCall) -> None:
    """``/rename name``: rename the contact in view."""
    target = contact_target(ctx, "rename")
    if target is not None:
        work = ctx.ui.client.update_contact(*target, name=call.arg("name"))
        ctx.request(work, "could not rename")


def group(ctx: CommandContext, call: SlashCall) -> None:
    """``/group name``: put the contact in view in a roster group."""
    target = contact_target(ctx, "group")
    if target is not None:
        work = ctx.ui.client.update_contact(*target, groups=(call.arg("name"),))
        ctx.request(work, "could not move the contact")


def answer(ctx: CommandContext, jid: str, accept: bool) -> None:
    """Accept or deny the subscription request of ``jid``."""
    roster = ctx.state.roster
    account = next((a for (a, j) in roster.requests if j == jid), None)
    account = account or ctx.account_for(jid)
    if account is None:
        ctx.fail("no account: F4 opens Accounts")
        return
    roster.drop_request(account, jid)
    ctx.surface.changed("roster")
    work = ctx.ui.client.answer_subscription(account, jid, accept)
    ctx.request(work, f"could not answer {jid}")


def accept(ctx: CommandContext, call: SlashCall) -> None:
    """``/accept JID``."""
    answer(ctx, call.arg("jid"), True)


def deny(ctx: CommandContext, call: SlashCall) -> None:
    """``/deny JID``."""
    answer(ctx, call.arg("jid"), False)


def subscriptions(ctx: CommandContext, _call: SlashCall) -> None:
    """Answer the oldest pending subscription request (Alt+A)."""
    requests = ctx.state.roster.requests
    if not requests:
        ctx.notify("no subscription request is waiting")
        return
    (account, jid), message = next(iter(requests.items()))

    def answered(choice: Answer | None) -> None:
        if choice is not None:
            answer(ctx, jid, choice == "accept")
        if choice == "spam":
            work = ctx.ui.client.block(account, jid, "spam")
            ctx.request(work, f"could not block {jid}")

    ctx.ask(SubscriptionPrompt(account, jid, message), answered)


def mute(ctx: CommandContext, _call: SlashCall) -> None:
    """No bell or notification for the conversation in view."""
    set_muted(ctx, True)


def unmute(ctx: CommandContext, _call: SlashCall) -> None:
    """Bell and notifications again for the conversation in view."""
    set_muted(ctx, False)


def set_muted(ctx: CommandContext, muted: bool) -> None:
    """Mute or unmute the conversation in view, remembered in the config file."""
    target = contact_target(ctx, "mute" if muted else "unmute")
    if target is None:
        return
    account, jid = target
    cfg = ctx.ui.account_config(account)
    if cfg is None:
        ctx.fail(f"{account} is not in the config file; cannot remember the mute")
        return
    current = [j for j in cfg.muted if j != jid]
    if muted:
        current.append(jid)
    try:
        update_account(ctx.ui.config.path, account, muted=current)
    except (ConfigError, OSError) as exc:
        ctx.fail(f"could not save: {exc}")
        return
    problem = ctx.ui.reload_config()
    if problem:
        ctx.fail(problem)
    ctx.app.post_message(ConfigChanged())
    ctx.surface.changed("header")
    ctx.notify(f"{jid} {'muted' if muted else 'unmuted'}")


def info(ctx: CommandContext, call: SlashCall) -> None:
    """``/info [JID]``: what JID (default: the contact in view) tells about itself."""
    jid = call.arg("jid")
    if jid:
        account = ctx.account_for(jid)
    elif ctx.key is not None and not (ctx.info is not None and ctx.info.is_group):
        account, jid = ctx.key
    else:
        ctx.fail("/info: name the JID, or open the contact's conversation first")
        return
    if account is None:
        ctx.fail("no account: F4 opens Accounts")
        return
    client, ui = ctx.ui.client, ctx.ui
    screen = ContactInfoScreen(
        jid, lambda: client.contact_info(account, jid), now=ui.clock, tz=ui.tz
    )
    ctx.ask(screen, lambda _: None)
