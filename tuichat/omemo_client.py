"""Provides :class:`OmemoClient`: the end-to-end encryption requests the UI and the CLI make.

The connection manager implements it; :class:`tuichat.client.ChatClient` includes it. Outcomes
also arrive as events (``DevicesChanged``, ``EncryptionChanged``, ``EncryptionHeld``,
``MessageDecrypted``, see :mod:`tuichat.events`). Every request fails with a
:class:`tuichat.errors.ClientError` whose text says why in words (OMEMO turned off for the
account, a room that is not eligible, an unknown fingerprint…).
"""

from __future__ import annotations

from typing import Protocol

from tuichat.model import Device, Encryption, Trust


class OmemoClient(Protocol):
    """What the UI can ask about encryption. JIDs are strings; ``account`` first."""

    async def own_device(self, account: str) -> Device:
        """This installation's device for ``account`` (generated and published on first use)."""
        ...

    async def devices(self, account: str, jid: str) -> list[Device]:
        """The OMEMO devices of ``jid`` (a contact, or the account itself: then our other
        devices, and this one with ``this_device``), fetched when not known yet."""
        ...

    async def set_trust(self, account: str, jid: str, fingerprint: str, trust: Trust) -> None:
        """Verify (``VERIFIED``) or distrust (``DISTRUSTED``) the device of ``jid`` whose identity
        key is ``fingerprint`` (64 hex digits); held messages and placeholders are retried."""
        ...

    def encryption(self, account: str, conversation: str) -> Encryption:
        """How ``conversation`` sends now (remembered in the store)."""
        ...

    async def set_encryption(self, account: str, conversation: str, encryption: Encryption) -> None:
        """``/omemo on|off``: set how ``conversation`` sends; raises saying why it cannot (OMEMO
        off for the account, a room that is not members-only and non-anonymous)."""
        ...
