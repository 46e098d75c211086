"""Provides the OMEMO repairs: a placeholder taken again through the incoming path
(:func:`resealed`), and a session the two sides no longer share replaced (:func:`heal`).

Imported by the engine only (after the first frame, with python-omemo).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from slixmpp.stanza import Message as MessageStanza
from slixmpp.xmlstream import ET

from tuichat.model import Message
from tuichat.xmpp import parse
from tuichat.xmpp.omemo import rules
from tuichat.xmpp.omemo.rules import SealedMessage

if TYPE_CHECKING:
    from tuichat.xmpp.omemo.engine import OmemoEngine

log = logging.getLogger(__name__)


def resealed(placeholder: Message, stanza: str, account: str) -> SealedMessage:
    """A stored placeholder as the incoming path takes it again: its row (ids, time, direction,
    conversation) with what its kept stanza carries beside the encryption (a correction's
    target, a reply), sealed with that stanza."""
    xml = MessageStanza(xml=ET.fromstring(stanza))  # type: ignore[no-untyped-call]
    base = replace(placeholder, id=None, body="", trust=None, undecrypted=None, marks=None)
    parsed = parse.chat_message(parse.envelope(xml), account, now=placeholder.timestamp)
    if parsed is not None:
        base = replace(base, replaces=parsed.replaces, action=parsed.action, marks=parsed.marks)
    return SealedMessage.of(base, xml)


async def heal(engine: OmemoEngine, stanza: Any) -> None:
    """A device we hold a session with sent what that session cannot decrypt: the two sessions
    parted (both sides began one at once, and each replaced its own with the other's:
    python-omemo keeps one per device, so neither decrypts the other again). The side with the
    smaller (JID, device id) starts a new one, once a run per device; the other side takes it
    (a key exchange replaces its session), and what follows decrypts both ways."""
    sid = rules.sender_device(stanza.xml)
    if sid is None:
        return
    sender = str(stanza["from"].bare)
    manager = await engine.manager()
    own, _others = await manager.get_own_device_information()
    mine, theirs = (engine.account, own.device_id), (sender, sid)
    if theirs in engine.healed or mine > theirs:
        return
    engine.healed.add(theirs)
    found = [d for d in await manager.get_device_information(sender) if d.device_id == sid]
    log.warning(
        "%s: a new OMEMO session with %s/%s (the old one parted)", engine.account, sender, sid
    )
    try:
        for device in found:
            await engine.deadlines.run(manager.replace_sessions(device))
    except Exception as exc:  # no bundle, no answer: the next failure does not try again
        log.warning("%s: the session with %s was not replaced: %r", engine.account, sender, exc)
