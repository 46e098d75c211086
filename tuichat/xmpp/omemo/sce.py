"""Provides XEP-0420 Stanza Content Encryption (v0.5, ``urn:xmpp:sce:1``) as pure code.

An envelope is the plaintext that OMEMO 2 encrypts::

    <envelope xmlns='urn:xmpp:sce:1'>
      <content><body xmlns='jabber:client'>hi</body>…</content>
      <rpad>random</rpad><time stamp='…'/><to jid='…'/><from jid='…'/>
    </envelope>

Rules (XEP-0420 and the OMEMO 2 profile, XEP-0384 §"Stanza Content Encryption"):
- we always write ``<rpad>`` (random length), ``<time>``, ``<to>`` and ``<from>``;
- a received envelope must carry ``<rpad>``; ``<to>`` is required in group chats;
- ``<to>``, when present, must name the stanza's recipient: our account, the peer for a copy of
  our own message, or the room (compared as bare JIDs);
- ``<from>``, when present, must name the sender's bare JID (in a room, the real JID);
- elements a server must see stay outside the envelope (:func:`split_for_encryption`), and
  elements only a server may add (stanza-id, delay, the room's ``<x/>``…) never come in from an
  envelope: the sender could forge them there where the server cannot strip them;
- received bytes are hostile: a size, depth and element-count limit, no DTD, no entities, no
  processing instructions. Every refusal is an :class:`EnvelopeError` that says why in words.
"""

from __future__ import annotations

import copy
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.parsers import expat

from tuichat.model import JID, InvalidJID
from tuichat.xmpp.parse import parse_stamp

NS = "urn:xmpp:sce:1"
NS_CLIENT = "jabber:client"
NS_XML = "http://www.w3.org/XML/1998/namespace"

MAX_ENVELOPE_BYTES = 256 * 1024
"""Larger than any stanza a server relays (Prosody's default limit is 256 KiB of base64)."""
MAX_DEPTH = 32
MAX_ELEMENTS = 4096
MAX_RPAD = 200
"""XEP-0420 suggests padding of a random length between 0 and 200 characters."""

_HINTS = "urn:xmpp:hints"
_SID = "urn:xmpp:sid:0"
_DELAY = "urn:xmpp:delay"
_ADDRESS = "http://jabber.org/protocol/address"
_EME = "urn:xmpp:eme:0"
_RECEIPTS = "urn:xmpp:receipts"
_CHATSTATES = "http://jabber.org/protocol/chatstates"
_CARBONS = "urn:xmpp:carbons:2"
_MUC = "http://jabber.org/protocol/muc"
_MUC_USER = "http://jabber.org/protocol/muc#user"
_MAM = "urn:xmpp:mam:2"
_FORWARD = "urn:xmpp:forward:0"
_OCCUPANT_ID = "urn:xmpp:occupant-id:0"
_OMEMO2 = "urn:xmpp:omemo:2"
_OLDMEMO = "eu.siacs.conversations.axolotl"

SERVER_ONLY: frozenset[str] = frozenset(
    {
        _SID,
        _DELAY,
        _ADDRESS,
        _EME,
        _CARBONS,
        _MUC,
        _MUC_USER,
        _MAM,
        _FORWARD,
        _OCCUPANT_ID,
        _OMEMO2,
        _OLDMEMO,
    }
)
"""Namespaces of elements that servers add, read or route by: ids, delay, addressing, carbons,
the room's ``<x/>``, archive wrappers, encryption markers. Never encrypted; never taken from
an envelope (the pipeline trusts them only from the server)."""

KEEP_OUTSIDE: frozenset[str] = SERVER_ONLY | {_HINTS, _RECEIPTS, _CHATSTATES}
"""Namespaces that stay in plaintext beside the encrypted element: the above, plus the hints a
server acts on, receipt requests and chat states (servers and push services read them)."""

_OUTSIDE_CLIENT = frozenset({"subject", "error"})
"""``jabber:client`` children a server acts on (a room's subject, a bounce)."""

