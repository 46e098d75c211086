"""Provides the commands about what the main screen shows: sidebar, scrolling, the occupant
list, room traffic, and composing in ``$EDITOR``."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual.app import SuspendNotSupported

from tuichat.ui.commands.context import CommandContext
from tuichat.ui.slash import SlashCall


def filter_roster(ctx: CommandContext, _call: SlashCall) -> None:
    """Show the roster and put the cursor in its filter."""
    ctx.surface.view_action("filter_roster")


def toggle_roster(ctx: CommandContext, _call: SlashCall) -> None:
    """Show or hide the roster sidebar."""
    ctx.surface.view_action("toggle_roster")


def toggle_offline(ctx: CommandContext, _call: SlashCall) -> None:
    """Fold or unfold offline contacts."""
    ctx.state.show_offline = not ctx.state.show_offline
    ctx.surface.changed("roster")


def focus_composer(ctx: CommandContext, _call: SlashCall) -> None:
    """Put the cursor in the composer."""
    ctx.surface.view_action("focus_composer")


def scroll_up(ctx: CommandContext, _call: SlashCall) -> None:
    """Scroll the log up a page."""
    ctx.surface.view_action("scroll_up")


def scroll_down(ctx: CommandContext, _call: SlashCall) -> None:
    """Scroll the log down a page."""
    ctx.surface.view_action("scroll_down")


def toggle_occupants(ctx: CommandContext, _call: SlashCall) -> None:
    """Show or hide the occupant list of the room in view."""
    if ctx.info is None or not ctx.info.has_occupants:
        ctx.notify("no room in view: the occupant list is for rooms")
        return
    ctx.state.occupants_wanted = not ctx.state.occupants_wanted
    ctx.surface.changed("view")


def set_traffic(ctx: CommandContext, shown: bool) -> None:
    """Show or fold away joins, leaves and nick changes in room logs."""
    ctx.state.rooms.show_traffic = shown
    ctx.surface.changed("view")
    ctx.notify(f"joins, leaves and nick changes {'shown' if shown else 'hidden'}")


def toggle_traffic(ctx: CommandContext, _call: SlashCall) -> None:
    """F6: fold or unfold room traffic."""
    set_traffic(ctx, not ctx.state.rooms.show_traffic)


def presence(ctx: CommandContext, call: SlashCall) -> None:
    """``/presence hide|show``."""
    set_traffic(ctx, call.arg("choice") == "show")


def external_editor(ctx: CommandContext, _call: SlashCall) -> None:
    """Edit the composer text in ``$VISUAL``/``$EDITOR`` (the app is suspended meanwhile)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile(
        "w", suffix=".txt", prefix="tuichat-", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(ctx.surface.composer_text())
        path = Path(handle.name)
    try:
        with ctx.app.suspend():
            result = subprocess.run([*shlex.split(editor), str(path)], check=False)
        if result.returncode != 0:
            ctx.fail(f"{editor} exited with status {result.returncode}; text unchanged")
            return
        text = path.read_text(encoding="utf-8").rstrip("\n")
    except (OSError, ValueError) as exc:
        ctx.fail(f"could not run {editor}: {exc}")
        return
    except SuspendNotSupported as exc:  # headless and web drivers
        ctx.fail(f"cannot open an editor here: {exc}")
        return
    finally:
        path.unlink(missing_ok=True)
    ctx.prefill(text)
