"""Provides a FakeClient implementing ChatClient for fast UI tests: records calls, uses a real bus.

It behaves like the connection manager where the UI can tell: ``send_message`` stores the
message as pending in the given store and publishes ``MessageQueued``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tuichat.bus import EventBus
from tuichat.config import AccountConfig, Config, PasswordSource, UIConfig
from tuichat.events import MessageQueued
from tuichat.model import (
    ConnectionState,
    Contact,
    Direction,
    Message,
    MessageState,
    Show,
    Subscription,
)
from tuichat.paths import Paths
from tuichat.store import Store

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
"""Fixed time base for deterministic rendering."""


@dataclass
class FakeClient:
    """A ChatClient that records every request."""

    account_list: tuple[str, ...]
    store: Store
    bus: EventBus = field(default_factory=EventBus)
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    states: dict[str, tuple[ConnectionState, str]] = field(default_factory=dict)
    clock: datetime = T0
    fail_send: bool = False

    @property
    def accounts(self) -> tuple[str, ...]:
        """The accounts."""
        return self.account_list

    def state(self, account: str) -> tuple[ConnectionState, str]:
        """Recorded state, default disconnected."""
        return self.states.get(account, (ConnectionState.DISCONNECTED, ""))

    async def start(self) -> None:
        """Record the call."""
        self.calls.append(("start",))

    async def stop(self) -> None:
        """Record the call."""
        self.calls.append(("stop",))

    async def send_message(self, account: str, to: str, body: str) -> Message:
        """Store as pending, publish MessageQueued, return the stored row."""
        self.calls.append(("send_message", account, to, body))
        if self.fail_send:
            raise RuntimeError("the server is on fire")
        self.clock += timedelta(seconds=1)
        message = Message(
            account=account,
            conversation=to,
            direction=Direction.OUT,
            sender=f"{account}/tuichat",
            body=body,
            timestamp=self.clock,
            state=MessageState.PENDING,
            origin_id=f"o{len(self.calls)}",
            message_id=f"o{len(self.calls)}",
        )
        stored = self.store.save_message(message) or message
        self.bus.publish(MessageQueued(account=account, message=stored))
        return stored

    async def set_presence(self, account: str | None, show: Show, status: str = "") -> None:
        """Record the call."""
        self.calls.append(("set_presence", account, show, status))

    async def add_contact(self, account: str, jid: str, name: str = "") -> None:
        """Record the call."""
        self.calls.append(("add_contact", account, jid, name))

    async def remove_contact(self, account: str, jid: str) -> None:
        """Record the call."""
        self.calls.append(("remove_contact", account, jid))

    async def update_contact(
        self, account: str, jid: str, name: str | None = None, groups: tuple[str, ...] | None = None
    ) -> None:
        """Record the call."""
        self.calls.append(("update_contact", account, jid, name, groups))

    async def answer_subscription(self, account: str, jid: str, accept: bool) -> None:
        """Record the call."""
        self.calls.append(("answer_subscription", account, jid, accept))

    async def fetch_older(self, account: str, conversation: str, limit: int = 100) -> int:
        """Record the call; the fake server archive holds nothing older."""
        self.calls.append(("fetch_older", account, conversation, limit))
        return 0

    def called(self, name: str) -> list[tuple[Any, ...]]:
        """The recorded calls of method ``name``."""
        return [c for c in self.calls if c[0] == name]


ME = "me@example.org"
ALICE = "alice@example.org"
BOB = "bob@example.net"


def make_config(tmp: Path, accounts: tuple[str, ...] = (ME,), theme: str = "dark") -> Config:
    """A Config pointing at a real file in ``tmp`` (so edits can be saved)."""
    path = tmp / "config.toml"
    lines = [f'[ui]\ntheme = "{theme}"\n']
    for jid in accounts:
        lines.append(f'\n[[account]]\njid = "{jid}"\npassword_env = "TUICHAT_PW"\n')
    path.write_text("".join(lines), encoding="utf-8")
    return Config(
        path=path,
        ui=UIConfig(theme=theme),
        accounts=tuple(
            AccountConfig(jid=j, password=PasswordSource("env", "TUICHAT_PW")) for j in accounts
        ),
    )


def make_paths(tmp: Path) -> Paths:
    """Paths inside ``tmp``."""
    return Paths(config_file=tmp / "config.toml", data_dir=tmp / "data", state_dir=tmp / "state")


def sample_roster() -> list[Contact]:
    """A small roster with groups and subscription states."""
    return [
        Contact(ALICE, "Alice", ("Friends",), Subscription.BOTH),
        Contact(BOB, "Bob [b]bold[/b]", ("Work",), Subscription.BOTH),
        Contact("carol@example.org", "Carol", ("Friends",), Subscription.TO),
        Contact("dave@example.org", "", (), Subscription.NONE, pending_out=True),
        Contact("erin@example.org", "Erin", ("Work",), Subscription.BOTH),
    ]


def incoming(
    sender: str, body: str, minutes: int, account: str = ME, stanza: str | None = None
) -> Message:
    """An incoming chat message at T0 + ``minutes``."""
    return Message(
        account=account,
        conversation=sender,
        direction=Direction.IN,
        sender=f"{sender}/phone",
        body=body,
        timestamp=T0 + timedelta(minutes=minutes),
        stanza_id=stanza or f"s-{sender}-{minutes}",
    )


def outgoing(to: str, body: str, minutes: int, account: str = ME) -> Message:
    """An acked outgoing message at T0 + ``minutes``."""
    return Message(
        account=account,
        conversation=to,
        direction=Direction.OUT,
        sender=f"{account}/tuichat",
        body=body,
        timestamp=T0 + timedelta(minutes=minutes),
        state=MessageState.ACKED,
        stanza_id=f"s-out-{to}-{minutes}",
        origin_id=f"o-out-{to}-{minutes}",
    )


def seed_store(store: Store) -> None:
    """Roster and a few conversations, including a day change."""
    store.save_roster(ME, sample_roster())
    store.save_messages(
        [
            incoming(ALICE, "Hi! Are we still on for *lunch* tomorrow? 🍜", -1500),
            outgoing(ALICE, "Yes, 12:30 at the usual place", -1490),
            incoming(ALICE, "Great, see you there. 日本語もOK", 5),
            outgoing(ALICE, "👍", 6),
            incoming(BOB, "build is green again", 30),
        ]
    )
    store.mark_read(ME, ALICE)
