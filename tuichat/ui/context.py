"""Provides the UI context: the dependencies every screen gets from the app factory.

Screens receive this object in their constructor (no globals, no reaching into the app).
``config`` is replaced when the config file is re-read after an edit on the Accounts screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from tuichat.config import AccountConfig, Config, ConfigError, load_config
from tuichat.model import utcnow
from tuichat.paths import Paths
from tuichat.store import Store
from tuichat.ui.attention import AttentionPolicy
from tuichat.ui.commands import CommandRegistry

if TYPE_CHECKING:
    from tuichat.client import ChatClient


@dataclass
class UIContext:
    """Config, paths, store, client and the command registry, shared by the screens."""

    config: Config
    paths: Paths
    store: Store
    client: ChatClient
    registry: CommandRegistry
    tz: tzinfo | None = None
    """Time zone for displayed times (``None``: local); tests pin it."""
    clock: Callable[[], datetime] = field(default=utcnow)
    """The current time (tests pin it)."""

    def account_config(self, account: str) -> AccountConfig | None:
        """The config of ``account``, if it is in the config file."""
        return self.config.account(account)

    def policy(self, account: str) -> AttentionPolicy:
        """Bell/notification switches for ``account`` ([ui] AND the account's own)."""
        cfg = self.account_config(account)
        ui = self.config.ui
        if cfg is None:
            return AttentionPolicy(notify=ui.notify, bell=ui.bell)
        return AttentionPolicy(
            notify=ui.notify and cfg.notify,
            bell=ui.bell or cfg.bell,
            muted=frozenset(cfg.muted),
        )

    def reload_config(self) -> str | None:
        """Re-read the config file; return the problem in words if it cannot be read."""
        try:
            self.config = load_config(self.config.path)
        except ConfigError as exc:
            return "; ".join(str(p) for p in exc.problems) or str(exc)
        except OSError as exc:
            return f"{self.config.path}: {exc.strerror or exc}"
        return None
