"""Unit tests for XEP-0420 envelopes: building, parsing, the affix checks and hostile input."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuichat.xmpp.omemo import sce
from tuichat.xmpp.omemo.sce import EnvelopeError

ME = "me@example.test"
PEER = "peer@example.test"
ROOM = "lounge@conference.example.test"
SENT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def element(xml: str) -> ET.Element:
    return ET.fromstring(xml)


def body(text: str) -> ET.Element:
    el = ET.Element("{jabber:client}body")
    el.text = text
    return el


def raw(inner: str, *, rpad: bool = True, ns: str = sce.NS) -> bytes:
    """An envelope written by hand, for the shapes our builder never makes."""
    pad = "<rpad>xyz</rpad>" if rpad else ""
    return f"<envelope xmlns='{ns}'>{inner}{pad}</envelope>".encode()


def test_round_trip_keeps_content_and_affixes() -> None:
    """What we seal parses back to the same content, time, recipient and sender."""
    reply = element("<reply xmlns='urn:xmpp:reply:0' id='m0' to='peer@example.test/x'/>")
    data = sce.seal([body("hello <world> & you"), reply], to=PEER, sender=ME, sent_at=SENT)
    env = sce.parse_envelope(data, recipient=PEER, sender=ME)
    assert env.body == "hello <world> & you"
    assert [el.tag for el in env.content] == ["{jabber:client}body", "{urn:xmpp:reply:0}reply"]
    assert env.content[1].get("id") == "m0"
    assert env.sent_at == SENT
    assert (env.to, env.sender) == (PEER, ME)


def test_serialised_form_uses_default_namespaces_and_pads() -> None:
    """The bytes carry xmlns per element (no ns0: prefixes), a padding and every affix."""
    data = sce.seal([body("hi")], to="Peer@Example.test/phone", sender=ME, sent_at=SENT)
    text = data.decode()
    assert text.startswith(f'<envelope xmlns="{sce.NS}"><content><body xmlns="jabber:client">hi')
    assert "ns0:" not in text
    assert f'<to jid="{PEER}"/>' in text  # written bare and normalised
    assert f'<from jid="{ME}"/>' in text
    assert '<time stamp="2026-11-25T12:00:00+00:00"/>' in text
    pad = ET.fromstring(data).find(f"{{{sce.NS}}}rpad")
    assert pad is not None and 1 <= len(pad.text or "") <= sce.MAX_RPAD


def test_padding_length_varies() -> None:
    """The padding hides the length: its size is random, not fixed."""
    assert len({len(sce.random_padding()) for _ in range(50)}) > 5


def test_xml_lang_and_control_characters_survive_serialising() -> None:
    """xml:lang keeps its prefix; a character XML cannot carry becomes U+FFFD, not a bad
    document the peer would refuse whole."""
    el = body("a\x01b")
    el.set("{http://www.w3.org/XML/1998/namespace}lang", "de")
    env = sce.parse_envelope(sce.seal([el], to=PEER, sender=ME), recipient=PEER, sender=ME)
    assert env.body == "a\ufffdb"
    assert env.content[0].get("{http://www.w3.org/XML/1998/namespace}lang") == "de"


def test_body_without_jabber_client_namespace_is_still_the_body() -> None:
    """Some senders leave the body in the envelope's namespace; it is still read as the body."""
    data = raw("<content><body>plain</body></content>")
    assert sce.parse_envelope(data, recipient=ME, sender=PEER).body == "plain"


def test_server_only_elements_in_content_are_dropped() -> None:
    """A stanza-id, delay or room <x/> inside the envelope is the sender's forgery: dropped."""
    data = raw(
        "<content><body xmlns='jabber:client'>hi</body>"
        f"<stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='{ME}'/>"
        "<delay xmlns='urn:xmpp:delay' stamp='2001-01-01T00:00:00Z'/>"
        "<x xmlns='http://jabber.org/protocol/muc#user'><item jid='boss@example.test'/></x>"
        "</content>"
    )
    env = sce.parse_envelope(data, recipient=ME, sender=PEER)
    assert [el.tag for el in env.content] == ["{jabber:client}body"]
    assert len(env.dropped) == 3