# XML 1.0 forbids these characters even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class EnvelopeError(ValueError):
    """An envelope that cannot be built or must not be believed; the message says why."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """A received envelope that passed every check."""

    content: tuple[ET.Element, ...]
    """The encrypted elements, in order; a body is always ``{jabber:client}body``."""
    sent_at: datetime | None
    """The ``<time>`` affix: the sender's claim of when it was sent."""
    to: str | None
    """The bare JID of the ``<to>`` affix, when there was one."""
    sender: str | None
    """The bare JID of the ``<from>`` affix, when there was one."""
    dropped: tuple[str, ...] = ()
    """Elements left out because only a server may add them (``{ns}name``), for the log."""

    @property
    def body(self) -> str | None:
        """The text of the first body, or ``None`` when the envelope carries none."""
        for element in self.content:
            if element.tag == f"{{{NS_CLIENT}}}body":
                return element.text or ""
        return None


def namespace_of(element: ET.Element) -> str:
    """The namespace of ``element``'s tag (``""`` for none)."""
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def stays_outside(element: ET.Element) -> bool:
    """Whether ``element``, a child of a ``<message/>``, must travel in plaintext."""
    ns = namespace_of(element)
    if ns == NS_CLIENT:
        return element.tag.rpartition("}")[2] in _OUTSIDE_CLIENT
    return ns in KEEP_OUTSIDE


def split_for_encryption(
    children: Iterable[ET.Element],
) -> tuple[list[ET.Element], list[ET.Element]]:
    """Split a message's children into ``(encrypt, keep_outside)``, each in document order."""
    encrypt: list[ET.Element] = []
    outside: list[ET.Element] = []
    for child in children:
        (outside if stays_outside(child) else encrypt).append(child)
    return encrypt, outside


# -- building -------------------------------------------------------------------------------


def random_padding() -> str:
    """Padding of a random length (1 to :data:`MAX_RPAD` characters) that hides the size."""
    length = 1 + secrets.randbelow(MAX_RPAD)
    return secrets.token_urlsafe(length)[:length]


def build_envelope(
    content: Iterable[ET.Element],
    *,
    to: str | None,
    sender: str | None,
    sent_at: datetime | None = None,
    padding: str | None = None,
) -> ET.Element:
    """The ``<envelope/>`` holding copies of ``content`` and the affixes.

    ``to`` is the recipient (the peer's or the room's JID), ``sender`` our bare JID; both are
    written as bare JIDs. ``sent_at`` defaults to now, ``padding`` to :func:`random_padding`.
    """
    envelope = ET.Element(f"{{{NS}}}envelope")
    holder = ET.SubElement(envelope, f"{{{NS}}}content")
    for element in content:
        holder.append(_copy(element))
    ET.SubElement(envelope, f"{{{NS}}}rpad").text = random_padding() if padding is None else padding
    stamp = (sent_at or datetime.now(UTC)).astimezone(UTC)
    ET.SubElement(envelope, f"{{{NS}}}time", stamp=stamp.isoformat(timespec="seconds"))
    if to is not None:
        ET.SubElement(envelope, f"{{{NS}}}to", jid=_bare(to, "to"))
    if sender is not None:
        ET.SubElement(envelope, f"{{{NS}}}from", jid=_bare(sender, "from"))
    return envelope


def seal(
    content: Iterable[ET.Element],
    *,
    to: str | None,
    sender: str | None,
    sent_at: datetime | None = None,
) -> bytes:
    """Build an envelope (:func:`build_envelope`) and serialise it: the bytes to encrypt."""
    return serialise(build_envelope(content, to=to, sender=sender, sent_at=sent_at))


def _copy(element: ET.Element) -> ET.Element:
    clone = copy.deepcopy(element)
    clone.tail = None
    return clone


def _bare(text: str, affix: str) -> str:
    try:
        return str(JID.parse(text).bare)
    except InvalidJID as exc:
        raise EnvelopeError(f"the <{affix}> address is not a valid JID: {exc}") from exc


