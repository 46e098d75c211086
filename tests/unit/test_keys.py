"""Tests for the bindable action table and the key binding syntax check."""

from __future__ import annotations

import pytest

from tuichat.keys import ACTIONS, KeyAction, validate_key

REQUIRED_DEFAULTS = {
    "quit": "ctrl+q",
    "help": "f1,question_mark",
    "quick_switcher": "ctrl+k",
    "next_unread": "ctrl+n",
    "previous_unread": "ctrl+p",
    "close_conversation": "ctrl+w",
    "toggle_roster": "f2",
    "toggle_offline": "ctrl+o",
    "filter_roster": "ctrl+f",
    "search": "f3",
    "accounts": "f4",
    "toggle_occupants": "f5",
    "command_palette": "f10",
    "newline": "alt+enter,ctrl+j",
    "external_editor": "ctrl+e",
    **{f"switch_{n}": f"alt+{n}" for n in range(1, 10)},
}


def test_required_actions_have_their_defaults() -> None:
    """The UI and the help screen rely on these actions and their documented keys."""
    assert {name: ACTIONS[name].default_keys for name in REQUIRED_DEFAULTS} == REQUIRED_DEFAULTS


@pytest.mark.parametrize("action", list(ACTIONS.values()), ids=lambda a: a.name)
def test_every_default_binding_is_valid_and_described(action: KeyAction) -> None:
    """A default that fails our own check would be refused in the user's config."""
    assert validate_key(action.default_keys) is None
    assert action.description and action.name == action.name.strip()


def test_no_two_actions_share_a_default_key() -> None:
    """Two actions on one key means one of them can never be reached."""
    seen: dict[str, str] = {}
    for action in ACTIONS.values():
        for key in action.default_keys.split(","):
            assert key not in seen, f"{key} bound to {seen.get(key)} and {action.name}"
            seen[key] = action.name


def test_actions_table_is_read_only() -> None:
    """The table is shared; nobody may change it at run time."""
    with pytest.raises(TypeError):
        ACTIONS["quit"] = ACTIONS["help"]  # type: ignore[index]


@pytest.mark.parametrize(
    "key",
    [
        "ctrl+k",
        "f1",
        "f24",
        "alt+1",
        "ctrl+shift+alt+meta+super+x",
        "enter",
        "alt+enter,ctrl+j",
        "ctrl+k , ctrl+l",
        "question_mark",
        "full_stop",
        "equals_sign",
        "backslash",
        "pagedown",
        "x",
        "?",
        "K",
        "é",
    ],
)
def test_valid_keys_are_accepted(key: str) -> None:
    """Textual's names, single characters and modifier chains are all bindable."""
    assert validate_key(key) is None


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ctrl+k,", "empty alternative"),
        ("ctrl+", "no key after '+'"),
        ("hyper+k", "unknown modifier 'hyper'"),
        ("Ctrl+k", "modifiers are lower case"),
        ("ctrl+ctrl+k", "repeated"),
        ("f25", "unknown key name 'f25'"),
        ("ctrl+Enter", "lower case"),
        ("ctrl+K", "ctrl+shift+k"),
        ("enterr", "unknown key name"),
        ("ctrl k", "contains a space"),
        ("\x07", "printable"),
    ],
)
def test_invalid_keys_are_explained(key: str, fragment: str) -> None:
    """A bad binding gets an error text saying what to write instead."""
    error = validate_key(key)
    assert error is not None and fragment in error
