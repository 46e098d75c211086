"""Tests of the code's shape: the main screen is built from parts, modules and classes stay
small, commands are found through the registry, the UI catches the client's own errors."""

from __future__ import annotations

import ast
from pathlib import Path

from textual.screen import Screen

import tuichat
from tuichat.ui.commands import build_registry
from tuichat.ui.screens.main import MainScreen

ROOT = Path(tuichat.__file__).parent
MAX_CLASS = 500
MAX_MODULE = 550


def test_the_main_screen_is_a_plain_screen() -> None:
    """No mixin tower: MainScreen derives from Textual's Screen alone."""
    assert MainScreen.__bases__ == (Screen,)


def test_no_class_or_module_is_too_long() -> None:
    """Classes stay under 500 lines and modules under 550 (STYLE.md §2.17)."""
    too_long = []
    for path in sorted(ROOT.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > MAX_MODULE:
            too_long.append(f"{path.relative_to(ROOT)}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_CLASS:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.name}: {size} lines")
    assert too_long == []


def test_every_main_screen_command_names_its_function() -> None:
    """Keys, the palette and slash lines reach a command through the registry's table."""
    registry = build_registry()
    missing = [c.name for c in registry.in_scope("main") if c.run is None]
    assert missing == []
    assert registry.get("switch_3") is not None
    assert registry.get("switch_3").binding_action == "command('switch_3')"  # type: ignore[union-attr]
    assert registry.get("help").binding_action == "help"  # type: ignore[union-attr]


def test_the_ui_catches_the_clients_errors_not_every_exception() -> None:
    """Around client calls the UI catches ``ClientError`` (a bug must not pass as a refusal)."""
    offenders = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "client." in source and "except Exception" in source:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
