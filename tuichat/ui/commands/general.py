"""Provides the app-wide commands typed in the composer: ``/help [command]`` and ``/theme``."""

from __future__ import annotations

from tuichat.ui.commands.context import CommandContext
from tuichat.ui.slash import SlashCall


def help_topic(ctx: CommandContext, call: SlashCall) -> None:
    """``/help [command]``: every command and key, or the one named."""
    ctx.app.call_later(ctx.app.run_action, f"app.help({call.arg('command')!r})")


def theme(ctx: CommandContext, call: SlashCall) -> None:
    """``/theme NAME``: switch theme (and remember it)."""
    ctx.app.call_later(ctx.app.run_action, f"set_theme({call.arg('name')!r})")
