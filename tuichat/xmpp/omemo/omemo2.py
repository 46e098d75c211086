"""Provides OMEMO 2 (``urn:xmpp:omemo:2``) messages: an SCE envelope encrypted with twomemo.

slixmpp-omemo 2.2 cannot read OMEMO 2: its ``decrypt_message`` advances the ratchet and then
raises ``NotImplementedError``, so the message is lost. This module talks to python-omemo's
``SessionManager`` directly for that namespace, and to :mod:`tuichat.xmpp.omemo.sce` for the
envelope.

Rules:
- an ``omemo:2`` element goes here, never to ``XEP_0384.decrypt_message`` (which would spend
  its key and fail): :func:`route` says which element to decrypt, and the plugin only ever gets
  :func:`without_omemo2`'s copy;
- the element is parsed (and malformed ones refused) *before* the session manager sees it, so a
  refusal there costs no key; after ``decrypt``, the key is spent, and an envelope that fails
  its checks raises :class:`EnvelopeRejected`, which carries the sending device;
- the fallback body is never the message: :func:`decrypted_stanza` removes every outer body;
- sending uses the twomemo backend (plus, on request, OMEMO 0.3 for the body to devices that
  lack OMEMO 2) and puts the elements that must stay outside
  (:func:`~tuichat.xmpp.omemo.sce.split_for_encryption`) back in plaintext.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import oldmemo
import oldmemo.etree
import twomemo
import twomemo.etree
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
from omemo import DeviceInformation, EncryptionError, NoEligibleDevices, SessionManager
from slixmpp.stanza import Message

from tuichat.model import InvalidJID, bare_str
from tuichat.xmpp.omemo import sce

NS_OMEMO2: str = twomemo.twomemo.NAMESPACE
NS_EME = "urn:xmpp:eme:0"
NS_HINTS = "urn:xmpp:hints"
NS_OLDMEMO: str = oldmemo.oldmemo.NAMESPACE
_BODY = f"{{{sce.NS_CLIENT}}}body"

FALLBACK_BODY = (
    "I sent you an OMEMO 2 encrypted message, but your client does not seem to support that."
)
"""The plaintext body beside the encrypted element, for clients that cannot read it."""


class Omemo2Error(ValueError):
    """An OMEMO 2 element that cannot be read at all; nothing was decrypted, no key was spent."""


class EnvelopeRejected(Exception):
    """The message decrypted but its envelope failed a check; its key is spent.

    Store a placeholder that says :attr:`reason`; retrying cannot help.
    """

    def __init__(self, reason: str, device: DeviceInformation) -> None:
        super().__init__(reason)
        self.reason = reason
        """Why, in words (from :class:`~tuichat.xmpp.omemo.sce.EnvelopeError`)."""
        self.device = device
        """The device that sent it."""


@dataclass(frozen=True, slots=True)
class Omemo2Plaintext:
    """What an OMEMO 2 message said, and who said it."""

    content: tuple[ET.Element, ...] | None
    """The envelope's content elements; ``None`` for an empty OMEMO message (a key exchange
    completion or a heartbeat), which is dropped silently."""
    device: DeviceInformation
    """The sending device (its trust level decides how the message is marked)."""
    sent_at: datetime | None = None
    """The envelope's ``<time>``: the sender's claim of when it was sent."""


# -- receiving ------------------------------------------------------------------------------


def find_omemo2(stanza: Message) -> ET.Element | None:
    """The stanza's ``<encrypted xmlns='urn:xmpp:omemo:2'/>``, or ``None``.

    Raises :class:`Omemo2Error` for more than one (which one would count is ambiguous).
    """
    found = stanza.xml.findall(f"{{{NS_OMEMO2}}}encrypted")
    if len(found) > 1:
        raise Omemo2Error(f"the message carries {len(found)} OMEMO 2 elements; one is allowed")
    return found[0] if found else None


def addresses_device(element: ET.Element, bare_jid: str, device_id: int) -> bool:
    """Whether the ``omemo:2`` ``element`` carries a key for ``device_id`` of ``bare_jid``.

    A stanza may carry both an OMEMO 0.3 and an OMEMO 2 element (one per kind of recipient
    device): decrypt the one that names this device.
    """
    for keys in element.iter(f"{{{NS_OMEMO2}}}keys"):
        if _same_bare(keys.get("jid"), bare_jid):
            for key in keys.iter(f"{{{NS_OMEMO2}}}key"):
                if key.get("rid") == str(device_id):
                    return True
    return False


def route(stanza: Message, own_bare_jid: str, own_device_id: int) -> str | None:
    """Which OMEMO element of ``stanza`` to decrypt: :data:`NS_OMEMO2` (here, with
    :func:`decrypt_omemo2`), :data:`NS_OLDMEMO` (slixmpp-omemo, given
    :func:`without_omemo2`), or ``None`` when there is neither.

    OMEMO 2 when its element names this device, or when there is no OMEMO 0.3 element (so a
    message not for us fails here, with ``MessageNotForUs``, not in slixmpp-omemo).
    """
    two = find_omemo2(stanza)
    old = stanza.xml.find(f"{{{NS_OLDMEMO}}}encrypted")
    if two is None:
        return NS_OLDMEMO if old is not None else None
    if old is None or addresses_device(two, own_bare_jid, own_device_id):
        return NS_OMEMO2
    return NS_OLDMEMO


def without_omemo2(stanza: Message) -> Message:
    """A copy of ``stanza`` without its OMEMO 2 element, for ``XEP_0384.decrypt_message``.

    slixmpp-omemo prefers an OMEMO 2 element when a stanza carries both, spends its key, and
    then raises ``NotImplementedError``: it must never see one.
    """
    out: Message = copy.copy(stanza)
    for child in out.xml.findall(f"{{{NS_OMEMO2}}}encrypted"):
        out.xml.remove(child)
    return out


def needs_omemo2(devices: Iterable[DeviceInformation]) -> bool:
    """Whether any of these devices can be reached only by OMEMO 2 (active in OMEMO 2 and not
    in OMEMO 0.3): slixmpp-omemo's ``encrypt_message`` would leave it out, so send with
    :func:`encrypt_omemo2` (``include_oldmemo=True`` keeps the OMEMO 0.3-only devices).
    """
    return any(
        (NS_OMEMO2, True) in device.active and (NS_OLDMEMO, True) not in device.active
        for device in devices
    )


def _same_bare(a: str | None, b: str) -> bool:
    try:
        return a is not None and bare_str(a) == bare_str(b)
    except InvalidJID:
        return False


def parse_omemo2(element: ET.Element, sender_bare_jid: str) -> Any:
    """twomemo's ``omemo.Message`` for ``element``; :class:`Omemo2Error` when malformed."""
    try:
        return twomemo.etree.parse_message(element, sender_bare_jid)
    except (ValueError, DecodeError) as exc:
        # xmlschema's validation errors, bad base64 and bad integers are ValueErrors; bad
        # protobuf inside a key is a DecodeError.
        raise Omemo2Error(f"the OMEMO 2 element is malformed ({_first_line(exc)})") from exc


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _addresses(stanza: Message, own_bare_jid: str, sender_bare_jid: str | None) -> tuple[str, str]:
    """``(recipient, sender)`` bare JIDs the envelope's ``<to>``/``<from>`` must match."""
    origin = str(stanza["from"])
    try:
        if stanza["type"] == "groupchat":
            if sender_bare_jid is None:
                raise Omemo2Error("a room message needs the sender's real JID to be decrypted")
            return bare_str(origin), bare_str(sender_bare_jid)
        to = str(stanza["to"]) or own_bare_jid
        return bare_str(to), bare_str(sender_bare_jid or origin or own_bare_jid)
    except InvalidJID as exc:
        raise Omemo2Error(f"the message's addresses are not valid JIDs: {exc}") from exc