def test_split_keeps_server_elements_outside() -> None:
    """Hints, ids, receipts, chat states, EME and a room subject stay in plaintext; the body,
    a reply, a correction and a reaction are encrypted."""
    message = element(
        "<message xmlns='jabber:client'><body>hi</body>"
        "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/><store xmlns='urn:xmpp:hints'/>"
        "<request xmlns='urn:xmpp:receipts'/><active xmlns='http://jabber.org/protocol/chatstates'/>"
        "<encryption xmlns='urn:xmpp:eme:0' namespace='urn:xmpp:omemo:2'/>"
        "<replace xmlns='urn:xmpp:message-correct:0' id='m1'/>"
        "<reactions xmlns='urn:xmpp:reactions:0' id='m2'><reaction>👍</reaction></reactions>"
        "<subject>topic</subject><thread>t1</thread></message>"
    )
    encrypt, outside = sce.split_for_encryption(list(message))
    local = [el.tag.rpartition("}")[2] for el in encrypt]
    assert local == ["body", "replace", "reactions", "thread"]
    assert [el.tag.rpartition("}")[2] for el in outside] == [
        "origin-id",
        "store",
        "request",
        "active",
        "encryption",
        "subject",
    ]


def test_group_envelope_must_name_the_room() -> None:
    """In a room, <to> is required and must be the room."""
    good = sce.seal([body("hi")], to=ROOM, sender=PEER)
    assert sce.parse_envelope(good, recipient=ROOM, sender=PEER, group=True).to == ROOM
    missing = raw("<content><body xmlns='jabber:client'>hi</body></content>")
    with pytest.raises(EnvelopeError, match="does not name its room"):
        sce.parse_envelope(missing, recipient=ROOM, sender=PEER, group=True)
    elsewhere = sce.seal([body("hi")], to="other@conference.example.test", sender=PEER)
    with pytest.raises(EnvelopeError, match="meant for other@conference"):
        sce.parse_envelope(elsewhere, recipient=ROOM, sender=PEER, group=True)


def test_to_mismatch_is_refused() -> None:
    """A message sealed for someone else (replayed or forwarded to us) is refused."""
    data = sce.seal([body("for carol")], to="carol@example.test", sender=PEER)
    with pytest.raises(
        EnvelopeError, match=re.escape(f"meant for carol@example.test, not for {ME}")
    ):
        sce.parse_envelope(data, recipient=ME, sender=PEER)


def test_from_mismatch_is_refused() -> None:
    """An envelope claiming another sender than the one who sent it is refused."""
    data = sce.seal([body("hi")], to=ME, sender="boss@example.test")
    with pytest.raises(EnvelopeError, match=re.escape("claims to come from boss@example.test")):
        sce.parse_envelope(data, recipient=ME, sender=PEER)


def test_affixes_compare_as_bare_normalised_jids() -> None:
    """Case and resources do not make a mismatch: the checks are on bare, normalised JIDs."""
    data = raw(
        "<content><body xmlns='jabber:client'>hi</body></content>"
        "<to jid='ME@Example.test/tuichat'/><from jid='peer@EXAMPLE.test/phone'/>"
    )
    env = sce.parse_envelope(data, recipient=f"{ME}/other", sender=PEER)
    assert (env.to, env.sender) == (ME, PEER)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (raw("<content/>", ns="urn:xmpp:sce:0"), "not an urn:xmpp:sce:1 envelope"),
        (b"<body xmlns='jabber:client'>hi</body>", "not an urn:xmpp:sce:1 envelope"),
        (raw("<content/>", rpad=False), "no <rpad> padding"),
        (raw(""), "0 <content> elements"),
        (raw("<content/><content/>"), "2 <content> elements"),
        (raw("<content/><to jid='a@b'/><to jid='a@b'/>"), "2 <to> elements"),
        (raw("<content/><to/>"), "<to> address is not a valid JID"),
        (raw("<content/><time stamp='yesterday'/>"), "<time> stamp cannot be read"),
        (b"<envelope xmlns='urn:xmpp:sce:1'><content>", "not well-formed"),
        (b"\xff\xfe<envelope/>", "not well-formed"),
        (b"", "not well-formed"),
        (b"<envelope xmlns='urn:xmpp:sce:1'><p:x/></envelope>", "not well-formed"),
    ],
)
def test_malformed_envelopes_are_refused_in_words(data: bytes, words: str) -> None:
    """Each way an envelope can be wrong gives its own reason."""
    with pytest.raises(EnvelopeError, match=words):
        sce.parse_envelope(data, recipient=ME, sender=PEER)


