"""Tests for the lazy client: answers from the config, builds the real client on first need."""

from __future__ import annotations

from collections.abc import Sequence

from tuichat.bus import EventBus
from tuichat.client import ChatClient
from tuichat.config import AccountConfig, PasswordSource
from tuichat.lazy_client import LazyClient
from tuichat.model import ConnectionState


def account(jid: str, *, enabled: bool = True) -> AccountConfig:
    return AccountConfig(jid=jid, password=PasswordSource("env", "PW"), enabled=enabled)


class FakeReal:
    """Stands in for the connection manager; records what it was asked."""

    def __init__(self, accounts: Sequence[AccountConfig]) -> None:
        self.accounts_given = list(accounts)
        self.calls: list[str] = []

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(a.jid for a in self.accounts_given if a.enabled)

    def state(self, account: str) -> tuple[ConnectionState, str]:
        return ConnectionState.CONNECTING, "on its way"

    async def start(self) -> None:
        self.calls.append("start")

    async def fetch_older(self, account: str, conversation: str, limit: int = 100) -> int:
        self.calls.append(f"fetch_older {conversation} {limit}")
        return 7


def lazy(accounts: Sequence[AccountConfig]) -> tuple[LazyClient, list[FakeReal]]:
    built: list[FakeReal] = []

    def build(given: Sequence[AccountConfig]) -> ChatClient:
        built.append(FakeReal(given))
        return built[-1]  # type: ignore[return-value]  # only the members these tests use

    return LazyClient(accounts, EventBus(), build), built


async def test_first_frame_questions_are_answered_without_building() -> None:
    """accounts, state, rooms and stop cost nothing: the XMPP layer is not built for them."""
    client, built = lazy([account("a@example.org"), account("b@example.org", enabled=False)])
    assert client.accounts == ("a@example.org",)
    assert client.state("a@example.org") == (ConnectionState.DISCONNECTED, "")
    assert client.joined_rooms("a@example.org") == []
    assert client.occupants("a@example.org", "room@muc.example.org") == []
    await client.stop()
    assert built == [] and not client.built


async def test_start_builds_the_real_client_once_and_hands_over() -> None:
    """start builds it; from then on every answer and request is the real client's."""
    client, built = lazy([account("a@example.org")])
    await client.start()
    assert [b.calls for b in built] == [["start"]]
    assert client.state("a@example.org") == (ConnectionState.CONNECTING, "on its way")
    assert await client.fetch_older("a@example.org", "bob@example.org", 5) == 7
    assert len(built) == 1 and built[0].calls == ["start", "fetch_older bob@example.org 5"]


async def test_any_other_request_builds_it_first() -> None:
    """A request before start (the composer, a slash command) builds the real client."""
    client, built = lazy([account("a@example.org")])
    assert await client.fetch_older("a@example.org", "bob@example.org") == 7
    assert len(built) == 1 and client.built


async def test_accounts_edited_before_the_build_are_the_ones_built() -> None:
    """An edited config applied before connecting is what the real client is built from."""
    client, built = lazy([account("a@example.org")])
    await client.apply_accounts([account("c@example.org")])
    assert client.accounts == ("c@example.org",) and built == []
    await client.start()
    assert [a.jid for a in built[0].accounts_given] == ["c@example.org"]


def test_encryption_is_answered_from_the_store_before_the_real_client() -> None:
    """The header's encryption state needs no XMPP layer: the store answers until it exists."""
    from tuichat.cli.run import stored_encryption
    from tuichat.model import Encryption
    from tuichat.store import Store

    store = Store.memory()
    account = AccountConfig("me@example.test", PasswordSource("plain", "x"))
    built: list[object] = []
    client = LazyClient(
        [account], EventBus(), built.append,  # type: ignore[arg-type]
        encryption=stored_encryption(store, [account]),
    )  # fmt: skip
    assert client.encryption("me@example.test", "bob@example.test") is Encryption.NONE
    store.set_conversation_encryption("me@example.test", "bob@example.test", "omemo")
    assert client.encryption("me@example.test", "bob@example.test") is Encryption.OMEMO
    assert built == []
