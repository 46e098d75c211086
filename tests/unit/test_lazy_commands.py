"""Lazy command modules: the registry names every command without importing its topic module."""

from __future__ import annotations

import inspect

import pytest

from tests.unit.test_import_hygiene import imported_after
from tuichat.ui.commands import build_registry
from tuichat.ui.commands.lazy import Later, topic


def test_building_the_registry_imports_no_topic_module_or_dialog() -> None:
    """The first frame needs names, keys and help only: no command module, no dialog."""
    modules = imported_after("from tuichat.ui.commands import build_registry; build_registry()")
    assert "tuichat.ui.commands.registry" in modules
    topics = ("bookmarks", "contacts", "general", "moderation", "presence", "view")
    assert [t for t in topics if f"tuichat.ui.commands.{t}" in modules] == []
    dialogs = ("room_picker", "room_config", "subscription")  # of bookmarks, moderation, contacts
    assert [d for d in dialogs if f"tuichat.ui.dialogs.{d}" in modules] == []


def test_every_lazy_command_resolves_to_a_command_function() -> None:
    """Each name in the table exists in its module and takes (ctx, call)."""
    lazy = [c for c in build_registry().commands if isinstance(c.run, Later)]
    assert len(lazy) > 40
    for command in lazy:
        assert isinstance(command.run, Later)
        real = command.run.resolve()
        assert list(inspect.signature(real).parameters)[:2] in (["ctx", "call"], ["ctx", "_call"])


def test_a_factory_is_called_with_its_arguments_on_first_use() -> None:
    switch_3 = build_registry().get("switch_3")
    assert switch_3 is not None and isinstance(switch_3.run, Later)
    assert switch_3.run.resolve().__qualname__ == "switcher.<locals>.run"


def test_a_name_missing_from_its_module_fails_when_resolved() -> None:
    with pytest.raises(AttributeError):
        topic("view").no_such_command.resolve()


def test_a_constant_is_read_from_its_module() -> None:
    """An upper-case name (a usage string in the table) is the module's value, not a function."""
    from tuichat.ui.commands import conversations

    assert topic("conversations").PAGE == conversations.PAGE
    assert not isinstance(topic("conversations").PAGE, Later)
