"""Unit tests of the pure group chat rules: presences, reasons, errors, mentions, trust, forms."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element, fromstring

import pytest

from tuichat.model import (
    Affiliation,
    Bookmark,
    Direction,
    Invitation,
    MessageState,
    Occupant,
    Role,
    Show,
    mentions,
)
from tuichat.xmpp.errors import error_condition
from tuichat.xmpp.features import bookmarks as bm
from tuichat.xmpp.features import muc_parse as mp
from tuichat.xmpp.features import muc_words as mw
from tuichat.xmpp.features.selfping import PingOutcome, ping_outcome
from tuichat.xmpp.parse import Envelope

ROOM = "room@conference.example.test"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
USER = "xmlns='http://jabber.org/protocol/muc#user'"


def presence(nick: str, body: str, ptype: str = "") -> Element:
    """A room presence from ``nick`` with ``body`` inside its muc#user ``<x/>``."""
    kind = f" type='{ptype}'" if ptype else ""
    return fromstring(
        f"<presence xmlns='jabber:client' from='{ROOM}/{nick}'{kind}><x {USER}>{body}</x>"
        "</presence>"
    )


def env(from_: str, body: str = "hi", kind: str = "groupchat", sids=()) -> Envelope:  # type: ignore[no-untyped-def]
    """An envelope of a message."""
    return Envelope(from_, "me@example.test/r", kind, body, "m1", "o1", tuple(sids), None)


def test_occupant_presence_reads_role_affiliation_show_and_codes() -> None:
    """A self-presence gives the occupant with its role, affiliation and codes."""
    xml = presence(
        "Alice",
        "<item role='moderator' affiliation='owner' jid='a@example.test/x'/>"
        "<status code='110'/><status code='201'/>",
    )
    xml.append(fromstring("<show xmlns='jabber:client'>away</show>"))
    p = mp.occupant_presence(xml)
    assert p is not None and p.own and p.created and p.available
    assert p.occupant == Occupant(
        "Alice", Role.MODERATOR, Affiliation.OWNER, Show.AWAY, "", "a@example.test/x"
    )


@pytest.mark.parametrize(
    ("body", "words", "kicked", "banned"),
    [
        (
            "<item role='none'><reason>spam</reason><actor nick='Boss'/></item>"
            "<status code='307'/>",
            "kicked by Boss: spam",
            True,
            False,
        ),
        ("<item affiliation='outcast'/><status code='301'/>", "banned", False, True),
        ("<item/><status code='321'/>", "removed: no longer a member", True, False),
        ("<item/><status code='322'/>", "removed: the room is now members-only", True, False),
        ("<item/><status code='332'/>", "the chat service is shutting down", False, False),
        (
            "<item/><destroy><reason>bye</reason></destroy>",
            "the room was destroyed: bye",
            False,
            False,
        ),
        ("<item/>", "", False, False),
    ],
)
def test_departure_reasons(body: str, words: str, kicked: bool, banned: bool) -> None:
    """Status codes of an unavailable presence become words and flags."""
    p = mp.occupant_presence(presence("Bob", body, "unavailable"))
    assert p is not None and not p.available
    assert mp.departure(p) == mp.Departure(words, kicked, banned, rejoin="shutting" in words)


def test_shutdown_and_technical_removal_ask_for_a_rejoin() -> None:
    """332 and 333 are nobody's decision: the room stays wanted and is joined again."""
    for code in (332, 333):
        p = mp.occupant_presence(presence("Me", f"<item/><status code='{code}'/>", "unavailable"))
        assert p is not None and mp.departure(p).rejoin
    kicked = mp.occupant_presence(presence("Me", "<item/><status code='307'/>", "unavailable"))
    assert kicked is not None and not mp.departure(kicked).rejoin