async def decrypt_omemo2(
    session_manager: SessionManager,
    stanza: Message,
    own_bare_jid: str,
    *,
    sender_bare_jid: str | None = None,
) -> Omemo2Plaintext:
    """Decrypt the stanza's OMEMO 2 element and check its envelope.

    ``stanza`` is the message itself (unwrapped from a carbon or an archive result).
    ``sender_bare_jid`` is required in rooms (the sender's real JID, from the occupant list or
    the archived ``<x><item jid/></x>``); elsewhere it defaults to the stanza's sender.

    Raises :class:`Omemo2Error` when there is no readable OMEMO 2 element (no key spent),
    :class:`EnvelopeRejected` when the envelope fails its checks (key spent), and python-omemo's
    exceptions as they are (``MessageNotForUs`` for a copy of our own message, ``NoSession``,
    ``SenderDistrusted``, ``SenderNotFound``, ``DecryptionFailed``…).
    """
    element = find_omemo2(stanza)
    if element is None:
        raise Omemo2Error("the message carries no OMEMO 2 element")
    recipient, sender = _addresses(stanza, own_bare_jid, sender_bare_jid)
    message = parse_omemo2(element, sender)
    plaintext, device = (await session_manager.decrypt(message))[:2]
    if plaintext is None:
        return Omemo2Plaintext(content=None, device=device)
    try:
        envelope = sce.parse_envelope(
            plaintext, recipient=recipient, sender=sender, group=stanza["type"] == "groupchat"
        )
    except sce.EnvelopeError as exc:
        raise EnvelopeRejected(str(exc), device) from exc
    return Omemo2Plaintext(content=envelope.content, device=device, sent_at=envelope.sent_at)


