"""Provides the config file's values: accounts, the ``[ui]`` table, problems and their error.

Rule: a plain password is never shown — not in a repr, a log line or an error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from tuichat.model import JID, InvalidJID
from tuichat.records import record


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
    cert_fingerprint: str | None = None
    """The pinned server certificate (``sha256:`` and 64 hex digits, canonical): when set, only
    this certificate is accepted, whoever signed it, and the CA store is not asked."""
    resource: str = "tuichat"
    enabled: bool = True
    notify: bool = True
    """Desktop notification (OSC 9/777) for this account's messages."""
    bell: bool = False
    muted: tuple[str, ...] = ()
    """Bare JIDs of muted conversations."""
    omemo: bool = True
    """End-to-end encryption (OMEMO) for this account: ``omemo = false`` turns it off."""

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
        account.cert_fingerprint,
        account.resource,
        account.enabled,
        account.omemo,
    )


@dataclass(frozen=True, slots=True)
class UIConfig:
    """The ``[ui]`` table plus the ``[keys]`` overrides (action name -> key string)."""

    theme: str = "dark"
    bell: bool = False
    notify: bool = True
    inline_images: bool = True
    """Pictures from contacts, our own messages and joined rooms are fetched and drawn in the
    log (see :mod:`tuichat.previews`); off: only when asked."""
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


@record(frozen=True)
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
