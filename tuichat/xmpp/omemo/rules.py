"""Provides the pure OMEMO rules: trust names, why a message could not be decrypted or sent (in
words), and which elements of a stanza travel beside the encryption.

Nothing here imports python-omemo or slixmpp-omemo (exceptions are told apart by class name),
so these rules have fast table tests and cost nothing to import.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass, fields
from typing import Any
from xml.etree import ElementTree as ET

from tuichat.files import encrypted_file
from tuichat.model import Message, Trust

NS_OLDMEMO = "eu.siacs.conversations.axolotl"
NS_TWOMEMO = "urn:xmpp:omemo:2"
NS_EME = "urn:xmpp:eme:0"
NS_HINTS = "urn:xmpp:hints"

TRUST_BY_LEVEL = {
    "TRUSTED": Trust.VERIFIED,
    "BLINDLY_TRUSTED": Trust.BLIND,
    "UNDECIDED": Trust.UNDECIDED,
    "DISTRUSTED": Trust.DISTRUSTED,
}
"""slixmpp-omemo's trust level names (BTBV) as tuichat's :class:`Trust`."""

LEVEL_BY_TRUST = {trust: level for level, trust in TRUST_BY_LEVEL.items()}
"""tuichat's :class:`Trust` as slixmpp-omemo's trust level names."""

_UNDECRYPTED = {
    "SenderDistrusted": "sent from a device you distrust",
    "NoSession": "no encrypted session with the sender's device",
    "SenderNotFound": "the sender's device could not be found",
    "MessageNotForUs": "not encrypted for this device",
    "DecryptionFailed": "it could not be decrypted (a damaged message, or one already read)",
    "KeyExchangeFailed": "the sender's key exchange failed",
    "TooManySkippedMessageKeys": "too many messages from that device were missed",
    "SenderUnknown": "the room did not say who sent it (their real address is not known)",
}

_SAYS_WHY = frozenset({"Omemo2Error", "EnvelopeRejected"})
"""OMEMO 2 refusals whose message already says why, in words (a malformed element, an envelope
that failed its checks)."""

RETRIED = frozenset({"SenderDistrusted", "NoSession", "SenderNotFound", "XMPPInteractionFailed"})
"""Failures that may pass once something changes (trust, the sender's published keys): their
stanza is kept and decrypted again later."""


def trust_of(level_name: str) -> Trust:
    """A device's trust from slixmpp-omemo's trust level name (unknown: undecided)."""
    return TRUST_BY_LEVEL.get(level_name, Trust.UNDECIDED)


def undecrypted_words(error: BaseException) -> str:
    """Why an encrypted message could not be decrypted, in words, for its placeholder."""
    name = type(error).__name__
    if name in _SAYS_WHY:
        return f"encrypted: {error}"
    return "encrypted: " + _UNDECRYPTED.get(name, f"it could not be decrypted ({name})")


def retried(error: BaseException) -> bool:
    """Whether a message that failed with ``error`` is kept to be decrypted again later."""
    return type(error).__name__ in RETRIED


def no_device_words(jids: Iterable[str]) -> str:
    """Why a message waits when some recipients have no device we may encrypt to."""
    names = ", ".join(sorted(jids)) or "the recipient"
    return (
        f"not sent: {names} has no OMEMO device we can encrypt to "
        "(none published, or none trusted); it stays in the outbox"
    )


def undecided_words(jids: Iterable[str]) -> str:
    """Why a message waits for the user's decision on new devices."""
    names = ", ".join(sorted(jids)) or "the recipient"
    return (
        f"not sent: {names} has new devices waiting for your decision (trust or distrust "
        "them); it stays in the outbox"
    )


APPLIED = "/tuichat/applied/"
"""Prefix of the keys, in the OMEMO key store, that remember an encrypted action applied (a
correction, an OMEMO 2 reaction…): it is no row, so the dedupe before decrypting (a message
key works once) finds it by these."""


def applied_keys(message: Message) -> tuple[str, ...]:
    """The keys remembering ``message``, an action, as applied: by the server's stanza-id,
    and by the sender's origin-id (a copy of our own comes back with a stanza-id we never
    saw)."""
    keys = []
    if message.stanza_id:
        keys.append(f"{APPLIED}sid/{message.stanza_id}")
    if message.origin_id:
        sender = message.sender.partition("/")[0]
        keys.append(f"{APPLIED}oid/{message.direction.value}/{sender}/{message.origin_id}")
    return tuple(keys)


def is_encrypted(xml: ET.Element) -> bool:
    """Whether a ``<message/>`` carries an OMEMO 0.3 or OMEMO 2 ``<encrypted/>`` element."""
    return (
        xml.find(f"{{{NS_OLDMEMO}}}encrypted") is not None
        or xml.find(f"{{{NS_TWOMEMO}}}encrypted") is not None
    )


def sender_device(xml: ET.Element) -> int | None:
    """The sending device's id in an encrypted ``<message/>`` (``<header sid/>``), if readable."""
    for ns in (NS_OLDMEMO, NS_TWOMEMO):
        header = xml.find(f"{{{ns}}}encrypted/{{{ns}}}header")
        if header is not None:
            sid = header.get("sid", "")
            return int(sid) if sid.isdigit() else None
    return None


def carries_payload(xml: ET.Element) -> bool:
    """Whether an encrypted ``<message/>`` carries text: an OMEMO message without a payload is
    a key exchange or a heartbeat, dropped silently whatever becomes of it."""
    return (
        xml.find(f"{{{NS_OLDMEMO}}}encrypted/{{{NS_OLDMEMO}}}payload") is not None
        or xml.find(f"{{{NS_TWOMEMO}}}encrypted/{{{NS_TWOMEMO}}}payload") is not None
    )


_OUTSIDE = (
    "{urn:xmpp:sid:0}origin-id",
    "{urn:xmpp:receipts}request",
    "{urn:xmpp:chat-markers:0}markable",
    "{urn:xmpp:message-correct:0}replace",
)
"""OMEMO 0.3 encrypts the body alone: a correction's ``<replace/>`` travels beside it, as
Conversations sends it (OMEMO 2 puts it inside the envelope)."""
_OUTSIDE_NS = ("http://jabber.org/protocol/chatstates", NS_HINTS)


def put_back_outside(original: ET.Element, encrypted: ET.Element) -> None:
    """Copy into ``encrypted`` what of ``original`` must travel beside the encryption (origin-id,
    the receipt request, the chat state, hints, a correction's ``<replace/>``), then add the
    EME tag (XEP-0380), once each."""
    present = {child.tag for child in encrypted}
    for child in original:
        namespace = child.tag[1:].partition("}")[0]
        outside = child.tag in _OUTSIDE or namespace in _OUTSIDE_NS
        if outside and child.tag not in present:
            encrypted.append(deepcopy(child))
            present.add(child.tag)
    if f"{{{NS_EME}}}encryption" not in present:
        ET.SubElement(
            encrypted, f"{{{NS_EME}}}encryption", {"namespace": NS_OLDMEMO, "name": "OMEMO"}
        )


@dataclass(frozen=True, slots=True)
class SealedMessage(Message):
    """A received encrypted message not decrypted yet: the domain message (empty body) and the
    stanza to decrypt. It never reaches the store as it is: the session's decryption stage
    turns it into a readable message, a placeholder, or nothing (an empty OMEMO message)."""

    stanza: Any = None

    @classmethod
    def of(cls, message: Message, stanza: Any) -> SealedMessage:
        """``message`` with the ``stanza`` it came in."""
        values = {f.name: getattr(message, f.name) for f in fields(Message)}
        return cls(**values, stanza=stanza)

    def opened(self, **changes: Any) -> Message:
        """The plain :class:`Message` with ``changes`` (the text, the trust, why not…); a text
        that is one ``aesgcm://`` link shares that encrypted file (XEP-0454)."""
        values = {f.name: getattr(self, f.name) for f in fields(Message)}
        values.update(changes)
        shared = encrypted_file(values["body"])
        if shared is not None:
            values["attachments"] = (shared,)
        return Message(**values)


DEVICE_LIST_NODES = {
    NS_OLDMEMO: f"{NS_OLDMEMO}.devicelist",
    NS_TWOMEMO: f"{NS_TWOMEMO}:devices",
}
"""Each OMEMO version's device-list node (PEP; the list is its item ``current``)."""


def listed_devices(item: ET.Element | None, namespace: str) -> set[int]:
    """The device ids of a published device list (a pubsub ``<item>``; ``None``: no list)."""
    if item is None:
        return set()
    ids = (d.get("id", "") for d in item.iter(f"{{{namespace}}}device"))
    return {int(i) for i in ids if i.isdigit()}