def test_entity_expansion_is_refused() -> None:
    """A "billion laughs" document is refused at its DOCTYPE, before any entity expands."""
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE envelope [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)
        )
        + b"]><envelope xmlns='urn:xmpp:sce:1'><content><body>&j;</body></content>"
        b"<rpad>x</rpad></envelope>"
    )
    with pytest.raises(EnvelopeError, match="document type"):
        sce.parse_envelope(lol, recipient=ME, sender=PEER)


def test_external_entity_is_refused() -> None:
    """An external entity (a file read) is refused too."""
    xxe = (
        b'<!DOCTYPE envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<envelope xmlns='urn:xmpp:sce:1'><content><body>&x;</body></content></envelope>"
    )
    with pytest.raises(EnvelopeError, match="document type"):
        sce.parse_envelope(xxe, recipient=ME, sender=PEER)


def test_undeclared_entity_is_not_well_formed() -> None:
    """Without a DTD, an entity reference other than the five XML ones is an error."""
    with pytest.raises(EnvelopeError, match="not well-formed"):
        sce.parse_envelope(raw("<content>&nbsp;</content>"), recipient=ME, sender=PEER)


def test_processing_instruction_is_refused() -> None:
    """XMPP forbids processing instructions; one inside the envelope is refused."""
    with pytest.raises(EnvelopeError, match="processing instruction"):
        sce.parse_envelope(raw("<content><?evil x?></content>"), recipient=ME, sender=PEER)


def test_huge_envelope_is_refused_before_parsing() -> None:
    """More bytes than any stanza could carry is refused by size, not parsed."""
    huge = raw("<content><body xmlns='jabber:client'>" + "x" * sce.MAX_ENVELOPE_BYTES + "</body>")
    with pytest.raises(EnvelopeError, match="bytes, more than"):
        sce.parse_envelope(huge, recipient=ME, sender=PEER)


def test_deep_nesting_is_refused() -> None:
    """A deeply nested document is refused at the depth limit, not walked."""
    deep = raw("<content>" + "<a>" * 10_000 + "</a>" * 10_000 + "</content>")
    with pytest.raises(EnvelopeError, match=f"deeper than {sce.MAX_DEPTH}"):
        sce.parse_envelope(deep, recipient=ME, sender=PEER)


def test_too_many_elements_are_refused() -> None:
    """A flat flood of elements is refused at the element limit."""
    flood = raw("<content>" + "<a/>" * (sce.MAX_ELEMENTS + 1) + "</content>")
    with pytest.raises(EnvelopeError, match=f"more than {sce.MAX_ELEMENTS} elements"):
        sce.parse_envelope(flood, recipient=ME, sender=PEER)


def test_building_with_an_invalid_jid_says_so() -> None:
    """Our own mistake (an invalid recipient) is an EnvelopeError in words, not a crash."""
    with pytest.raises(EnvelopeError, match="<to> address is not a valid JID"):
        sce.seal([body("hi")], to="@", sender=ME)


def test_other_writers_shapes_are_read() -> None:
    """Envelopes as other clients write them: an XML declaration, indentation, an empty
    <rpad/>, a full JID in <from>, a stamp with "Z" and fractions."""
    data = (
        b"<?xml version='1.0' encoding='UTF-8'?>\n"
        b"<envelope xmlns='urn:xmpp:sce:1'>\n"
        b"  <content>\n"
        b"    <body xmlns='jabber:client'>caf\xc3\xa9</body>\n"
        b"  </content>\n"
        b"  <rpad/>\n"
        b"  <time stamp='2026-11-25T12:00:00.123Z'/>\n"
        b"  <to jid='me@example.test'/>\n"
        b"  <from jid='peer@example.test/desktop'/>\n"
        b"</envelope>"
    )
    env = sce.parse_envelope(data, recipient=ME, sender=PEER)
    assert env.body == "café"
    assert env.sent_at == datetime(2026, 11, 25, 12, 0, 0, 123000, tzinfo=UTC)
    assert env.sender == PEER
    assert [el.tail for el in env.content] == [None]


@settings(max_examples=200, deadline=None)
@given(text=st.text(), attr=st.text())
def test_any_text_survives_sealing(text: str, attr: str) -> None:
    """Whatever the text (markup, CR, control characters, lone surrogates), sealing never
    fails and parsing gives it back, with only what XML cannot carry turned into U+FFFD."""
    el = body(text)
    el.set("id", attr)
    env = sce.parse_envelope(sce.seal([el], to=ME, sender=PEER), recipient=ME, sender=PEER)
    assert env.body == sce.xml_safe(text)
    assert env.content[0].get("id") == sce.xml_safe(attr)
