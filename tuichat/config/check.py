"""Provides config checking: every problem in a config file, each with its line and key.

Values come from :mod:`tomllib`; line numbers from :func:`tuichat.config_layout.scan_layout`.
"""

from __future__ import annotations

import difflib
import re
import shlex
import ssl
import stat
import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from tuichat.certificates import BadFingerprint, parse_fingerprint
from tuichat.config.layout import KeyPath, Layout, scan_layout
from tuichat.config.model import (
    AccountConfig,
    Config,
    ConfigError,
    PasswordKind,
    PasswordSource,
    Problem,
    TLSMode,
    UIConfig,
    normalise_account_jid,
)
from tuichat.config.read import nesting_problem, read_config_bytes
from tuichat.keys import ACTIONS, validate_key
from tuichat.model import JID, InvalidJID

UI_KEYS: dict[str, type] = {"theme": str, "bell": bool, "notify": bool, "inline_images": bool}
ACCOUNT_KEYS: dict[str, type] = {
    "jid": str,
    "password_command": str,
    "password_env": str,
    "password": str,
    "host": str,
    "port": int,
    "tls": str,
    "ca_file": str,
    "cert_fingerprint": str,
    "resource": str,
    "enabled": bool,
    "notify": bool,
    "bell": bool,
    "muted": list,
    "omemo": bool,
}
PASSWORD_KEYS: dict[str, PasswordKind] = {
    "password_command": "command",
    "password_env": "env",
    "password": "plain",
}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOML_TYPES = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    list: "an array",
    dict: "a table",
}


