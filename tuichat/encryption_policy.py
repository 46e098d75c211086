"""Provides :func:`conversation_encryption`: how a one-to-one conversation sends.

Pure, and free of XMPP and store imports: the session decides with it, and so does the lazy
client before the XMPP layer is loaded (from what the store holds).

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


def device_list_key(jid: str) -> str:
    """Where python-omemo keeps the device list of ``jid`` (in the store's ``omemo_kv``)."""
    return f"/devices/{jid}/list"


def lists_devices(stored: str | None) -> bool:
    """Whether a stored device list (JSON text, or None) names at least one device."""
    return stored is not None and stored not in ("[]", "null")