# -- serialising ----------------------------------------------------------------------------


def serialise(element: ET.Element) -> bytes:
    """UTF-8 XML for ``element`` in the XMPP style: a default ``xmlns`` wherever the namespace
    changes, no prefixes (peers parse this form most reliably), no XML declaration.

    Characters XML cannot carry are replaced by U+FFFD rather than making the peer's parser
    fail on the whole message.
    """
    out: list[str] = []
    _write(element, "", out)
    return "".join(out).encode("utf-8")


def _write(element: ET.Element, parent_ns: str, out: list[str]) -> None:
    ns = namespace_of(element)
    name = element.tag.rpartition("}")[2] if ns else element.tag
    out.append(f"<{name}")
    if ns != parent_ns:
        out.append(f' xmlns="{_escape(ns, attribute=True)}"')
    prefixes: dict[str, str] = {}
    for key, value in element.attrib.items():
        attr_ns, _, attr_name = key[1:].partition("}") if key.startswith("{") else ("", "", key)
        if attr_ns == NS_XML:
            attr_name = f"xml:{attr_name}"
        elif attr_ns:
            prefix = prefixes.setdefault(attr_ns, f"a{len(prefixes)}")
            out.append(f' xmlns:{prefix}="{_escape(attr_ns, attribute=True)}"')
            attr_name = f"{prefix}:{attr_name}"
        out.append(f' {attr_name}="{_escape(value, attribute=True)}"')
    if not element.text and len(element) == 0:
        out.append("/>")
    else:
        out.append(">")
        out.append(_escape(element.text or ""))
        for child in element:
            _write(child, ns, out)
            out.append(_escape(child.tail or ""))
        out.append(f"</{name}>")


