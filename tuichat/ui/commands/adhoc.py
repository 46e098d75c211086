"""Provides ``/command``: a service's ad-hoc commands (XEP-0050), listed or run in a form.

:func:`open_commands` is the one way in (the slash command, and the disco browser's "run a
command"): a picker of the service's commands, or the command screen for one node.
"""

from __future__ import annotations

from collections.abc import Callable

from tuichat.command_client import CommandStep
from tuichat.model import JID, InvalidJID
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.dialogs.command_run import CommandScreen
from tuichat.ui.dialogs.room_picker import PickerEntry, RoomPicker
from tuichat.ui.slash import SlashCall


def command(ctx: CommandContext, call: SlashCall) -> None:
    """List the commands of ADDRESS (default: the account's server), or run NODE at once."""
    account = ctx.account()
    if account is None:
        ctx.fail("no account: F4 opens Accounts")
        return
    try:
        address = str(JID.parse(call.arg("address") or JID.parse(account).domain))
    except InvalidJID as exc:
        ctx.fail(f"/command: not a valid address: {exc}")
        return
    open_commands(ctx, account, address, call.arg("node"))


def open_commands(ctx: CommandContext, account: str, address: str, node: str = "") -> None:
    """Run ``node`` of ``address`` in the command screen; without a node, pick one first."""
    client = ctx.ui.client
    if node:
        ctx.ask(CommandScreen(client, account, address, node), _finished(ctx))
        return
    names: dict[str, str] = {}

    async def load() -> list[PickerEntry]:
        found = await client.list_commands(account, address)
        names.update(found)
        return [PickerEntry(node, name) for node, name in found]

    def chosen(picked: str | None) -> None:
        if picked is not None:
            screen = CommandScreen(client, account, address, picked, names.get(picked, ""))
            ctx.ask(screen, _finished(ctx))

    picker = RoomPicker(
        f"Commands of {address}",
        load,
        marker="› ",
        hint="type to filter; Enter runs the command, Esc closes",
        noun="command",
    )
    ctx.ask(picker, chosen)


def _finished(ctx: CommandContext) -> Callable[[CommandStep | None], None]:
    def done(step: CommandStep | None) -> None:
        if step is not None and step.status == "completed":
            ctx.notify(f"{step.node}: completed", timeout=4)

    return done