def _toml_type(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names.update({list: "an array", dict: "a table"})
    return names.get(type(value), "a date/time")


class _Checker:
    """Collects the problems of one parsed file."""

    def __init__(self, file: Path, layout: Layout, private: bool) -> None:
        self.file = file
        self.layout = layout
        self.private = private
        self.problems: list[Problem] = []

    def add(self, path: KeyPath, message: str, *, line: int | None = None) -> None:
        key = ".".join(p for p in path if isinstance(p, str)) or "file"
        self.problems.append(Problem(self.file, line or self.layout.line(path), key, message))

    def unknown(self, path: KeyPath, known: list[str], what: str) -> None:
        name = str(path[-1])
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
        self.add(path, f"unknown {what} ({hint})")

    def typed(self, path: KeyPath, value: object, want: type) -> bool:
        if isinstance(value, want) and not (want is int and isinstance(value, bool)):
            return True
        self.add(path, f"must be {_TOML_TYPES[want]}, not {_toml_type(value)}")
        return False

    def check(self, data: dict[str, Any]) -> Config | None:
        ui, accounts = UIConfig(), []
        for name, value in data.items():
            if name == "ui":
                ui = self.check_ui(value, data.get("keys", {}))
            elif name == "account":
                accounts = self.check_accounts(value)
            elif name != "keys":
                self.unknown((name,), ["ui", "keys", "account"], "key")
        if "keys" in data and "ui" not in data:
            ui = self.check_ui({}, data["keys"])
        self.problems.sort(key=lambda p: p.line)
        return None if self.problems else Config(self.file, ui, tuple(accounts))

    def check_ui(self, ui: object, keys: object) -> UIConfig:
        values: dict[str, Any] = {}
        if isinstance(ui, dict) or self.typed(("ui",), ui, dict):
            for name, value in ui.items() if isinstance(ui, dict) else ():
                if name not in UI_KEYS:
                    self.unknown(("ui", name), list(UI_KEYS), "key")
                elif self.typed(("ui", name), value, UI_KEYS[name]):
                    if name == "theme" and not value.strip():
                        self.add(("ui", name), "must not be empty")
                    values[name] = value
        bindings: dict[str, str] = {}
        if isinstance(keys, dict) or self.typed(("keys",), keys, dict):
            for action, key in keys.items() if isinstance(keys, dict) else ():
                path: KeyPath = ("keys", action)
                if action not in ACTIONS:
                    self.unknown(path, sorted(ACTIONS), "action")
                elif self.typed(path, key, str):
                    error = validate_key(key)
                    if error:
                        self.add(path, error)
                    bindings[action] = key
        return UIConfig(**values, keys=MappingProxyType(bindings))

    def check_accounts(self, value: object) -> list[AccountConfig]:
        if isinstance(value, dict):
            self.add(("account",), "write each account as [[account]] (two brackets)")
            return []
        if not self.typed(("account",), value, list):
            return []
        seen: dict[str, int] = {}
        accounts = []
        for index, table in enumerate(cast(list[Any], value)):
            if self.typed(("account", index), table, dict):
                account = self.check_account(("account", index), table, seen)
                if account is not None:
                    accounts.append(account)
        return accounts

    def check_account(
        self, base: KeyPath, table: dict[str, Any], seen: dict[str, int]
    ) -> AccountConfig | None:
        before = len(self.problems)
        values: dict[str, Any] = {}
        for name, value in table.items():
            path = (*base, name)
            if name not in ACCOUNT_KEYS:
                self.unknown(path, list(ACCOUNT_KEYS), "key")
            elif self.typed(path, value, ACCOUNT_KEYS[name]):
                checked = self.account_value(path, name, value)
                if checked is not None:
                    values[name] = checked
        if "jid" not in table:
            self.add((*base, "jid"), "missing: every account needs a jid")
        elif "jid" in values:
            line = self.layout.line((*base, "jid"))
            if values["jid"] in seen:
                first = seen[values["jid"]]
                self.add(
                    (*base, "jid"), f"duplicate account {values['jid']} (first at line {first})"
                )
            seen.setdefault(values["jid"], line)
        sources = [k for k in table if k in PASSWORD_KEYS]
        if not sources:
            self.add(base, "no password: set one of password_command, password_env or password")
        for extra in sources[1:]:
            self.add((*base, extra), f"more than one password source ({', '.join(sources)})")
        if len(self.problems) > before:
            return None
        source = sources[0]
        return AccountConfig(
            jid=values.pop("jid"),
            password=PasswordSource(PASSWORD_KEYS[source], values.pop(source)),
            **values,
        )

    def account_value(self, path: KeyPath, name: str, value: Any) -> object | None:
        """The checked, converted value of one account key, or None after adding a problem."""
        error: str | None = None
        result: object = value
        if name == "jid":
            try:
                result = normalise_account_jid(value)
            except InvalidJID as exc:
                error = str(exc)
        elif name == "password_command":
            try:
                error = None if shlex.split(value) else "must not be empty"
            except ValueError as exc:
                error = f"cannot be split into words: {exc}"
        elif name == "password_env":
            error = None if _ENV_NAME.match(value) else f"{value!r} is not a variable name"
        elif name == "password":
            if not value:
                error = "must not be empty"
            elif not self.private:
                error = (
                    "a plain password is only allowed in a file that group and others cannot "
                    f"read (run: chmod 600 {self.file}), or use password_command"
                )
        elif name == "port" and not 1 <= value <= 65535:
            error = f"{value} is out of range (1–65535)"
        elif name == "tls":
            modes = [m.value for m in TLSMode]
            result = TLSMode(value) if value in modes else None
            error = None if result else f"{value!r} is not one of: {', '.join(modes)}"
        elif name == "ca_file":
            result = self.file.parent / Path(value).expanduser()
            error = ca_file_problem(result)
        elif name == "cert_fingerprint":
            try:
                result = parse_fingerprint(value)
            except BadFingerprint as exc:
                error = str(exc)
        elif name in ("host", "resource"):
            error = self.text_value(name, value)
        elif name == "muted":
            result, error = self.muted(value)
        if error:
            self.add(path, error)
            return None
        return result

    @staticmethod
    def text_value(name: str, value: str) -> str | None:
        if not value.strip():
            return "must not be empty"
        try:
            JID.parse(f"x@{value}" if name == "host" else f"x@x/{value}")
        except InvalidJID:
            return f"{value!r} is not a valid {'host name' if name == 'host' else 'resource'}"
        return None

    @staticmethod
    def muted(value: list[Any]) -> tuple[tuple[str, ...], str | None]:
        out: list[str] = []
        for item in value:
            if not isinstance(item, str):
                return (), f"must be an array of JIDs, not of {_toml_type(item)}s"
            try:
                out.append(str(JID.parse(item).bare))
            except InvalidJID as exc:
                return (), str(exc)
        return tuple(out), None


CA_FILE_MAX_BYTES = 16 * 1024 * 1024
"""A CA bundle larger than this is not one (the system bundle is about 200 KiB)."""
_PEM_CERTIFICATE = re.compile(rb"-----BEGIN (TRUSTED |X509 )?CERTIFICATE-----")


def ca_file_problem(path: Path) -> str | None:
    """What is wrong with ``path`` as a CA file (it must hold a PEM certificate), or None.

    The same check runs when the config is loaded and again before each connection, so a CA
    file that holds no certificate is named at once instead of ending as a silent time-out.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"no such file: {path}"
    except OSError as exc:
        return f"{path}: cannot read: {(exc.strerror or str(exc)).lower()}"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a file"
    if info.st_size > CA_FILE_MAX_BYTES:
        return f"{path} is too large for a CA file ({info.st_size} bytes)"
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"{path}: cannot read: {(exc.strerror or str(exc)).lower()}"
    if not _PEM_CERTIFICATE.search(data):
        return f"{path} holds no PEM certificate"
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=str(path))
    except (ssl.SSLError, ValueError) as exc:
        reason = re.sub(r"^\[(\w+)\] | \(_ssl\.c:\d+\)$", "", str(exc.args[-1]))
        return f"{path}: a certificate in it cannot be read ({reason})"
    return None


def syntax_problem(file: Path, text: str, exc: tomllib.TOMLDecodeError) -> Problem:
    """The Problem for a TOML syntax error, at its line."""
    message = str(exc)
    m = re.search(r" \(at line (\d+), column \d+\)$", message)
    line = int(m.group(1)) if m else max(1, len(text.splitlines()))
    message = re.sub(r" \(at (line \d+, column \d+|end of document)\)$", "", message)
    return Problem(file, line, "toml", f"syntax error: {message[:1].lower()}{message[1:]}")


def check_text(
    text: str, file: Path, *, private: bool = True
) -> tuple[Config | None, list[Problem]]:
    """Check a config's ``text``: the Config (None if any problem) and every problem.

    ``private`` tells whether the file is unreadable by group and others (plain passwords).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [syntax_problem(file, text, exc)]
    except RecursionError:
        return None, [nesting_problem(file, text)]
    checker = _Checker(file, scan_layout(text), private)
    config = checker.check(data)
    return config, checker.problems


def read_text(path: Path) -> tuple[str | None, bool, list[Problem]]:
    """The text of ``path`` (None if missing), whether it is private, and reading problems."""
    try:
        raw, status = read_config_bytes(path)
    except FileNotFoundError:
        return None, True, []
    except OSError as exc:
        return None, True, [Problem(path, 0, "file", f"cannot read: {exc.strerror}")]
    except ValueError as exc:
        return None, True, [Problem(path, 0, "file", str(exc))]
    private = not status.st_mode & 0o044
    try:
        return raw.decode("utf-8"), private, []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, private, [Problem(path, line, "file", "is not valid UTF-8")]


def check(path: Path) -> list[Problem]:
    """Every problem in the config at ``path``; a missing file is one problem."""
    text, private, problems = read_text(path)
    if text is None:
        return problems or [
            Problem(path, 0, "file", "does not exist (create it with `tuichat account add`)")
        ]
    return check_text(text, path, private=private)[1]


def load(path: Path) -> Config:
    """The valid Config at ``path`` (empty if missing); raises ConfigError with every problem."""
    text, private, problems = read_text(path)
    if text is None and not problems:
        return Config(path)
    config, problems = (None, problems) if text is None else check_text(text, path, private=private)
    if config is None:
        raise ConfigError(problems)
    return config
