"""Provides the command palette provider: every registry command, theme and status.

Commands that need words (``/join ROOM``, ``/kick NICK``…) are listed with "…": choosing one
puts its start in the composer, to be completed there. Textual reads a hit's help as markup,
so the help texts (our own words, with usages such as ``ROOM[/nick]``) are escaped.

Reads the same :class:`~tuichat.ui.commands.CommandRegistry` as the key bindings, the help
screen and the slash parser, and runs through the same dispatcher, so the palette never lists
a command the rest does not know.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from tuichat.model import Show

_STATUSES = (Show.ONLINE, Show.AWAY, Show.XA, Show.DND)


class RegistryProvider(Provider):
    """Palette entries from the command registry, plus one per theme and per status."""

    def _entries(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        app: Any = self.app
        registry = app.ctx.registry
        screen = self.screen
        on_main = screen.id == "main"
        for command in registry.commands:
            if command.scope == "main" and not on_main:
                continue
            if not command.palette:
                # A command that needs words (/join ROOM…) is typed: choosing it puts its
                # start in the composer.
                if command.slash and command.usage and on_main:
                    start = f"/{command.slash} "
                    run = partial(screen.run_action, f"prefill({start!r})")
                    yield f"{command.title}…", f"{command.slash_usage}: {command.help}", run
                continue
            target = app if command.scope == "app" else screen
            keys = command.keys.split(",")[0] if command.keys else ""
            help_text = f"{command.help}  [{keys}]" if keys else command.help
            yield command.title, help_text, partial(target.run_action, command.binding_action)
        for name in sorted(app.tuichat_themes):
            yield f"Theme: {name}", "Switch theme (remembered)", partial(app.set_theme, name)
        if on_main:
            for show in _STATUSES:
                line = f"/status {show.value}"
                run = partial(screen.run_action, f"line({line!r})")
                yield f"Status: {show.value}", "Set presence on every account", run

    async def discover(self) -> Hits:
        """Everything, for the empty query."""
        for title, help_text, run in self._entries():
            yield DiscoveryHit(title, run, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        """Entries matching ``query``, scored by Textual's fuzzy matcher."""
        matcher = self.matcher(query)
        for title, help_text, run in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=escape(help_text))
