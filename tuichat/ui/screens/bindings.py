"""Provides the one place where registry commands become Textual key bindings on a node.

Textual reads ``BINDINGS`` at class creation; user-configurable keys must be added per
instance, which ``App.bind`` does through the node's binding map. We call that same map so
priority bindings are possible too (``App.bind`` cannot set ``priority``).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.dom import DOMNode

from tuichat.ui.commands import Command


def install_bindings(node: DOMNode, commands: Iterable[Command]) -> None:
    """Bind each command's keys on ``node`` to its action."""
    for command in commands:
        if not command.keys:
            continue
        node._bindings.bind(
            command.keys,
            command.action,
            command.title,
            show=command.footer,
            priority=command.priority,
        )
