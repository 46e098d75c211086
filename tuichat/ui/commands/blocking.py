"""Provides the block list commands: ``/block``, ``/spam``, ``/unblock`` and ``/blocked``.

The server keeps the list (XEP-0191) and drops everything a blocked JID sends. Without a JID
the commands are about the conversation in view: its contact, or the occupant of a room
private chat. A whole room is blocked only when named.
"""

from __future__ import annotations

from tuichat.client import Report
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.dialogs.room_picker import PickerEntry, RoomPicker
from tuichat.ui.slash import SlashCall
from tuichat.ui.state import ConvKey


def target(ctx: CommandContext, call: SlashCall, name: str) -> ConvKey | None:
    """The JID named, or the peer of the conversation in view (an inline error otherwise)."""
    jid = call.arg("jid")
    if jid:
        account = ctx.account_for(jid)
        if account is None:
            ctx.fail(f"/{name}: no account: F4 opens Accounts")
            return None
        return account, jid
    if ctx.key is None:
        ctx.fail(f"/{name}: name the JID, or open the conversation first")
        return None
    if ctx.info is not None and ctx.info.is_group:
        ctx.fail(
            f"/{name}: this is a room; to {name} the whole room, name it: /{name} {ctx.key[1]}"
        )
        return None
    return ctx.key


def block(ctx: CommandContext, call: SlashCall) -> None:
    """``/block [JID]``: the server drops everything from JID from now on."""
    _block(ctx, call, "block", None)


def spam(ctx: CommandContext, call: SlashCall) -> None:
    """``/spam [JID]``: block JID and report it to the server as a spammer."""
    _block(ctx, call, "spam", "spam")


def _block(ctx: CommandContext, call: SlashCall, name: str, report: Report | None) -> None:
    chosen = target(ctx, call, name)
    if chosen is None:
        return
    account, jid = chosen
    client = ctx.ui.client

    async def run() -> None:
        await client.block(account, jid, report)
        how = "blocked and reported as spam" if report else "blocked"
        ctx.notify(f"{jid} {how}: /unblock {jid} undoes it", timeout=5)

    ctx.request(run(), f"could not block {jid}")


def unblock(ctx: CommandContext, call: SlashCall) -> None:
    """``/unblock [JID]``."""
    chosen = target(ctx, call, "unblock")
    if chosen is not None:
        _unblock(ctx, *chosen)


def _unblock(ctx: CommandContext, account: str, jid: str) -> None:
    client = ctx.ui.client

    async def run() -> None:
        await client.unblock(account, jid)
        ctx.notify(f"{jid} unblocked", timeout=4)

    ctx.request(run(), f"could not unblock {jid}")


def blocked(ctx: CommandContext, _call: SlashCall) -> None:
    """``/blocked``: the account's block list; Enter unblocks the highlighted JID."""
    account = ctx.some_account()
    if account is None:
        return
    client = ctx.ui.client

    async def load() -> list[PickerEntry]:
        return [PickerEntry(jid) for jid in await client.blocked(account)]

    def chosen(jid: str | None) -> None:
        if jid is not None:
            _unblock(ctx, account, jid)

    picker = RoomPicker(
        f"Blocked by {account}",
        load,
        marker="⊘ ",
        hint="type to filter; Enter unblocks, Esc closes",
        noun="blocked JID",
    )
    ctx.ask(picker, chosen)
