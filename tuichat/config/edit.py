"""Provides config editing that keeps the user's comments and layout byte for byte.

Edits are made on the text, line by line, guided by :func:`tuichat.config_layout.scan_layout`;
tomlkit renders the values (and rewrites a single changed ``key = value`` line, keeping its
comment). Rule: adding an account then removing it gives back the same bytes. Every write is
atomic (temporary file in the same folder, fsync, rename) and leaves the file 0600.
"""

from __future__ import annotations

import tomllib
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from tuichat.config.check import (
    ACCOUNT_KEYS,
    PASSWORD_KEYS,
    UI_KEYS,
    check_text,
    read_text,
    syntax_problem,
)
from tuichat.config.layout import KeyPath, scan_layout
from tuichat.config.model import AccountConfig, ConfigError, PasswordSource, Problem, TLSMode
from tuichat.config.model import normalise_account_jid as _normalise
from tuichat.config.read import nesting_problem
from tuichat.keys import ACTIONS, validate_key
from tuichat.model import InvalidJID
from tuichat.paths import private_dir, replace_file

_EDITABLE = frozenset(ACCOUNT_KEYS) - {"jid"} - set(PASSWORD_KEYS)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, mode 0600 (a new folder is made 0700).

    A symlinked config is written through to its target.
    """
    target = path.resolve() if path.is_symlink() else path
    if not target.parent.exists():
        private_dir(target.parent)
    replace_file(target, text.encode("utf-8"), durable=True)


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    text, _private, problems = read_text(path)
    if problems:
        raise ConfigError(problems)
    text = text or ""
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([syntax_problem(path, text, exc)]) from None
    except RecursionError:
        raise ConfigError([nesting_problem(path, text)]) from None


def _problem(path: Path, key: str, message: str, line: int = 0) -> ConfigError:
    return ConfigError([Problem(path, line, key, message)])


def _find_account(path: Path, text: str, data: dict[str, Any], jid: str) -> int | None:
    try:
        wanted = _normalise(jid)
    except InvalidJID as exc:
        raise _problem(path, "account.jid", str(exc)) from None
    accounts = data.get("account")
    if not isinstance(accounts, list):
        return None
    for index, table in enumerate(accounts):
        with suppress(InvalidJID, AttributeError, TypeError):
            if _normalise(table.get("jid")) == wanted:
                if scan_layout(text).table(("account", index)) is None:
                    raise _problem(path, "account", "write accounts as [[account]] tables to edit")
                return index
    return None


def _toml_value(value: object) -> object:
    if isinstance(value, TLSMode):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _render(key: str, value: object) -> str:
    import tomlkit  # here: only an edit needs it (start-up time and memory)

    return f"{key} = {tomlkit.item(_toml_value(value)).as_string()}\n"


def render_account(account: AccountConfig) -> str:
    """The ``[[account]]`` table for ``account``, with only the non-default keys."""
    out = ["[[account]]\n", _render("jid", account.jid)]
    out.append(_render(account.password.config_key, account.password.value))
    defaults = AccountConfig(account.jid, account.password)
    names = ("host", "port", "tls", "ca_file", "cert_fingerprint", "resource", "enabled")
    for name in (*names, "notify", "bell", "omemo"):
        value = getattr(account, name)
        if value is not None and value != getattr(defaults, name):
            out.append(_render(name, value))
    if account.muted:
        out.append(_render("muted", account.muted))
    return "".join(out)


def _check_new(path: Path, text: str, first: int, last: int) -> None:
    """Refuse an edit whose result does not parse or has a problem in lines first..last."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _problem(path, "toml", f"the edit would break the file: {exc}") from None
    _config, problems = check_text(text, path, private=True)
    # The new text is not written, so its line numbers would mislead: report without them.
    mine = [replace(p, line=0) for p in problems if first <= p.line <= last]
    if mine:
        raise ConfigError(mine)


def add_account(path: Path, account: AccountConfig) -> None:
    """Append ``account`` as an ``[[account]]`` table at the end of the file (see config.py)."""
    text, data = _read(path)
    existing = _find_account(path, text, data, account.jid)
    if existing is not None:
        line = scan_layout(text).line(("account", existing, "jid"))
        raise _problem(path, "account.jid", f"account {account.jid} already exists", line)
    block = render_account(account)
    if text and not text.endswith("\n"):
        text += "\n"
    prefix = text + "\n" if text else ""
    new_text = prefix + block
    first = prefix.count("\n") + 1
    _check_new(path, new_text, first, new_text.count("\n"))
    write_atomic(path, new_text)


