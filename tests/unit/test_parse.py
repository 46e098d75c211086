"""Unit tests for the stanza → Message rules, including the trust checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from slixmpp.stanza import Message as MessageStanza

from tuichat.model import JID, ConversationKind, Direction, MessageState
from tuichat.xmpp import parse

ME = "me@example.test"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ROOMS = frozenset({"lounge@conference.example.test"})


def stanza(xml: str) -> MessageStanza:
    """A slixmpp message stanza from literal XML (no stream, no network)."""
    return MessageStanza(xml=ET.fromstring(xml))


def msg(inner: str, **attrs: str) -> MessageStanza:
    attr = " ".join(f"{k.rstrip('_')}='{v}'" for k, v in attrs.items())
    return stanza(f"<message xmlns='jabber:client' {attr}>{inner}</message>")


def test_incoming_chat_message() -> None:
    """A chat message from a peer becomes an incoming message in the peer's conversation."""
    s = msg(
        "<body>hi</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/>"
        f"<stanza-id xmlns='urn:xmpp:sid:0' id='s1' by='{ME}'/>",
        from_="Peer@Example.test/phone",
        to=f"{ME}/tuichat",
        type="chat",
        id="m1",
    )
    m = parse.chat_message(parse.envelope(s), ME, now=NOW)
    assert m is not None
    assert (m.conversation, m.direction, m.sender) == (
        "peer@example.test",
        Direction.IN,
        "peer@example.test/phone",
    )
    assert (m.stanza_id, m.origin_id, m.message_id, m.body) == ("s1", "o1", "m1", "hi")
    assert m.state == MessageState.RECEIVED and m.timestamp == NOW


def test_stanza_id_from_someone_else_is_ignored() -> None:
    """A stanza-id whose `by` is not our account is not trusted (a peer could forge it)."""
    s = msg(
        "<body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='peer@example.test'/>",
        from_="peer@example.test/x",
        to=ME,
        type="chat",
    )
    m = parse.chat_message(parse.envelope(s), ME, now=NOW)
    assert m is not None and m.stanza_id is None


def test_trusted_stanza_id_picks_ours_among_several() -> None:
    """With several stanza-ids, only the one by our account counts."""
    pairs = [("evil", "peer@example.test"), ("good", "ME@example.test"), ("x", "")]
    assert parse.trusted_stanza_id(pairs, ME) == "good"
    assert parse.trusted_stanza_id([("evil", "peer@example.test")], ME) is None


ROOM = "lounge@conference.example.test"


@pytest.mark.parametrize(
    ("pairs", "by", "expected"),
    [
        # `by` must be exactly the bare JID (RFC 7622 normalisation: case folds, resource not)
        ([("forged", f"{ROOM}/x")], ROOM, None),
        ([("forged", f"{ROOM}/")], ROOM, None),
        ([("forged", f"other-{ROOM}")], ROOM, None),
        ([("forged", "conference.example.test")], ROOM, None),
        ([("forged", "mallory@example.test/phone")], ROOM, None),
        ([("real", "LOUNGE@Conference.Example.test")], ROOM, "real"),
        ([("forged", f"{ME}/tuichat")], ME, None),
        ([("forged", f"{ME}.evil")], ME, None),
        # of several that name it, the last: the server appends its own after the sender's
        ([("forged", ME), ("real", ME)], ME, "real"),
        ([("forged", f"{ROOM}/x"), ("real", ROOM)], ROOM, "real"),
        ([("real", ROOM), ("other", "peer@example.test")], ROOM, "real"),
        ([("", ROOM)], ROOM, None),
        ([("real", ROOM)], "@not a jid", None),
    ],
)
def test_trusted_stanza_id_needs_the_exact_bare_jid_and_takes_the_last(
    pairs: list[tuple[str, str]], by: str, expected: str | None
) -> None:
    """A stanza-id counts only when `by` is exactly the archive's bare JID; the last wins."""
    assert parse.trusted_stanza_id(pairs, by) == expected


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        (None, NOW),
        (NOW - timedelta(days=200), NOW - timedelta(days=200)),  # an old offline message
        (NOW - timedelta(seconds=1), NOW - timedelta(seconds=1)),
        (NOW, NOW),
        (NOW + timedelta(seconds=1), NOW),  # later than now: a lie or a skewed clock
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), NOW),
        (datetime(1999, 1, 1, tzinfo=UTC), datetime(1999, 1, 1, tzinfo=UTC)),
        (datetime(1998, 12, 31, 23, 59, 59, tzinfo=UTC), NOW),  # before Jabber existed
        (datetime(1, 1, 1, tzinfo=UTC), NOW),
    ],
)
def test_live_stamp_believes_only_a_possible_past(
    delay: datetime | None, expected: datetime
) -> None:
    """A live delay stamp later than now, or before 1999, gives way to the time we got it."""
    assert parse.live_stamp(delay, NOW) == expected


