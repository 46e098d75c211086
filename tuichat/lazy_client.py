"""Provides :class:`LazyClient`: a chat client that builds the real one on first need.

The first frame must not wait for the XMPP library (DESIGN.md: ``import slixmpp`` alone is a
quarter of a bare Textual app's start-up). Until the app asks it to connect, this client
answers what the first frame needs from the config (the accounts, "disconnected", the bus, no
rooms yet); the first request that needs the network (``start``, most often, which the app
sends after its first refresh) builds the real client through ``build`` and hands every
request to it from then on. ``build`` is given by the caller, so this module imports nothing
of :mod:`tuichat.xmpp`, and neither does the UI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tuichat.bus import EventBus
from tuichat.config import AccountConfig
from tuichat.model import ConnectionState, Encryption, Occupant

if TYPE_CHECKING:
    from tuichat.client import ChatClient


class LazyClient:
    """A chat client that imports and builds the real one on the first request that needs it.

    Reads (``accounts``, ``state``, ``joined_rooms``, ``occupants``, ``encryption``) are
    answered from the config (and the store) until then; every other member of
    :class:`~tuichat.client.ChatClient` is the real client's, built on first use.
    """

    def __init__(
        self,
        accounts: Sequence[AccountConfig],
        bus: EventBus,
        build: Callable[[Sequence[AccountConfig]], ChatClient],
        *,
        encryption: Callable[[str, str], Encryption] | None = None,
    ) -> None:
        self.bus = bus
        """The bus the real client publishes on (it is built with this same bus)."""
        self._encryption = encryption
        """How a conversation sends, from the store, until the real client exists."""
        self._accounts = tuple(accounts)
        self._build = build
        self._real: ChatClient | None = None

    @property
    def built(self) -> bool:
        """Whether the real client exists yet (the XMPP library is imported)."""
        return self._real is not None

    def real(self) -> ChatClient:
        """The real client, built (and the XMPP library imported) on the first call."""
        if self._real is None:
            self._real = self._build(self._accounts)
        return self._real

    @property
    def accounts(self) -> tuple[str, ...]:
        """Bare JIDs of the enabled accounts, in config order."""
        if self._real is not None:
            return self._real.accounts
        return tuple(a.jid for a in self._accounts if a.enabled)

    def state(self, account: str) -> tuple[ConnectionState, str]:
        """The account's connection state; "disconnected" until the real client exists."""
        if self._real is not None:
            return self._real.state(account)
        return ConnectionState.DISCONNECTED, ""

    def joined_rooms(self, account: str) -> list[str]:
        """The rooms the account is in (none before it ever connected)."""
        return [] if self._real is None else self._real.joined_rooms(account)

    def occupants(self, account: str, room: str) -> list[Occupant]:
        """Everyone in a room now (nobody before the account ever connected)."""
        return [] if self._real is None else self._real.occupants(account, room)

    def encryption(self, account: str, conversation: str) -> Encryption:
        """How ``conversation`` sends: from the store (as given) until the real client exists."""
        if self._real is not None:
            return self._real.encryption(account, conversation)
        if self._encryption is not None:
            return self._encryption(account, conversation)
        return Encryption.NONE

    def mark_read(self, account: str, conversation: str) -> None:
        """Say we read ``conversation`` (nothing to say before the account ever connected)."""
        if self._real is not None:
            self._real.mark_read(account, conversation)

    def draft_changed(self, account: str, conversation: str, *, empty: bool) -> None:
        """Typing in ``conversation`` (nobody to tell before the account ever connected)."""
        if self._real is not None:
            self._real.draft_changed(account, conversation, empty=empty)

    async def start(self) -> None:
        """Build the real client and connect every enabled account in the background."""
        await self.real().start()

    async def stop(self) -> None:
        """Disconnect cleanly; nothing to do when the real client was never built."""
        if self._real is not None:
            await self._real.stop()

    async def apply_accounts(self, accounts: Sequence[AccountConfig]) -> None:
        """Follow an edited config; before the real client exists, only remember it."""
        if self._real is None:
            self._accounts = tuple(accounts)
            return
        await self._real.apply_accounts(accounts)

    def __getattr__(self, name: str) -> Any:
        """Any other request: the real client's (built now if it is not yet)."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.real(), name)
