"""Provides the user's commands: the registry, one module per topic, and the dispatcher.

Each command is a plain function ``(ctx, call) -> None`` in its topic's module
(:mod:`.contacts`, :mod:`.conversations`, :mod:`.rooms`, :mod:`.moderation`, :mod:`.omemo`,
:mod:`.bookmarks`, :mod:`.invitations`, :mod:`.presence`, :mod:`.view`, :mod:`.general`), named
once in the registry (:mod:`.registry`) and run through :mod:`.dispatch` by keys, the palette
and slash lines alike. Commands never import the screens: they act through
:class:`~tuichat.ui.commands.context.CommandContext`.
"""

from __future__ import annotations

from tuichat.ui.commands.registry import (
    ALT_DIGIT_CHARACTERS,
    Command,
    CommandRegistry,
    Runner,
    build_registry,
)

__all__ = ["ALT_DIGIT_CHARACTERS", "Command", "CommandRegistry", "Runner", "build_registry"]