@pytest.mark.parametrize(
    "stamp",
    ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00Z", "garbage"],
)
def test_absurd_or_unreadable_delay_files_a_live_message_now(stamp: str) -> None:
    """A one-to-one message whose stamp is absurd or unreadable is filed at ``now``."""
    s = msg(
        f"<body>x</body><delay xmlns='urn:xmpp:delay' stamp='{stamp}'/>",
        from_="peer@example.test/x",
        to=ME,
        type="chat",
    )
    m = parse.chat_message(parse.envelope(s), ME, now=NOW)
    assert m is not None and m.timestamp == NOW


def test_an_archive_stamp_is_taken_as_it_is() -> None:
    """The archive's own stamp (our server's) is trusted; the sender's delay is not used."""
    s = msg(
        "<body>x</body><delay xmlns='urn:xmpp:delay' stamp='9999-12-31T23:59:59Z'/>",
        from_="peer@example.test/x",
        to=ME,
        type="chat",
    )
    stamp = NOW - timedelta(hours=1)
    m = parse.chat_message(parse.envelope(s), ME, now=NOW, archive_stamp=stamp)
    assert m is not None and m.timestamp == stamp


@pytest.mark.parametrize(
    ("jid", "rooms", "occupant"),
    [
        (f"{ROOM}/Nick", ROOMS, True),
        ("other@conference.example.test/Nick", ROOMS, True),  # same service: only rooms there
        ("conference.example.test/Nick", ROOMS, False),  # the service itself
        (ROOM, ROOMS, False),  # the room, no occupant
        ("stranger@example.test/phone", ROOMS, False),
        ("stranger@example.test/phone", frozenset({"example.test"}), True),  # a known service
        ("stranger@example.test/phone", frozenset(), False),
        (f"{ROOM}/Nick", frozenset(), False),  # a room we do not know of
    ],
)
def test_is_room_occupant(jid: str, rooms: frozenset[str], occupant: bool) -> None:
    """Only a full JID in a room we know, or on a group chat service we know, is an occupant."""
    assert parse.is_room_occupant(JID.parse(jid), rooms) is occupant


@pytest.mark.parametrize(
    ("from_", "rooms", "conversation", "kind"),
    [
        ("stranger@example.test/phone", ROOMS, "stranger@example.test", ConversationKind.CHAT),
        (
            "stranger@example.test/phone",
            frozenset(),
            "stranger@example.test",
            ConversationKind.CHAT,
        ),
        (f"{ROOM}/Nick", ROOMS, f"{ROOM}/Nick", ConversationKind.PRIVATE),
    ],
)
def test_an_empty_muc_marker_makes_no_room(
    from_: str, rooms: frozenset[str], conversation: str, kind: ConversationKind
) -> None:
    """A chat message with an empty muc#user ``<x/>`` is a room PM only from an occupant."""
    s = msg(
        "<body>hi</body><x xmlns='http://jabber.org/protocol/muc#user'/>",
        from_=from_,
        to=f"{ME}/tuichat",
        type="chat",
    )
    m = parse.chat_message(parse.envelope(s), ME, now=NOW, rooms=rooms)
    assert m is not None and (m.conversation, m.kind) == (conversation, kind)