def test_nick_change_and_non_room_presences() -> None:
    """303 carries the new nick; presences without muc#user or without a nick are not ours."""
    p = mp.occupant_presence(
        presence("Old", "<item nick='New'/><status code='303'/>", "unavailable")
    )
    assert p is not None and p.new_nick == "New"
    assert (
        mp.occupant_presence(fromstring(f"<presence xmlns='jabber:client' from='{ROOM}/x'/>"))
        is None
    )
    bare = fromstring(f"<presence xmlns='jabber:client' from='{ROOM}'><x {USER}/></presence>")
    assert mp.occupant_presence(bare) is None


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("not-authorized", "password"),
        ("forbidden", "banned"),
        ("registration-required", "members-only"),
        ("conflict", "'Al' is already taken"),
        ("service-unavailable", "full"),
        ("item-not-found", "does not exist"),
        ("remote-server-not-found", "no chat service at conference.example.test"),
        ("not-allowed", "may not create rooms"),
        ("weird-thing", "refused the join (weird-thing)"),
    ],
)
def test_join_errors_in_words(condition: str, expected: str) -> None:
    """Every join error condition has words a person can act on."""
    assert expected in mw.join_error_words(condition, "", ROOM, "Al")


def test_error_condition_and_request_words() -> None:
    """The error element is read, and request errors name the action."""
    xml = fromstring(
        "<presence xmlns='jabber:client' type='error'><error type='auth'>"
        "<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>You are banned</text></error></presence>"
    )
    assert error_condition(xml) == ("forbidden", "You are banned")
    words = mw.request_error_words("kick Bob", "not-allowed", "no")
    assert words == "the room does not allow you to kick Bob (server: no)"


@pytest.mark.parametrize(
    ("body", "nick", "hit"),
    [
        ("hey alice, look", "Alice", True),
        ("ALICE!", "Alice", True),
        ("malice in wonderland", "Alice", False),
        ("alice2 is not me", "Alice", False),
        ("ping [bot]", "[bot]", True),
        ("", "Alice", False),
        ("anything", "", False),
    ],
)
def test_mentions_are_whole_words_ignoring_case(body: str, nick: str, hit: bool) -> None:
    """A mention is the nick as a whole word, any case."""
    assert mentions(body, nick) is hit


def test_group_occupants_by_role_sorted() -> None:
    """Occupants group into moderators, participants, visitors; sorted by nick."""
    occupants = [
        Occupant("zed"),
        Occupant("Amy", Role.MODERATOR),
        Occupant("bob"),
        Occupant("Vic", Role.VISITOR),
    ]
    groups = mp.group_occupants(occupants)
    assert list(groups) == [Role.MODERATOR, Role.PARTICIPANT, Role.VISITOR]
    assert [o.nick for o in groups[Role.PARTICIPANT]] == ["bob", "zed"]
    assert [o.nick for o in groups[Role.MODERATOR]] == ["Amy"]


def test_clean_nick_strips_controls_and_refuses_empty() -> None:
    """Nicks we send lose control and bidi characters; an empty one is refused."""
    assert mp.clean_nick("  Al\u202eice\x07 ") == "Alice"
    with pytest.raises(mw.RoomError):
        mp.clean_nick("\u200b\x01 ")


def test_room_message_trusts_only_the_room() -> None:
    """Groupchat only from the room's JID; only the room's stanza-id; our nick means outgoing."""
    sids = [("forged", "example.test"), ("real", ROOM)]
    msg = mp.room_message(
        env(f"{ROOM}/Bob", sids=sids), "me@example.test", room=ROOM, our_nick="Me", now=NOW
    )
    assert msg is not None
    assert (msg.stanza_id, msg.nick, msg.direction, msg.sender) == (
        "real",
        "Bob",
        Direction.IN,
        f"{ROOM}/Bob",
    )
    mine = mp.room_message(env(f"{ROOM}/Me"), "me@example.test", room=ROOM, our_nick="Me", now=NOW)
    assert mine is not None and mine.direction == Direction.OUT
    assert mine.state == MessageState.ACKED and mine.stanza_id is None
    other = "other@conference.example.test/Bob"
    assert mp.room_message(env(other), "me@example.test", room=ROOM, our_nick="Me", now=NOW) is None
    assert (
        mp.room_message(
            env(f"{ROOM}/Bob", kind="chat"), "me@example.test", room=ROOM, our_nick="Me", now=NOW
        )
        is None
    )


