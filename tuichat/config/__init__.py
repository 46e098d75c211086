"""Provides the config file: its values, loading and checking, editing, and passwords.

The file is TOML: a ``[ui]`` table, a ``[keys]`` table (action -> key) and one ``[[account]]``
table per account. The values live in :mod:`.model`, reading a sane file in :mod:`.read`,
checking (every problem as FILE:LINE) in :mod:`.check`, editing that keeps the user's comments
and layout byte for byte in :mod:`.edit` (with :mod:`.layout`), and password resolution in
:mod:`.password`. This package re-exports the public API; its modules import each other, never
the package, so there is no import cycle.
"""

from __future__ import annotations

from tuichat.config.check import check as check_config
from tuichat.config.check import load as load_config
from tuichat.config.edit import add_account, remove_account, set_ui_option, update_account
from tuichat.config.model import (
    AccountConfig,
    Config,
    ConfigError,
    PasswordSource,
    Problem,
    TLSMode,
    UIConfig,
    normalise_account_jid,
)
from tuichat.config.password import PasswordError, resolve_password

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
