"""The pure OMEMO rules: trust names, words, what travels outside, the conversation policy."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from tuichat.encryption_policy import conversation_encryption
from tuichat.model import Direction, Encryption, Message, Trust
from tuichat.xmpp import parse
from tuichat.xmpp.omemo import rules
from tuichat.xmpp.omemo.rules import SealedMessage


class SenderDistrusted(Exception):
    """Named like python-omemo's (the rules tell exceptions apart by name)."""


class MessageNotForUs(Exception):
    """Named like python-omemo's."""


@pytest.mark.parametrize(
    ("level", "trust"),
    [
        ("TRUSTED", Trust.VERIFIED),
        ("BLINDLY_TRUSTED", Trust.BLIND),
        ("UNDECIDED", Trust.UNDECIDED),
        ("DISTRUSTED", Trust.DISTRUSTED),
        ("SOMETHING_NEW", Trust.UNDECIDED),
    ],
)
def test_trust_levels_map_both_ways(level: str, trust: Trust) -> None:
    """slixmpp-omemo's BTBV levels are tuichat's trust words; unknown ones are undecided."""
    assert rules.trust_of(level) is trust
    if level != "SOMETHING_NEW":
        assert rules.LEVEL_BY_TRUST[trust] == level


def test_placeholder_words_and_which_failures_are_retried() -> None:
    """A placeholder says why in words; only failures that may pass keep their stanza."""
    assert (
        rules.undecrypted_words(SenderDistrusted()) == "encrypted: sent from a device you distrust"
    )
    assert rules.retried(SenderDistrusted())
    assert rules.undecrypted_words(MessageNotForUs()) == "encrypted: not encrypted for this device"
    assert not rules.retried(MessageNotForUs())
    assert "ValueError" in rules.undecrypted_words(ValueError("x"))


def test_omemo2_refusals_say_their_own_reason() -> None:
    """An OMEMO 2 element or envelope that was refused says why, not its class name; the
    refusal is final (the key is spent, or nothing could be read)."""
    from tuichat.xmpp.omemo.omemo2 import Omemo2Error

    error = Omemo2Error("the OMEMO 2 element is malformed (bad base64)")
    assert rules.undecrypted_words(error) == (
        "encrypted: the OMEMO 2 element is malformed (bad base64)"
    )
    assert not rules.retried(error)


def test_held_words_name_the_contact() -> None:
    """Why a message waits, with who."""
    assert "bob@example.org has no OMEMO device" in rules.no_device_words(["bob@example.org"])
    assert "waiting for your decision" in rules.undecided_words(["bob@example.org"])


OMEMO = (
    "<message xmlns='jabber:client' from='bob@example.org/a' to='me@example.org' type='chat'>"
    "<body>I sent you an OMEMO encrypted message</body>"
    "<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'><iv>AA</iv></header>"
    "{payload}</encrypted></message>"
)


def test_encrypted_and_payload_detection() -> None:
    """A message with an <encrypted/> is sealed; one without a payload is a key exchange."""
    full = ET.fromstring(OMEMO.format(payload="<payload>AAAA</payload>"))
    empty = ET.fromstring(OMEMO.format(payload=""))
    assert rules.is_encrypted(full) and rules.carries_payload(full)
    assert rules.is_encrypted(empty) and not rules.carries_payload(empty)
    assert not rules.is_encrypted(ET.fromstring("<message xmlns='jabber:client'/>"))


def test_put_back_outside_keeps_what_the_server_and_peer_need_once() -> None:
    """origin-id, receipt request, chat state and hints come back beside the encryption; EME
    is added; nothing is doubled; the body is not copied."""
    original = ET.fromstring(
        "<message xmlns='jabber:client'><body>secret</body>"
        "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/><request xmlns='urn:xmpp:receipts'/>"
        "<active xmlns='http://jabber.org/protocol/chatstates'/><store xmlns='urn:xmpp:hints'/>"
        "</message>"
    )
    encrypted = ET.fromstring(
        "<message xmlns='jabber:client'><body>fallback</body><store xmlns='urn:xmpp:hints'/>"
        "<encrypted xmlns='eu.siacs.conversations.axolotl'/></message>"
    )
    rules.put_back_outside(original, encrypted)
    rules.put_back_outside(original, encrypted)
    tags = [child.tag for child in encrypted]
    assert tags.count("{urn:xmpp:sid:0}origin-id") == 1
    assert tags.count("{urn:xmpp:hints}store") == 1
    assert "{urn:xmpp:receipts}request" in tags
    assert "{http://jabber.org/protocol/chatstates}active" in tags
    assert tags.count("{urn:xmpp:eme:0}encryption") == 1
    assert [b.text for b in encrypted.iter("{jabber:client}body")] == ["fallback"]