def test_private_message_only_from_our_rooms() -> None:
    """A PM is its own conversation (room/nick), and only from occupants of rooms we know
    (the one rule, in parse.chat_message, that the room feature's filter asks too)."""
    from dataclasses import replace

    from tuichat.xmpp.parse import chat_message

    pm_env = replace(env(f"{ROOM}/Bob", kind="chat"), muc_user=True)
    pm = chat_message(pm_env, "me@example.test", rooms=[ROOM], now=NOW)
    assert pm is not None and pm.conversation == f"{ROOM}/Bob" and pm.kind == "private"
    stranger = chat_message(pm_env, "me@example.test", rooms=[], now=NOW)
    assert stranger is not None and stranger.kind == "chat"


def test_subject_and_invitations() -> None:
    """Subjects, mediated invitations (winning over Prosody's direct copy), direct ones."""
    subject = fromstring(
        f"<message xmlns='jabber:client' type='groupchat' from='{ROOM}/A'>"
        "<subject>topic</subject></message>"
    )
    assert mp.subject_of(subject) == "topic"
    both = fromstring(
        f"<message xmlns='jabber:client' from='{ROOM}'><x {USER}><invite from='a@example.test/r'>"
        "<reason>come</reason></invite><password>pw</password></x>"
        f"<x xmlns='jabber:x:conference' jid='{ROOM}'/></message>"
    )
    assert mp.invitation(both) == Invitation(ROOM, "a@example.test/r", "come", "pw", False)
    direct = fromstring(
        "<message xmlns='jabber:client' from='c@example.test/x'>"
        f"<x xmlns='jabber:x:conference' jid='{ROOM}' reason='hi'/></message>"
    )
    assert mp.invitation(direct) == Invitation(ROOM, "c@example.test", "hi", "", True)


def test_config_names_map_both_ways() -> None:
    """Friendly room options map to muc#roomconfig fields and back; unknown ones are refused."""
    values = mw.config_changes({"name": "N", "hidden": True, "members_only": "yes"})
    assert values == {
        "muc#roomconfig_roomname": "N",
        "muc#roomconfig_publicroom": False,
        "muc#roomconfig_membersonly": True,
    }
    friendly = mw.friendly_config({"muc#roomconfig_publicroom": False, "x": 1})
    assert friendly == {"public": False, "hidden": True, "x": 1}
    with pytest.raises(mw.RoomError, match="unknown room option"):
        mw.config_changes({"colour": "red"})
    form = mw.submit_form(mw.ROOMCONFIG, {"muc#roomconfig_membersonly": True}, {})
    assert mw.read_form(form)["muc#roomconfig_membersonly"] == ("text-single", "1")


def test_bookmarks_round_trip_both_formats() -> None:
    """XEP-0402 and XEP-0048 bookmarks survive a write and a read."""
    mark = Bookmark(ROOM, "Room", "Me", True, "pw")
    assert bm.from_conference(ROOM, bm.to_conference(mark)) == mark
    assert bm.from_legacy(bm.to_legacy([mark])) == [mark]


def test_self_ping_outcomes() -> None:
    """XEP-0410: an answer or a client error means joined; not-acceptable means gone."""
    assert ping_outcome(None) == PingOutcome.JOINED
    assert ping_outcome("service-unavailable") == PingOutcome.JOINED
    assert ping_outcome("not-acceptable") == PingOutcome.GONE
    assert ping_outcome("remote-server-timeout") == PingOutcome.UNKNOWN
