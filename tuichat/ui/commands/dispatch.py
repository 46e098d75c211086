"""Provides the one dispatcher: composer lines, key bindings and the palette all run here.

A command is found in the registry by its name or its slash name, and the registry entry names
the function that runs it (:attr:`~tuichat.ui.commands.registry.Command.run`). App-wide
commands without a function (help, quit, accounts…) run as the app's Textual actions.
"""

from __future__ import annotations

from tuichat.ui import slash
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.commands.registry import Command


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
