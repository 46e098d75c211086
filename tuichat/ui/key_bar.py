"""Provides :class:`KeyBar`: the bottom line of key hints, one widget drawn as one line.

Why not Textual's ``Footer``: it is a container with a widget per key, removed and built again
(each styled three times) at every change of bindings, a change of focus included: at
start-up, just after the first frame, over half of the stylesheet's work, and again at every
dialog. This draws the same hints,
in the same theme colours (the ``$footer-*`` variables but ``$footer-item-background``, which
no theme of ours sets), as a line of text re-rendered in place. A click on a hint presses its
key, as the footer's did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.text import Text
from textual import events
from textual.binding import ActiveBinding
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen

SEPARATOR = "▏"
"""Between the hints and the command palette's key, on the right."""


class Hint(NamedTuple):
    """One key's hint."""

    key: str
    """The key to simulate on a click."""
    display: str
    description: str
    enabled: bool


class KeyBar(Widget, can_focus=False):
    """The active bindings marked to show, the command palette's key on the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--separator",
    }
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-bar--separator { color: $foreground 20%; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, Hint]] = []
        """Where each hint was drawn (start and end column), for clicks."""

    def on_mount(self) -> None:
        """Draw again whenever the screen's bindings change (focus moved, a mode changed)."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        """Stop listening to the screen."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen[object]) -> None:
        self.refresh()

    def hints(self) -> tuple[list[Hint], Hint | None]:
        """The hints to show, in the screen's order, one per action (its first key), and the
        command palette's (None: no palette, or its key is not bound here)."""
        palette_key = self.app.COMMAND_PALETTE_BINDING
        active = self._active_bindings(palette_key)
        seen: set[str] = set()
        hints: list[Hint] = []
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                hints.append(self._hint(binding, enabled))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and palette_key in active:
            _node, binding, enabled, _tooltip = active[palette_key]
            palette = self._hint(binding, enabled)
        return hints, palette

    def _active_bindings(self, palette_key: str) -> dict[str, ActiveBinding]:
        """``Screen.active_bindings`` for the keys that can show a hint only: Textual's asks
        every binding's ``check_action``, and parsing an action with arguments compiles them
        (``ast.literal_eval``): with the composer focused, 93 bindings, 44 compiles, 0.3 % of
        the instructions to the first frame, again at each change of focus. A key none of
        whose bindings shows is left out; the others are resolved as Textual does (the first
        binding in the chain whose action is not disabled, unless a later one has priority)."""
        app, chain = self.app, self.screen._modal_binding_chain
        keys = {key for _node, bindings in chain for key, b in bindings if b.show}
        keys.add(palette_key)
        active: dict[str, ActiveBinding] = {}
        for namespace, bindings in chain:
            for key, binding in bindings:
                if key not in keys:
                    continue
                state = app._check_action_state(binding.action, namespace)
                if state is False:  # disabled and hidden (None: shown, dimmed)
                    continue
                known = active.get(key)
                if known is None or (binding.priority and not known.binding.priority):
                    active[key] = ActiveBinding(namespace, binding, bool(state), binding.tooltip)
        return active

    def _hint(self, binding: Binding, enabled: bool) -> Hint:
        display = self.app.get_key_display(binding)
        return Hint(binding.key, display, binding.description, enabled)

    def render(self) -> Text:
        """`` key description `` for each hint that fits whole (the last ones are left out
        rather than cut); the palette's ``▏key description `` on the right."""
        hints, palette = self.hints()
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        right = Text(end="")
        if palette is not None:
            right.append(SEPARATOR, self.get_component_rich_style("key-bar--separator"))
            right.append(palette.display, key_style)
            right.append(f" {palette.description}", description_style)
            right.append(" ")  # the bar's own colours, as the footer's padding was
        room = self.size.width - right.cell_len
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, Hint]] = []
        for hint in hints:
            item = Text(end="")
            item.append(f" {hint.display} ", key_style)
            if hint.description:
                item.append(f"{hint.description} ", description_style)
            if not hint.enabled:
                item.stylize("dim")
            if line.cell_len + item.cell_len > room:
                break
            spans.append((line.cell_len, line.cell_len + item.cell_len, hint))
            line.append_text(item)
        if palette is not None:
            line.pad_right(max(0, room - line.cell_len))
            spans.append((line.cell_len, line.cell_len + right.cell_len, palette))
            line.append_text(right)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        """A click on a hint presses its key (a bell if it does nothing here now)."""
        for start, end, hint in self._spans:
            if start <= event.x < end:
                if hint.enabled:
                    self.app.simulate_key(hint.key)
                else:
                    self.app.bell()
                return
