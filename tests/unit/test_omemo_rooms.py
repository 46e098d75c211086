"""Unit tests of the pure OMEMO group chat rules: eligibility in words, affiliations, the real
JID of an archived sender, and the sender marker on a sealed room stanza."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import fromstring

import pytest
from slixmpp.stanza import Message as MessageStanza

from tuichat.model import Affiliation, Direction, Encryption
from tuichat.xmpp import parse
from tuichat.xmpp.features import muc_parse as mp
from tuichat.xmpp.omemo import rooms
from tuichat.xmpp.omemo.rules import SealedMessage, undecrypted_words

ROOM = "room@conference.example.test"
USER = "xmlns='http://jabber.org/protocol/muc#user'"
OLD = "<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/></encrypted>"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("features", "words"),
    [
        ({"muc_membersonly", "muc_nonanonymous"}, None),
        ({"muc_open", "muc_semianonymous"}, "is neither members-only nor non-anonymous"),
        ({"muc_open", "muc_nonanonymous"}, "is not members-only (anyone may join)"),
        (
            {"muc_membersonly", "muc_semianonymous"},
            "is not non-anonymous (it hides its members' addresses)",
        ),
        (set(), "is neither members-only nor non-anonymous"),
    ],
)
def test_eligibility_names_what_is_missing(features: set[str], words: str | None) -> None:
    said = rooms.missing_words(ROOM, features)
    if words is None:
        assert said is None
    else:
        assert said is not None and said.startswith(f"{ROOM} {words}: ")
        assert said.endswith("needs a members-only, non-anonymous room (its owner can change that)")


def test_held_words_say_the_message_waits() -> None:
    assert rooms.held_words("why") == "not sent: why; it stays in the outbox"


@pytest.mark.parametrize(
    ("codes", "changed"),
    [(("104",), True), (("172",), True), (("173", "110"), True), (("110",), False), ((), False)],
)
def test_config_change_codes(codes: tuple[str, ...], changed: bool) -> None:
    statuses = "".join(f"<status code='{c}'/>" for c in codes)
    xml = fromstring(
        f"<message xmlns='jabber:client' from='{ROOM}' type='groupchat'><x {USER}>{statuses}</x>"
        "</message>"
    )
    assert rooms.config_changed(xml) is changed


def test_affiliation_items_read_bare_jids_and_skip_the_rest() -> None:
    xml = fromstring(
        f"<message xmlns='jabber:client' from='{ROOM}'><x {USER}>"
        "<item affiliation='member' jid='Bob@Example.test/phone'/>"
        "<item affiliation='none' jid='carol@example.test'/>"
        "<item affiliation='king' jid='dave@example.test'/>"
        "<item affiliation='admin'/>"
        "<item affiliation='owner' jid='not a jid@@'/>"
        "</x></message>"
    )
    assert rooms.affiliation_items(xml) == [
        ("bob@example.test", Affiliation.MEMBER),
        ("carol@example.test", Affiliation.NONE),
    ]


def test_the_archived_sender_is_the_last_muc_user_item_the_room_appended() -> None:
    """A sender may write their own ``<x/>`` naming someone else; Prosody appends the real one
    after it, so the last one counts."""
    xml = fromstring(
        f"<message xmlns='jabber:client' from='{ROOM}/bob' type='groupchat'>"
        f"<x {USER}><item jid='victim@example.test'/></x>{OLD}"
        f"<x {USER}><item affiliation='member' role='participant' jid='bob@example.test'/></x>"
        "</message>"
    )
    assert rooms.archived_sender(xml) == "bob@example.test"
    plain = fromstring(f"<message xmlns='jabber:client' from='{ROOM}/bob'>{OLD}</message>")
    assert rooms.archived_sender(plain) is None


def _room_message(xml: str) -> tuple[SealedMessage | None, MessageStanza]:
    stanza = MessageStanza(xml=fromstring(xml))  # type: ignore[no-untyped-call]
    env = parse.envelope(stanza)
    message = mp.room_message(env, "me@example.test", room=ROOM, our_nick="me", now=NOW)
    assert message is not None
    return rooms.seal(message, env.sealed, "bob@example.test"), stanza


def test_an_encrypted_room_message_is_sealed_without_its_fallback_body() -> None:
    sealed, _stanza = _room_message(
        f"<message xmlns='jabber:client' from='{ROOM}/bob' type='groupchat'>"
        f"<body>I sent you an OMEMO encrypted message</body>{OLD}</message>"
    )
    assert sealed is not None
    assert sealed.body == "" and sealed.encryption is Encryption.OMEMO
    assert sealed.direction is Direction.IN and sealed.nick == "bob"


def test_a_sender_marker_from_the_network_is_replaced_by_ours() -> None:
    sealed, original = _room_message(
        f"<message xmlns='jabber:client' from='{ROOM}/bob' type='groupchat'>{OLD}"
        f"<sender xmlns='{rooms.NS_SENDER}' jid='victim@example.test'/></message>"
    )
    assert sealed is not None
    assert rooms.sender_of(sealed.stanza.xml) == "bob@example.test"
    assert len(sealed.stanza.xml.findall(f"{{{rooms.NS_SENDER}}}sender")) == 1
    assert rooms.sender_of(original.xml) == "victim@example.test"  # the original is untouched
    kept = MessageStanza(xml=fromstring(str(sealed.stanza)))  # type: ignore[no-untyped-call]
    assert rooms.sender_of(kept.xml) == "bob@example.test"  # a placeholder retried later


def test_an_unknown_room_sender_is_said_in_words() -> None:
    words = undecrypted_words(rooms.SenderUnknown("who?"))
    assert words == "encrypted: the room did not say who sent it (their real address is not known)"
