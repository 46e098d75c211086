"""Provides the one place where registry commands become Textual key bindings on a node.

Textual reads ``BINDINGS`` at class creation; user-configurable keys must be added per
instance, which ``App.bind`` does through the node's binding map. We call that same map so
priority bindings are possible too (``App.bind`` cannot set ``priority``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from textual.dom import DOMNode

from tuichat.ui.commands import ALT_DIGIT_CHARACTERS, Command


def install_bindings(node: DOMNode, commands: Iterable[Command]) -> None:
    """Bind each command's keys on ``node`` to its action (see ``Command.binding_action``)."""
    for command in commands:
        if not command.keys:
            continue
        node._bindings.bind(
            command.keys,
            command.binding_action,
            command.title,
            show=command.footer,
            priority=command.priority,
        )


def _key_name(character: str) -> str:
    if character.isalnum():
        return character
    return unicodedata.name(character).lower().replace(" ", "_").replace("-", "_")


def install_alt_digit_fallback(node: DOMNode, commands: Iterable[Command]) -> None:
    """Bind the characters ESC+1…9 turn into to ``switch_fallback(n)`` where Alt+n is bound."""
    for command in commands:
        if not command.name.startswith("switch_"):
            continue
        number = int(command.name.removeprefix("switch_"))
        if f"alt+{number}" in command.keys.split(","):
            key = _key_name(ALT_DIGIT_CHARACTERS[number - 1])
            node._bindings.bind(key, f"switch_fallback({number})", "", show=False, priority=True)