def xml_safe(text: str) -> str:
    """``text`` with each character XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _escape(text: str, *, attribute: bool = False) -> str:
    text = xml_safe(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
        text = text.replace("\t", "&#9;")
    else:
        text = text.replace("\r", "&#13;")
    return text


# -- parsing --------------------------------------------------------------------------------


def parse_xml(data: bytes) -> ET.Element:
    """Parse untrusted XML bytes into an element tree, within the limits.

    Refuses a document type declaration (and so every entity definition: no "billion laughs",
    no external entities), processing instructions, more than :data:`MAX_DEPTH` levels or
    :data:`MAX_ELEMENTS` elements, and more than :data:`MAX_ENVELOPE_BYTES` bytes.
    """
    if len(data) > MAX_ENVELOPE_BYTES:
        raise EnvelopeError(
            f"the envelope is {len(data)} bytes, more than the {MAX_ENVELOPE_BYTES} allowed"
        )
    return _Reader().read(data)


class _Reader:
    """One pass of expat, building an ElementTree with limits enforced as it goes."""

    def __init__(self) -> None:
        self.builder = ET.TreeBuilder()
        self.depth = 0
        self.count = 0
        parser = expat.ParserCreate("utf-8", " ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.builder.data
        parser.StartDoctypeDeclHandler = self.refuse_doctype
        parser.EntityDeclHandler = self.refuse_entity
        parser.ProcessingInstructionHandler = self.refuse_instruction
        parser.ExternalEntityRefHandler = self.refuse_external
        self.parser = parser

    def read(self, data: bytes) -> ET.Element:
        try:
            self.parser.Parse(data, True)
        except expat.ExpatError as exc:
            raise EnvelopeError(f"the envelope is not well-formed XML ({exc})") from exc
        return self.builder.close()

    @staticmethod
    def _name(raw: str) -> str:
        ns, space, local = raw.partition(" ")
        return f"{{{ns}}}{local}" if space else raw

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        self.count += 1
        if self.depth > MAX_DEPTH:
            raise EnvelopeError(f"the envelope nests deeper than {MAX_DEPTH} levels")
        if self.count > MAX_ELEMENTS:
            raise EnvelopeError(f"the envelope has more than {MAX_ELEMENTS} elements")
        self.builder.start(
            self._name(name), {self._name(key): value for key, value in attributes.items()}
        )

    def end(self, name: str) -> None:
        self.depth -= 1
        self.builder.end(self._name(name))

    @staticmethod
    def refuse_doctype(*_: object) -> None:
        raise EnvelopeError("the envelope declares a document type, which XMPP forbids")

    @staticmethod
    def refuse_entity(*_: object) -> None:
        raise EnvelopeError("the envelope defines entities, which XMPP forbids")

    @staticmethod
    def refuse_instruction(*_: object) -> None:
        raise EnvelopeError("the envelope holds a processing instruction, which XMPP forbids")

    @staticmethod
    def refuse_external(*_: object) -> int:
        raise EnvelopeError("the envelope refers to an external entity, which XMPP forbids")


def _affix(root: ET.Element, name: str) -> ET.Element | None:
    found = root.findall(f"{{{NS}}}{name}")
    if len(found) > 1:
        raise EnvelopeError(f"the envelope has {len(found)} <{name}> elements; one is allowed")
    return found[0] if found else None


def _affix_jid(root: ET.Element, name: str) -> str | None:
    element = _affix(root, name)
    if element is None:
        return None
    return _bare(element.get("jid") or "", name)


def parse_envelope(data: bytes, *, recipient: str, sender: str, group: bool = False) -> Envelope:
    """Parse and check a decrypted envelope.

    ``recipient`` is whom the stanza was addressed to (our account, the peer for a copy of our
    own message, or the room), ``sender`` the sender's bare JID (in a room, the real JID);
    ``group`` is whether it came from a room, where ``<to>`` is required.
    Raises :class:`EnvelopeError` with the reason.
    """
    root = parse_xml(data)
    if root.tag != f"{{{NS}}}envelope":
        raise EnvelopeError(f"the plaintext is {_shown(root.tag)}, not an {NS} envelope")
    contents = root.findall(f"{{{NS}}}content")
    if len(contents) != 1:
        raise EnvelopeError(f"the envelope has {len(contents)} <content> elements; one is needed")
    if _affix(root, "rpad") is None:
        raise EnvelopeError("the envelope has no <rpad> padding, which OMEMO 2 requires")
    to = _affix_jid(root, "to")
    if to is None and group:
        raise EnvelopeError("the group chat envelope does not name its room in <to>")
    if to is not None and to != _bare(recipient, "to"):
        raise EnvelopeError(f"the envelope was meant for {to}, not for {_bare(recipient, 'to')}")
    claimed = _affix_jid(root, "from")
    if claimed is not None and claimed != _bare(sender, "from"):
        raise EnvelopeError(
            f"the envelope claims to come from {claimed}, but {_bare(sender, 'from')} sent it"
        )
    time = _affix(root, "time")
    sent_at = None
    if time is not None:
        sent_at = parse_stamp(time.get("stamp"))
        if sent_at is None:
            raise EnvelopeError("the envelope's <time> stamp cannot be read")
    content, dropped = _readable(contents[0])
    return Envelope(content=content, sent_at=sent_at, to=to, sender=claimed, dropped=dropped)


def _readable(holder: ET.Element) -> tuple[tuple[ET.Element, ...], tuple[str, ...]]:
    """The content children a message pipeline may believe, bodies in ``jabber:client``."""
    kept: list[ET.Element] = []
    dropped: list[str] = []
    for child in holder:
        if not isinstance(child.tag, str):
            continue
        ns = namespace_of(child)
        if ns in SERVER_ONLY:
            dropped.append(child.tag)
            continue
        if child.tag in (f"{{{NS}}}body", "body"):
            # A body written without jabber:client (inheriting the envelope's namespace, or
            # none) is still the body.
            child.tag = f"{{{NS_CLIENT}}}body"
        child.tail = None
        kept.append(child)
    return tuple(kept), tuple(dropped)


def _shown(tag: str) -> str:
    return repr(tag[:80])