def test_a_correction_keeps_its_replace_beside_the_encrypted_body() -> None:
    """OMEMO 0.3 encrypts the body alone: ``<replace id/>`` stays outside (as Conversations)."""
    original = ET.fromstring(
        "<message xmlns='jabber:client'><body>new text</body>"
        "<replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>"
    )
    encrypted = ET.fromstring("<message xmlns='jabber:client'><body>fallback</body></message>")
    rules.put_back_outside(original, encrypted)
    [kept] = encrypted.findall("{urn:xmpp:message-correct:0}replace")
    assert kept.get("id") == "m1"


class _Stanza:
    """Just enough of a slixmpp stanza for :func:`parse.envelope`."""

    def __init__(self, xml: ET.Element) -> None:
        self.xml = xml

    def __getitem__(self, key: str) -> str:
        return self.xml.get(key, "")


def test_an_encrypted_message_never_carries_its_fallback_body() -> None:
    """Parsing keeps the stanza to decrypt and an empty body, never the fallback text."""
    stanza = _Stanza(ET.fromstring(OMEMO.format(payload="<payload>AAAA</payload>")))
    env = parse.envelope(stanza)
    assert env.sealed is stanza
    message = parse.chat_message(env, "me@example.org", now=parse.EARLIEST_STAMP)
    assert message is not None
    assert (message.body, message.encryption) == ("", Encryption.OMEMO)
    empty = parse.envelope(_Stanza(ET.fromstring(OMEMO.format(payload="").replace(
        "<body>I sent you an OMEMO encrypted message</body>", ""))))  # fmt: skip
    assert parse.chat_message(empty, "me@example.org", now=parse.EARLIEST_STAMP) is not None


def test_sealed_message_opens_into_a_plain_message() -> None:
    """The sealed form carries the stanza; opened, it is a plain Message with the changes."""
    plain = Message("me@example.org", "bob@example.org", Direction.IN, "bob@example.org/a", "")
    sealed = SealedMessage.of(plain, "stanza")
    opened = sealed.opened(body="hi", trust=Trust.BLIND)
    assert type(opened) is Message
    assert (opened.body, opened.trust, opened.account) == ("hi", Trust.BLIND, plain.account)


@pytest.mark.parametrize(
    ("on", "chosen", "last", "publishes", "expected"),
    [
        (False, "omemo", "omemo", True, Encryption.NONE),
        (True, "none", "omemo", True, Encryption.NONE),
        (True, "omemo", None, False, Encryption.OMEMO),
        (True, None, "omemo", False, Encryption.OMEMO),
        (True, None, None, True, Encryption.OMEMO),
        (True, None, "none", False, Encryption.NONE),
        (True, None, None, False, Encryption.NONE),
    ],
)
def test_conversation_policy(
    on: bool, chosen: str | None, last: str | None, publishes: bool, expected: Encryption
) -> None:
    """What the user chose wins; else encrypted stays encrypted; else devices decide."""
    got = conversation_encryption(
        omemo_on=on, chosen=chosen, last_incoming=last, publishes=publishes
    )
    assert got is expected


def test_applied_keys_name_an_action_by_stanza_id_and_by_its_senders_origin_id() -> None:
    """An applied encrypted action is no row: these keys let the dedupe find it again, by the
    server's stanza-id, or by origin-id for the same direction and sender (any resource)."""
    action = Message(
        "me@x", "you@y", Direction.IN, "you@y/phone", "", stanza_id="s1", origin_id="o1"
    )
    assert rules.applied_keys(action) == (
        "/tuichat/applied/sid/s1",
        "/tuichat/applied/oid/in/you@y/o1",
    )
    copy = Message("me@x", "you@y", Direction.IN, "you@y/laptop", "", origin_id="o1")
    assert rules.applied_keys(copy) == ("/tuichat/applied/oid/in/you@y/o1",)
    assert rules.applied_keys(Message("me@x", "you@y", Direction.IN, "you@y", "")) == ()


def test_the_sending_device_is_read_from_either_omemo_header() -> None:
    assert rules.sender_device(ET.fromstring(OMEMO.format(payload=""))) == 1
    two = ET.fromstring(
        "<message xmlns='jabber:client'><encrypted xmlns='urn:xmpp:omemo:2'>"
        "<header sid='77'/></encrypted></message>"
    )
    assert rules.sender_device(two) == 77
    bad = ET.fromstring(
        "<message xmlns='jabber:client'><encrypted xmlns='urn:xmpp:omemo:2'>"
        "<header sid='x'/></encrypted></message>"
    )
    assert rules.sender_device(bad) is None
    assert rules.sender_device(ET.fromstring("<message xmlns='jabber:client'/>")) is None