def remove_account(path: Path, jid: str) -> None:
    """Remove the account ``jid``, the comments right above it and one blank line."""
    text, data = _read(path)
    index = _find_account(path, text, data, jid)
    if index is None:
        raise _problem(path, "account", f"no account {jid} in the config")
    layout = scan_layout(text)
    lines = text.splitlines(keepends=True)
    tables = [t for t in layout.tables if t.path[:2] == ("account", index)]
    start = tables[0].header
    end = max(t.last for t in tables)
    while start > 1 and lines[start - 2].lstrip().startswith("#"):
        start -= 1
    if start > 1 and not lines[start - 2].strip():
        start -= 1
    elif end < len(lines) and not lines[end].strip():
        end += 1
    write_atomic(path, "".join(lines[: start - 1] + lines[end:]))


def _set_in_table(text: str, table_path: KeyPath, key: str, value: object | None) -> str:
    """``text`` with ``key`` set to ``value`` (removed if None) in the table ``table_path``."""
    layout = scan_layout(text)
    table = layout.table(table_path)
    lines = text.splitlines(keepends=True)
    if table is None:
        if value is None:
            return text
        header = f"[{'.'.join(str(p) for p in table_path)}]\n"
        prefix = (text if not text or text.endswith("\n") else text + "\n") + ("\n" if text else "")
        return prefix + header + _render(key, value)
    entry = table.entry(key)
    if value is None:
        return text if entry is None else "".join(lines[: entry.first - 1] + lines[entry.last :])
    if entry is None:
        at = table.last
        if at and not lines[at - 1].endswith("\n"):
            lines[at - 1] += "\n"
        return "".join([*lines[:at], _render(key, value), *lines[at:]])
    new_line = _render(key, value)
    if entry.first == entry.last:
        with suppress(Exception):
            import tomlkit

            doc = tomlkit.parse(lines[entry.first - 1])
            if list(doc) == [key]:
                doc[key] = _toml_value(value)
                new_line = tomlkit.dumps(doc)
                if not new_line.endswith("\n"):
                    new_line += "\n"
    return "".join([*lines[: entry.first - 1], new_line, *lines[entry.last :]])


def update_account(path: Path, jid: str, **changes: object) -> None:
    """Change keys of the account ``jid``; None removes a key (see config.py)."""
    text, data = _read(path)
    index = _find_account(path, text, data, jid)
    if index is None:
        raise _problem(path, "account", f"no account {jid} in the config")
    base: KeyPath = ("account", index)
    for name, value in changes.items():
        if name == "password":
            if not isinstance(value, PasswordSource):
                raise _problem(path, "account.password", "must be a PasswordSource")
            for key in PASSWORD_KEYS:
                text = _set_in_table(text, base, key, None)
            text = _set_in_table(text, base, value.config_key, value.value)
        elif name in _EDITABLE:
            text = _set_in_table(text, base, name, value)
        else:
            raise _problem(path, f"account.{name}", "is not a key that can be changed")
    table = scan_layout(text).table(base)
    assert table is not None
    _check_new(path, text, table.header, table.last)
    write_atomic(path, text)


def set_ui_option(path: Path, key: str, value: object) -> None:
    """Set ``[ui]`` ``key`` or ``keys.ACTION`` to ``value``, checked first (see config.py)."""
    if key.startswith("keys."):
        table_path: KeyPath = ("keys",)
        name = key.removeprefix("keys.")
        if name not in ACTIONS:
            raise _problem(path, key, "unknown action")
        error = validate_key(value) if isinstance(value, str) else "must be a string"
        if error:
            raise _problem(path, key, error)
    else:
        table_path, name = ("ui",), key
        want = UI_KEYS.get(key)
        if want is None:
            raise _problem(path, f"ui.{key}", f"unknown key (known: {', '.join(UI_KEYS)})")
        if not isinstance(value, want):
            raise _problem(path, f"ui.{key}", f"must be a {want.__name__}")
    text, _data = _read(path)
    text = _set_in_table(text, table_path, name, value)
    table = scan_layout(text).table(table_path)
    first, last = (table.header, table.last) if table else (1, text.count("\n") + 1)
    _check_new(path, text, first, last)
    write_atomic(path, text)