def decrypted_stanza(stanza: Message, content: Iterable[ET.Element]) -> Message:
    """A copy of ``stanza`` as the sender wrote it: the encrypted element, the EME marker and
    the fallback body replaced by ``content``; the outside elements (ids, delay…) kept.

    Every outer ``<body/>`` goes, so a content without a body (a reaction, say) never shows the
    fallback text.
    """
    out: Message = copy.copy(stanza)
    for child in list(out.xml):
        if child.tag == _BODY or sce.namespace_of(child) in (NS_OMEMO2, NS_OLDMEMO, NS_EME):
            out.xml.remove(child)
    for element in content:
        out.xml.append(copy.deepcopy(element))
    return out


# -- sending --------------------------------------------------------------------------------


def _eme() -> ET.Element:
    return ET.Element(f"{{{NS_EME}}}encryption", namespace=NS_OMEMO2, name="OMEMO")


async def encrypt_omemo2(
    session_manager: SessionManager,
    stanza: Message,
    recipients: Iterable[str],
    *,
    own_bare_jid: str,
    identifier: str | None = None,
    include_oldmemo: bool = False,
) -> tuple[Message | None, frozenset[EncryptionError]]:
    """Encrypt ``stanza`` with OMEMO 2 for the devices of ``recipients`` (bare JIDs).

    For a 1:1 chat, ``recipients`` is the peer; for a room, every member's real JID. Our own
    other devices are added by the library. The envelope's ``<to>`` is the stanza's ``to``
    (bare: the peer or the room), its ``<from>`` ``own_bare_jid``. The device lists must be
    fresh (``XEP_0384.refresh_device_lists``), as for slixmpp-omemo's ``encrypt_message``.

    With ``include_oldmemo``, devices that do not speak OMEMO 2 get an OMEMO 0.3 element with
    the body (only the body: OMEMO 0.3 cannot carry more) in the same stanza; without it they
    are left out, and a recipient with no OMEMO 2 device raises ``NoEligibleDevices``.

    Returns the stanza to send (same attributes and id; the outside elements, a fallback body,
    the EME marker, a store hint and the ``<encrypted/>`` elements) and the library's non-fatal
    errors, or ``None`` when nothing in the stanza needs encrypting (a chat state alone: send
    it as is). Raises python-omemo's exceptions as they are (``NoEligibleDevices``,
    ``StillUndecided``…): nothing is sent in plaintext instead.
    """
    encrypt, outside = sce.split_for_encryption(list(stanza.xml))
    if not encrypt:
        return None, frozenset()
    try:
        to = bare_str(str(stanza["to"]))
        recipient_set = frozenset(bare_str(jid) for jid in recipients)
    except InvalidJID as exc:
        raise ValueError(f"cannot encrypt to an invalid JID: {exc}") from exc
    if not recipient_set:
        raise ValueError("an OMEMO 2 message needs at least one recipient")
    plaintexts = {NS_OMEMO2: sce.seal(encrypt, to=to, sender=own_bare_jid)}
    body = next((el.text for el in encrypt if el.tag == _BODY and el.text), None)
    if include_oldmemo and body is not None:
        plaintexts[NS_OLDMEMO] = body.encode("utf-8")
    messages, errors = await session_manager.encrypt(
        recipient_set, plaintexts, backend_priority_order=list(plaintexts), identifier=identifier
    )
    elements = [_serialise(message) for message in messages]
    if not elements:
        raise NoEligibleDevices(recipient_set, "no device to encrypt this message for")
    out: Message = copy.copy(stanza)
    out.clear()
    for element in outside:
        out.xml.append(copy.deepcopy(element))
    ET.SubElement(out.xml, _BODY).text = FALLBACK_BODY
    out.xml.append(_eme())
    if not any(el.tag == f"{{{NS_HINTS}}}store" for el in outside):
        out.xml.append(ET.Element(f"{{{NS_HINTS}}}store"))
    out.xml.extend(elements)
    return out, frozenset(errors)


def _serialise(message: Any) -> ET.Element:
    if message.namespace == NS_OMEMO2:
        return twomemo.etree.serialize_message(message)
    return oldmemo.etree.serialize_message(message)
