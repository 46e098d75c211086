"""Provides the decryption of OMEMO 0.3 room messages, with the sender's real JID we know.

slixmpp-omemo finds a room sender through slixmpp's own occupant table (which tuichat does
not fill) and raises ``SenderNotFound`` for anyone who has left: an archived message of a
former occupant could never be read. Here the real JID comes from the sealed stanza's marker
(see :mod:`tuichat.xmpp.omemo.rooms`), and the message goes to python-omemo directly, as
slixmpp-omemo would hand it over. Imported by the engine only (python-omemo is heavy).
"""

from __future__ import annotations

from typing import Any

import oldmemo
import oldmemo.etree
from omemo import DeviceInformation, SessionManager

from tuichat.xmpp.omemo.rooms import SenderUnknown, sender_of

NS_OLDMEMO: str = oldmemo.oldmemo.NAMESPACE


def room_sender(stanza: Any) -> str | None:
    """The real bare JID of a room message's sender (``None`` outside rooms); raises
    :class:`SenderUnknown` for a room message whose sender we could not learn."""
    if stanza["type"] != "groupchat":
        return None
    sender = sender_of(stanza.xml)
    if sender is None:
        raise SenderUnknown(f"the real address of {stanza['from']} is not known")
    return sender


async def decrypt_room_oldmemo(
    manager: SessionManager, stanza: Any, sender: str, own_bare_jid: str
) -> tuple[str | None, DeviceInformation]:
    """The body of a room message's OMEMO 0.3 element (``None``: an empty OMEMO message) and
    the sending device; raises python-omemo's exceptions as they are (``MessageNotForUs`` for
    our own message reflected, ``SenderNotFound``, ``NoSession``…)."""
    found = stanza.xml.findall(f"{{{NS_OLDMEMO}}}encrypted")
    if len(found) != 1:
        raise ValueError(f"the room message carries {len(found)} OMEMO elements; one is needed")
    message = await oldmemo.etree.parse_message(found[0], sender, own_bare_jid, manager)
    plaintext, device, _key = await manager.decrypt(message)
    return (plaintext.decode("utf-8") if plaintext else None), device


def forget_reflection(plugin: Any, encrypted: Any) -> None:
    """Drop the plaintext slixmpp-omemo keeps in memory for a room message's reflection: tuichat
    matches the reflection by origin-id to what it stored, so the copy would only pile up."""
    cache = getattr(plugin, "_XEP_0384__muc_reflection_cache", None)
    if isinstance(cache, dict):
        cache.pop(encrypted["id"], None)
