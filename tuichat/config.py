"""Provides the config file's values, loading, checking, editing and password resolution.

The file is TOML: a ``[ui]`` table, a ``[keys]`` table (action -> key) and one ``[[account]]``
table per account. Checking lives in :mod:`tuichat.config_check`, editing (which keeps the
user's comments and layout byte for byte) in :mod:`tuichat.config_edit`; this module holds the
values and re-exports the whole public API.

Rule: a plain password is never shown — not in a repr, a log line or an error message.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from tuichat.model import JID, InvalidJID

__all__ = [
    "AccountConfig",
    "Config",
    "ConfigError",
    "PasswordError",
    "PasswordSource",
    "Problem",
    "TLSMode",
    "UIConfig",
    "add_account",
    "check_config",
    "load_config",
    "normalise_account_jid",
    "remove_account",
    "resolve_password",
    "set_ui_option",
    "update_account",
]

PASSWORD_COMMAND_TIMEOUT = 10.0
"""Seconds a ``password_command`` may run before it and its children are killed."""
STDERR_SHOWN = 80
"""How much of a failing ``password_command``'s first stderr line the user is shown."""


class TLSMode(StrEnum):
    """How the connection is secured: STARTTLS (required) on 5222, or direct TLS on 5223."""

    STARTTLS = "starttls"
    DIRECT = "direct"


PasswordKind = Literal["command", "env", "plain"]


@dataclass(frozen=True, slots=True, repr=False)
class PasswordSource:
    """Where an account's password comes from: a command, an environment variable, or plain.

    ``value`` is the command line, the variable name, or (``plain``) the password itself;
    the repr never shows a plain password.
    """

    kind: PasswordKind
    value: str

    def __repr__(self) -> str:
        shown = "'***'" if self.kind == "plain" else repr(self.value)
        return f"PasswordSource(kind={self.kind!r}, value={shown})"

    @property
    def config_key(self) -> str:
        """The config key that holds this source (``password_command``…)."""
        return {"command": "password_command", "env": "password_env", "plain": "password"}[
            self.kind
        ]


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """One ``[[account]]`` table, validated; ``jid`` is the normalised bare JID."""

    jid: str
    password: PasswordSource
    host: str | None = None
    port: int | None = None
    tls: TLSMode = TLSMode.STARTTLS
    ca_file: Path | None = None
    resource: str = "tuichat"
    enabled: bool = True
    notify: bool = True
    """Desktop notification (OSC 9/777) for this account's messages."""
    bell: bool = False
    muted: tuple[str, ...] = ()
    """Bare JIDs of muted conversations."""

    def connects_like(self, other: AccountConfig) -> bool:
        """Whether ``other`` logs in exactly as this does: only then may a live connection be
        kept when the config changes (notify, bell and muted are local settings)."""
        return _connection_fields(self) == _connection_fields(other)


def _connection_fields(account: AccountConfig) -> tuple[object, ...]:
    return (
        account.jid,
        account.password,
        account.host,
        account.port,
        account.tls,
        account.ca_file,
        account.resource,
        account.enabled,
    )


@dataclass(frozen=True, slots=True)
class UIConfig:
    """The ``[ui]`` table plus the ``[keys]`` overrides (action name -> key string)."""

    theme: str = "dark"
    bell: bool = False
    notify: bool = True
    keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Config:
    """A whole, valid config file."""

    path: Path
    ui: UIConfig = field(default_factory=UIConfig)
    accounts: tuple[AccountConfig, ...] = ()

    def account(self, jid: str) -> AccountConfig | None:
        """The account whose JID is ``jid`` (compared normalised), or None."""
        try:
            wanted = normalise_account_jid(jid)
        except InvalidJID:
            return None
        return next((a for a in self.accounts if a.jid == wanted), None)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a config file, at a line (0: the file as a whole)."""

    file: Path
    line: int
    key: str
    """Dotted key, e.g. ``account.port`` or ``keys.quit``."""
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        return f"{where}: {self.key}: {self.message}"


class ConfigError(Exception):
    """The config file has problems (all of them in ``problems``) or an edit was refused."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid config"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""))


