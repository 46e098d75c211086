"""Tests for config editing: comments kept byte for byte, atomic private writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tuichat.config import (
    AccountConfig,
    ConfigError,
    PasswordSource,
    TLSMode,
    add_account,
    check_config,
    load_config,
    remove_account,
    set_ui_option,
    update_account,
)

REALISTIC = """\
# tuichat configuration — see `tuichat config check`.
# Written by hand; please keep my comments!

[ui]
theme = "gruvbox"   # the warm one
bell = false
notify = true

[keys]
# I use ctrl+t like in my browser
quick_switcher = "ctrl+t"

# ---- accounts -------------------------------------------------------

# Personal account, password from pass(1)
[[account]]
jid = "alice@example.test"          # main
password_command = "pass show xmpp/alice"
muted = [
    "noisy@muc.example.test",   # too chatty
    "bots@muc.example.test",
]

# Work: direct TLS to the office server
[[account]]
jid = "alice@work.example"
password_env = "WORK_XMPP_PASSWORD"
host = "xmpp.work.example"
port = 5223
tls = "direct"
enabled = false   # only during the week

# trailing note about accounts
"""

NEW = AccountConfig(
    jid="carol@example.test",
    password=PasswordSource("plain", 'pa$$ "word"'),
    host="127.0.0.1",
    port=25222,
    tls=TLSMode.DIRECT,
    resource="tui",
    enabled=False,
    muted=("room@muc.example.test",),
)


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    """Write ``text`` as config.toml with ``mode``."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize(
    "text",
    [
        REALISTIC,
        REALISTIC + "\n\n",
        REALISTIC.replace("# trailing note about accounts\n", ""),
        "# only a comment\n",
        "",
        '[ui]\ntheme = "dark"\n',
    ],
    ids=["realistic", "blank-lines-at-end", "ends-with-account", "comment", "empty", "ui-only"],
)
def test_add_then_remove_is_byte_identical(tmp_path: Path, text: str) -> None:
    """Trying an account out and removing it must leave the user's file exactly as it was."""
    path = write(tmp_path, text)
    add_account(path, NEW)
    added = path.read_text(encoding="utf-8")
    assert added.startswith(text)
    assert load_config(path).accounts[-1] == NEW
    remove_account(path, "Carol@Example.TEST")
    assert path.read_bytes() == text.encode("utf-8")


def test_added_account_is_a_readable_block(tmp_path: Path) -> None:
    """The new table has only the non-default keys, after one blank line."""
    path = write(tmp_path, REALISTIC)
    add_account(path, AccountConfig("dave@x.test", PasswordSource("env", "DAVE"), port=5222))
    assert path.read_text().endswith(
        '# trailing note about accounts\n\n[[account]]\njid = "dave@x.test"\n'
        'password_env = "DAVE"\nport = 5222\n'
    )


def test_remove_middle_account_takes_its_comment_only(tmp_path: Path) -> None:
    """Removing an account drops its table and the comment above it; nothing else moves."""
    path = write(tmp_path, REALISTIC)
    remove_account(path, "alice@example.test")
    start = REALISTIC.index("\n# Personal account")
    end = REALISTIC.index("\n# Work:")
    assert path.read_text() == REALISTIC[:start] + REALISTIC[end:]
    assert [a.jid for a in load_config(path).accounts] == ["alice@work.example"]


def test_add_existing_account_is_refused(tmp_path: Path) -> None:
    """Adding twice (even spelled differently) must not create a duplicate."""
    path = write(tmp_path, REALISTIC)
    twin = AccountConfig("ALICE@Example.test", PasswordSource("env", "X"))
    with pytest.raises(ConfigError, match="already exists") as info:
        add_account(path, twin)
    assert (
        info.value.problems[0].line
        == REALISTIC.splitlines().index('jid = "alice@example.test"          # main') + 1
    )
    assert path.read_text() == REALISTIC


def test_remove_unknown_account_is_refused(tmp_path: Path) -> None:
    """Removing what is not there is an error a script can see."""
    path = write(tmp_path, REALISTIC)
    with pytest.raises(ConfigError, match=r"no account zed@x\.test"):
        remove_account(path, "zed@x.test")
    assert path.read_text() == REALISTIC


def test_add_invalid_account_is_refused_and_file_untouched(tmp_path: Path) -> None:
    """A bad value is caught before writing, reported without a misleading line."""
    path = write(tmp_path, REALISTIC)
    bad = AccountConfig("b@x.test", PasswordSource("env", "B"), host="bad host")
    with pytest.raises(ConfigError) as info:
        add_account(path, bad)
    [problem] = info.value.problems
    assert (problem.line, problem.key) == (0, "account.host")
    assert path.read_text() == REALISTIC


def test_edit_of_broken_file_is_refused(tmp_path: Path) -> None:
    """Editing a file that does not parse would lose the user's text: refuse with the line."""
    path = write(tmp_path, '[ui]\ntheme = "x\n')
    with pytest.raises(ConfigError) as info:
        add_account(path, NEW)
    assert info.value.problems[0].line == 2


