"""Provides lazy command modules: the registry names every command's function at start-up, but
a topic's module (and the dialogs it brings) is imported when one of its commands first runs.

The first frame needs the commands' names, keys and help (footer, bindings, palette), not their
code; importing every topic module and its dialogs cost a tenth of a bare Textual app's start.
:func:`topic` stands for a module of :mod:`tuichat.ui.commands`: its attributes are
:class:`Later` functions, which import the module on their first call. Type checkers see the
real modules (the registry imports them under ``TYPE_CHECKING``), so every name and signature is
still checked.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tuichat.ui.commands.context import CommandContext
    from tuichat.ui.slash import SlashCall

PACKAGE = "tuichat.ui.commands"


class Later:
    """``module.name`` (called with ``args`` first when it is a factory), imported on first use."""

    __slots__ = ("_args", "_module", "_name", "_real")

    def __init__(self, module: str, name: str, args: tuple[Any, ...] | None = None) -> None:
        self._module = module
        self._name = name
        self._args = args
        self._real: Any = None

    def __call__(self, ctx: CommandContext, call: SlashCall) -> None:
        self.resolve()(ctx, call)

    def resolve(self) -> Any:
        """The real function (the module is imported now if it was not yet)."""
        if self._real is None:
            target = getattr(importlib.import_module(f"{PACKAGE}.{self._module}"), self._name)
            self._real = target if self._args is None else target(*self._args)
        return self._real


class Topic:
    """A topic module of :mod:`tuichat.ui.commands`, not imported until a command runs.

    ``factories`` name its functions that make a command from arguments (``switcher(3)``):
    calling one of those here gives the product, still lazy. A constant (an upper-case name,
    such as a usage string) is read from the module, which is imported then.
    """

    __slots__ = ("_factories", "_module")

    def __init__(self, module: str, factories: tuple[str, ...] = ()) -> None:
        self._module = module
        self._factories = factories

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name.isupper():  # a constant (``USAGE``): the value is needed now
            return getattr(importlib.import_module(f"{PACKAGE}.{self._module}"), name)
        if name in self._factories:
            return lambda *args: Later(self._module, name, args)
        return Later(self._module, name)


def topic(module: str, factories: tuple[str, ...] = ()) -> Any:
    """The lazy stand-in for ``tuichat.ui.commands.<module>`` (typed as the module by callers)."""
    return Topic(module, factories)
