"""Provides the table of user-bindable actions and the check for key binding syntax.

Rule: this module knows Textual's key *names* but never imports Textual; the UI builds its
bindings from :data:`ACTIONS`, overridden by the ``[keys]`` table of the config file.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["ACTIONS", "MODIFIERS", "KeyAction", "validate_key"]


@dataclass(frozen=True, slots=True)
class KeyAction:
    """An action the user can bind keys to."""

    name: str
    """The action name, as written in ``[keys]``."""
    default_keys: str
    """Comma-separated Textual key names bound by default."""
    description: str
    """One line for the help screen."""


def _actions() -> Mapping[str, KeyAction]:
    table = [
        KeyAction("quit", "ctrl+q", "Quit tuichat"),
        KeyAction("help", "f1,question_mark", "Show the keys and commands"),
        KeyAction("quick_switcher", "ctrl+k", "Jump to a contact, room or conversation"),
        KeyAction("next_unread", "ctrl+n", "Go to the next conversation with unread messages"),
        KeyAction("previous_unread", "ctrl+p", "Go to the previous conversation with unread"),
        KeyAction("close_conversation", "ctrl+w", "Close the current conversation"),
        KeyAction("toggle_roster", "f2", "Show or hide the contact list"),
        KeyAction("toggle_offline", "ctrl+o", "Show or hide offline contacts"),
        KeyAction("filter_roster", "ctrl+f", "Filter the contact list"),
        KeyAction("search", "f3", "Search the message history"),
        KeyAction("accounts", "f4", "Manage accounts"),
        KeyAction("toggle_occupants", "f5", "Show or hide the room occupant list"),
        KeyAction("command_palette", "f10", "Open the command palette"),
        KeyAction("newline", "alt+enter,ctrl+j", "Insert a new line in the composer"),
        KeyAction("external_editor", "ctrl+e", "Compose the message in $EDITOR"),
        KeyAction("toggle_traffic", "f6", "Fold away or show joins, leaves and nick changes"),
    ]
    table += [
        KeyAction(f"switch_{n}", f"alt+{n}", f"Switch to conversation {n}") for n in range(1, 10)
    ]
    return MappingProxyType({action.name: action for action in table})


ACTIONS: Mapping[str, KeyAction] = _actions()
"""Every bindable action by name (read-only)."""

MODIFIERS = ("ctrl", "alt", "shift", "meta", "super")
"""Modifier names accepted before ``+``."""

# Textual's names for ASCII punctuation (the rule of textual.keys._character_to_key).
_REPLACEMENTS = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def _punctuation_names() -> frozenset[str]:
    names = set()
    for ch in string.punctuation:
        name = unicodedata.name(ch).lower().replace("-", "_").replace(" ", "_")
        names.add(_REPLACEMENTS.get(name, name))
    return frozenset(names)


_NAMED_KEYS = (
    frozenset(
        {
            "enter",
            "return",
            "escape",
            "tab",
            "space",
            "backspace",
            "delete",
            "insert",
            "home",
            "end",
            "pageup",
            "pagedown",
            "up",
            "down",
            "left",
            "right",
        }
        | {f"f{n}" for n in range(1, 25)}
    )
    | _punctuation_names()
)


def _check_name(name: str) -> str | None:
    if len(name) == 1:
        if name in "+,":
            word = "plus" if name == "+" else "comma"
            return f"write {name!r} as {word!r}"
        if not name.isprintable() or name.isspace():
            return "a single-character key must be a printable character (use 'space' for space)"
        return None
    if name in _NAMED_KEYS:
        return None
    if name.lower() in _NAMED_KEYS:
        return f"key names are lower case: write {name.lower()!r}"
    return f"unknown key name {name!r}"


def _check_one(key: str) -> str | None:
    parts = key.split("+")
    name = parts[-1]
    mods = parts[:-1]
    if not name:
        return f"{key!r} has no key after '+' (write '+' as 'plus')"
    seen: set[str] = set()
    for mod in mods:
        if mod not in MODIFIERS:
            if mod.lower() in MODIFIERS:
                return f"modifiers are lower case: write {mod.lower()!r}"
            return f"unknown modifier {mod!r} in {key!r} (use {', '.join(MODIFIERS)})"
        if mod in seen:
            return f"modifier {mod!r} repeated in {key!r}"
        seen.add(mod)
    if mods and len(name) == 1 and name.isupper():
        shift = [] if "shift" in mods else ["shift"]
        return f"write {key!r} as {'+'.join([*mods, *shift, name.lower()])!r}"
    problem = _check_name(name)
    return f"{problem} in {key!r}" if problem and problem.startswith("unknown") else problem


def validate_key(key: str) -> str | None:
    """Return what is wrong with the binding ``key``, or None when Textual accepts it.

    ``key`` is one or more comma-separated alternatives, each ``[modifier+]*name``: modifiers
    are ctrl, alt, shift, meta and super; a name is one printable character, ``f1``–``f24``
    or a Textual key name (``enter``, ``pageup``, ``question_mark``, ``full_stop``…).
    """
    if not isinstance(key, str):
        return "a key binding must be a string"
    if not key.strip():
        return "the key binding is empty"
    for alternative in key.split(","):
        alternative = alternative.strip()
        if not alternative:
            return f"{key!r} has an empty alternative between commas"
        if " " in alternative:
            return f"{alternative!r} contains a space (separate alternatives with ',')"
        problem = _check_one(alternative)
        if problem:
            return problem
    return None