def test_new_file_is_0600_in_new_0700_dir(tmp_path: Path) -> None:
    """The config may hold a password: private from the first write."""
    path = tmp_path / "new" / "tuichat" / "config.toml"
    add_account(path, NEW)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_config(path).accounts == (NEW,)


def test_rewrite_makes_a_readable_file_private(tmp_path: Path) -> None:
    """Writing a plain password into a 0644 file would leak it; every write ends 0600."""
    path = write(tmp_path, REALISTIC, mode=0o644)
    add_account(path, NEW)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert check_config(path) == []


def test_failed_write_leaves_original_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash mid-write must never leave a half-written config or litter."""
    path = write(tmp_path, REALISTIC)

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        add_account(path, NEW)
    assert path.read_text() == REALISTIC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_symlinked_config_is_written_through(tmp_path: Path) -> None:
    """Dotfile managers symlink the config; an edit must update the target, not the link."""
    real = write(tmp_path, REALISTIC)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    add_account(link, NEW)
    assert link.is_symlink()
    assert real.read_text().startswith(REALISTIC) and "carol@example.test" in real.read_text()


def test_update_account_keeps_comments(tmp_path: Path) -> None:
    """Changing one key rewrites only its value (inline comment kept); new keys go in place."""
    path = write(tmp_path, REALISTIC)
    update_account(path, "alice@work.example", enabled=True, port=None, resource="desk")
    text = path.read_text()
    assert 'enabled = true   # only during the week\nresource = "desk"\n' in text
    assert "port = 5223" not in text
    assert text.replace('resource = "desk"\n', "") == REALISTIC.replace(
        "enabled = false", "enabled = true"
    ).replace("port = 5223\n", "")
    work = load_config(path).account("alice@work.example")
    assert work is not None and work.enabled and work.port is None and work.resource == "desk"


def test_update_password_replaces_the_source(tmp_path: Path) -> None:
    """A new password source replaces the old one, never leaving two."""
    path = write(tmp_path, REALISTIC)
    update_account(path, "alice@example.test", password=PasswordSource("env", "ALICE_PW"))
    alice = load_config(path).account("alice@example.test")
    assert alice is not None and alice.password == PasswordSource("env", "ALICE_PW")
    assert "password_command" not in path.read_text().split("# Work")[0]


def test_update_rejects_bad_values(tmp_path: Path) -> None:
    """An update that would make the account invalid is refused, the file untouched."""
    path = write(tmp_path, REALISTIC)
    with pytest.raises(ConfigError, match="out of range"):
        update_account(path, "alice@example.test", port=0)
    with pytest.raises(ConfigError, match="not a key that can be changed"):
        update_account(path, "alice@example.test", colour="red")
    with pytest.raises(ConfigError, match="no account"):
        update_account(path, "nobody@example.test", enabled=False)
    assert path.read_text() == REALISTIC


def test_set_ui_option_in_place_and_new(tmp_path: Path) -> None:
    """UI options change in place (comment kept) or are added inside [ui]."""
    path = write(tmp_path, REALISTIC)
    set_ui_option(path, "theme", "nord")
    set_ui_option(path, "bell", True)
    set_ui_option(path, "keys.help", "f1")
    text = path.read_text()
    assert 'theme = "nord"   # the warm one\nbell = true\n' in text
    assert 'quick_switcher = "ctrl+t"\nhelp = "f1"\n' in text
    ui = load_config(path).ui
    assert (ui.theme, ui.bell, dict(ui.keys)) == (
        "nord",
        True,
        {"quick_switcher": "ctrl+t", "help": "f1"},
    )


def test_inline_images_can_be_turned_off(tmp_path: Path) -> None:
    """``[ui] inline_images`` is an option like the others: set, read back, checked."""
    path = write(tmp_path, REALISTIC)
    assert load_config(path).ui.inline_images
    set_ui_option(path, "inline_images", False)
    assert not load_config(path).ui.inline_images
    with pytest.raises(ConfigError, match="must be a bool"):
        set_ui_option(path, "inline_images", "no")


def test_set_ui_option_creates_the_table(tmp_path: Path) -> None:
    """A config without [ui] gains one; an empty file becomes a valid config."""
    path = write(tmp_path, "# just accounts\n")
    set_ui_option(path, "theme", "light")
    assert path.read_text() == '# just accounts\n\n[ui]\ntheme = "light"\n'
    assert load_config(path).ui.theme == "light"


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("theme", 3, "must be a str"),
        ("colour", "x", "unknown key"),
        ("keys.fly", "f1", "unknown action"),
        ("keys.quit", "ctrl+", "no key"),
    ],
)
def test_set_ui_option_rejects_bad_input(
    tmp_path: Path, key: str, value: object, fragment: str
) -> None:
    """A bad option never reaches the file."""
    path = write(tmp_path, REALISTIC)
    with pytest.raises(ConfigError, match=fragment):
        set_ui_option(path, key, value)
    assert path.read_text() == REALISTIC