def test_delay_stamp_is_used_as_timestamp() -> None:
    """A delayed message keeps its original time (XEP-0203), in UTC."""
    s = msg(
        "<body>old</body><delay xmlns='urn:xmpp:delay' stamp='2026-01-02T03:04:05+02:00'/>",
        from_="peer@example.test",
        to=ME,
        type="chat",
    )
    m = parse.chat_message(parse.envelope(s), ME, now=NOW)
    assert m is not None
    assert m.timestamp == datetime(2026, 1, 2, 1, 4, 5, tzinfo=UTC)


def test_message_from_our_other_device_is_outgoing() -> None:
    """A message whose sender is our own bare JID is ours, in the recipient's conversation."""
    s = msg("<body>sent elsewhere</body>", from_=f"{ME}/phone", to="peer@example.test", type="chat")
    m = parse.chat_message(parse.envelope(s), ME, now=NOW)
    assert m is not None
    assert (m.direction, m.conversation) == (Direction.OUT, "peer@example.test")


@pytest.mark.parametrize(
    "xml",
    [
        "<message xmlns='jabber:client' from='p@example.test' type='chat'/>",
        "<message xmlns='jabber:client' from='p@x.test' type='error'><body>x</body></message>",
        "<message xmlns='jabber:client' from='r@m.t/n' type='groupchat'><body>x</body></message>",
        "<message xmlns='jabber:client' from='p@x.test' type='headline'><body>x</body></message>",
    ],
)
def test_non_chat_messages_are_not_chat_messages(xml: str) -> None:
    """No body, errors, room messages and headlines are not one-to-one chat messages."""
    assert parse.chat_message(parse.envelope(stanza(xml)), ME, now=NOW) is None


def test_carbon_trust() -> None:
    """Carbons count only from our own bare JID (or our server speaking for it)."""
    assert parse.is_from_own_account("me@example.test", ME)
    assert parse.is_from_own_account("ME@Example.test", ME)
    assert parse.is_from_own_account("", ME)
    assert not parse.is_from_own_account("me@example.test.evil", ME)
    assert not parse.is_from_own_account("mallory@example.test", ME)
    assert not parse.is_from_own_account("@@bad", ME)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T12:00:00Z", datetime(2026, 11, 25, 12, tzinfo=UTC)),
        ("2026-11-25T12:00:00.123456Z", datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2026-11-25T12:00:00", datetime(2026, 11, 25, 12, tzinfo=UTC)),
        ("not a date", None),
        ("", None),
        (None, None),
        ("9999-12-31T23:59:59-14:00", None),  # OverflowError once in UTC
        ("0001-01-01T00:00:00+14:00", None),  # the same, the other way
        ("10000-01-01T00:00:00Z", None),
        ("2026-13-01T00:00:00Z", None),
        ("9999-12-31T23:59:59Z", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),  # readable
    ],
)
def test_parse_stamp(text: str | None, expected: datetime | None) -> None:
    """XEP-0082 stamps parse to aware UTC; garbage gives None rather than raising."""
    assert parse.parse_stamp(text) == expected


def test_room_private_message_is_its_own_conversation() -> None:
    """A PM (muc#user marker) from room/nick is filed under room/nick, not under the room."""
    s = msg(
        "<body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/>",
        from_="lounge@conference.example.test/Nick",
        to=f"{ME}/tuichat",
        type="chat",
    )
    m = parse.chat_message(parse.envelope(s), ME, now=NOW, rooms=ROOMS)
    assert m is not None
    assert m.conversation == "lounge@conference.example.test/Nick"
    assert m.kind == "private" and m.nick == "Nick" and m.direction == Direction.IN


def test_our_archived_room_private_message_goes_to_the_occupant() -> None:
    """Our own PM, as the archive returns it, lands in the occupant's conversation."""
    s = msg(
        "<body>hi</body><x xmlns='http://jabber.org/protocol/muc#user'/>",
        from_=f"{ME}/laptop",
        to="lounge@conference.example.test/Nick",
        type="chat",
    )
    m = parse.chat_message(parse.envelope(s), ME, now=NOW, rooms=ROOMS)
    assert m is not None and m.direction == Direction.OUT
    assert m.conversation == "lounge@conference.example.test/Nick"
