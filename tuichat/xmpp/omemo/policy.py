"""Provides :func:`conversation_encryption`: how a one-to-one conversation sends, decided once.

Rule (like Conversations): what the user set (``/omemo on|off``, remembered in the store)
wins; else a conversation whose last message from the other side was encrypted stays
encrypted; else a contact who publishes OMEMO devices gets encrypted messages; else plaintext.
An account with OMEMO off sends plaintext whatever was set.
"""

from __future__ import annotations

from tuichat.model import Encryption


def conversation_encryption(
    *, omemo_on: bool, chosen: str | None, last_incoming: str | None, publishes: bool
) -> Encryption:
    """How a conversation sends, from what is known about it (see the module's rule)."""
    if not omemo_on:
        return Encryption.NONE
    if chosen is not None:
        return Encryption(chosen)
    if last_incoming == Encryption.OMEMO.value or publishes:
        return Encryption.OMEMO
    return Encryption.NONE
