"""Provides the one dispatcher: composer lines, key bindings and the palette all run here.

A command is found in the registry by its name or its slash name, and the registry entry names
the function that runs it (:attr:`~tuichat.ui.commands.registry.Command.run`). App-wide
commands without a function (help, quit, accounts…) run as the app's Textual actions.

The main screen's widget messages (a contact chosen, Up in an empty composer…) run here too,
through functions that import their command module at the first call: none is imported before
the first frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuichat.model import Message
from tuichat.ui import slash
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.commands.registry import Command
from tuichat.ui.state import ConvKey

if TYPE_CHECKING:
    from tuichat.ui.picture_lines import ShowPicture


def run_command(ctx: CommandContext, command: Command, call: slash.SlashCall | None = None) -> None:
    """Run ``command`` (``call``: its parsed slash arguments, if it came from a line)."""
    if command.run is not None:
        command.run(ctx, call or slash.SlashCall(command.slash or command.name))
    else:
        ctx.app.call_later(ctx.app.run_action, f"app.{command.action}")


def run_named(ctx: CommandContext, name: str) -> None:
    """Run the command ``name`` (a key binding or a palette entry)."""
    command = ctx.ui.registry.get(name)
    if command is not None:
        run_command(ctx, command)


def run_line(ctx: CommandContext, text: str) -> None:
    """Run a slash command, or send ``text`` to the conversation in view."""
    # Imported at the first line run, not before the first frame (they bring their dialogs).
    from tuichat.ui.commands import messaging, rooms

    ctx.fail("")
    if slash.is_command(text):
        if rooms.private_line(ctx, text):
            return
        parsed = slash.parse(text, ctx.ui.registry.slash_specs)
        if isinstance(parsed, slash.SlashError):
            ctx.fail(parsed.message, restore=text)
            return
        command = ctx.ui.registry.by_slash(parsed.name)
        if command is None:  # pragma: no cover - parse() only accepts registry names
            ctx.fail(f"unknown command /{parsed.name}", text)
            return
        run_command(ctx, command, parsed)
        return
    if ctx.key is None:
        ctx.fail("no conversation open: /msg JID, or Ctrl+K to pick a contact", text)
        return
    messaging.send(ctx, ctx.key, slash.unescape(text))


def complete(ctx: CommandContext, text: str) -> list[str]:
    """The composer's completions of ``text`` (Tab)."""
    from tuichat.ui.commands import messaging

    return messaging.complete(ctx, text)


def recall(ctx: CommandContext, message: Message | None) -> None:
    """Up in an empty composer: Enter then corrects our last message ``message``."""
    from tuichat.ui.commands import actions

    if ctx.key is not None:
        actions.recall(ctx, message)


def log_action(
    ctx: CommandContext, action: str, message: Message | None, show: ShowPicture | None = None
) -> None:
    """The reader asked for ``action`` on ``message`` in the log (``show``: where the log
    draws its pictures, when it asks for them)."""
    from tuichat.ui.commands import actions

    actions.from_log(ctx, action, message, show)


def occupant_chosen(ctx: CommandContext, nick: str) -> None:
    """A private chat with ``nick`` of the room in view."""
    from tuichat.ui.commands import rooms

    room = ctx.current_room()
    if room is not None:
        rooms.open_private(ctx, (room.account, f"{room.jid}/{nick}"))


def older(ctx: CommandContext, oldest: Message) -> None:
    """The page before ``oldest`` (scrolled to the top of the log)."""
    from tuichat.ui.commands import conversations

    conversations.older(ctx, oldest)


def contact_chosen(ctx: CommandContext, key: ConvKey) -> None:
    """A sidebar row chosen: accept the invitation it is, else open the conversation."""
    from tuichat.ui.commands import invitations, rooms

    if key in ctx.state.rooms.invitations:
        invitations.accept(ctx, slash.SlashCall("accept-invite", {"room": key[1]}))
    else:
        rooms.choose(ctx, key)