class PasswordError(Exception):
    """The password could not be obtained; the message says why, without any secret.

    ``str(exc)`` is for the user and may end with ``detail`` (the first line of a failing
    command's stderr, shortened); ``reason`` leaves the detail out and is what may be logged.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def normalise_account_jid(text: str) -> str:
    """The normalised bare JID of an account, raising :class:`InvalidJID` with the reason.

    An account JID must have a local part and no resource.
    """
    jid = JID.parse(text)
    if not jid.local:
        raise InvalidJID(f"{text!r}: an account JID needs a user name (user@server)")
    if jid.resource:
        raise InvalidJID(f"{text!r}: an account JID has no /resource (set `resource` instead)")
    return str(jid)


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    lines = text.splitlines()
    return lines[0] if lines else ""


def shorten(text: str, width: int = STDERR_SHOWN) -> str:
    """``text`` with control characters as spaces, stripped, cut to ``width`` with an ellipsis."""
    clean = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text).strip()
    return clean if len(clean) <= width else clean[: width - 1].rstrip() + "…"


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` and everything it started (it leads its own process group)."""
    with contextlib.suppress(ProcessLookupError):  # already gone, with its group
        os.killpg(process.pid, signal.SIGKILL)


def _run_password_command(command: str) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise PasswordError(f"password_command cannot be parsed: {exc}") from None
    if not argv:
        raise PasswordError("password_command is empty")
    try:
        # Its own session: on timeout we kill the whole group, so a child that keeps the
        # output pipe open (`sleep 300 &`) can neither make us wait nor outlive us.
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise PasswordError(f"password_command: {argv[0]!r} not found") from None
    except PermissionError:
        raise PasswordError(f"password_command: {argv[0]!r} is not executable") from None
    with process:
        try:
            stdout, stderr = process.communicate(timeout=PASSWORD_COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.wait()  # a child that escaped the group may hold the pipes: do not read
            raise PasswordError(
                f"password_command did not finish within {PASSWORD_COMMAND_TIMEOUT:g} s"
            ) from None
    if process.returncode != 0:
        failed = f"password_command {argv[0]!r} failed with exit code {process.returncode}"
        # Its stderr may hold a token: only the first line, shortened, and never in the log.
        raise PasswordError(failed, detail=shorten(_first_line(stderr)))
    password = _first_line(stdout)
    if not password:
        raise PasswordError(f"password_command {argv[0]!r} printed no password")
    return password


def resolve_password(source: PasswordSource) -> str:
    """The password ``source`` gives; raises :class:`PasswordError` in words, never the secret.

    A command runs without a shell (split with :func:`shlex.split`) and its first output line
    is the password. This blocks: call it from a worker thread in the UI.
    """
    if source.kind == "command":
        return _run_password_command(source.value)
    if source.kind == "env":
        value = os.environ.get(source.value)
        if not value:
            raise PasswordError(f"environment variable {source.value} is not set or empty")
        return value
    if not source.value:
        raise PasswordError("the password is empty")
    return source.value


def load_config(path: Path) -> Config:
    """Load and validate the config at ``path``; a missing file gives an empty Config.

    Raises :class:`ConfigError` carrying every problem when the file is not valid.
    """
    from tuichat.config_check import load

    return load(path)


def check_config(path: Path) -> list[Problem]:
    """Every problem in the config at ``path`` (a missing file is one problem)."""
    from tuichat.config_check import check

    return check(path)


def add_account(path: Path, account: AccountConfig) -> None:
    """Append ``account`` as a new ``[[account]]`` table, keeping the rest byte for byte.

    Raises :class:`ConfigError` if the account exists or the file cannot be parsed. Writes
    atomically, mode 0600.
    """
    from tuichat.config_edit import add_account as _add

    _add(path, account)


def remove_account(path: Path, jid: str) -> None:
    """Remove the account ``jid`` (with the comments directly above it); ConfigError if unknown."""
    from tuichat.config_edit import remove_account as _remove

    _remove(path, jid)


def update_account(path: Path, jid: str, **changes: object) -> None:
    """Change keys of the account ``jid`` (e.g. ``enabled=False``); a None value removes the key.

    ``password=PasswordSource(...)`` replaces whichever password source is set.
    """
    from tuichat.config_edit import update_account as _update

    _update(path, jid, **changes)


def set_ui_option(path: Path, key: str, value: object) -> None:
    """Set ``[ui]`` ``key`` (``theme``, ``bell``, ``notify``) or ``keys.ACTION`` to ``value``."""
    from tuichat.config_edit import set_ui_option as _set

    _set(path, key, value)
