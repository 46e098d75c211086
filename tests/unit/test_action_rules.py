"""Unit tests of message actions: reading them, who may apply them, and what the store keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from slixmpp.stanza import Message as MessageStanza

from tuichat.actions import MAX_REACTIONS, ActionKind, clean_reactions, reaction_summary
from tuichat.model import ConversationKind, Direction
from tuichat.store import Store
from tuichat.xmpp import actions_parse, parse
from tuichat.xmpp.features import muc_parse

ME = "me@example.test"
BOB = "bob@example.test"
ROOM = "lounge@conference.example.test"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def env(
    inner: str, frm: str = f"{BOB}/phone", type_: str = "chat", id_: str = "m1"
) -> parse.Envelope:
    head = f"<message xmlns='jabber:client' from='{frm}' to='{ME}/tui' type='{type_}'"
    xml = f"{head} id='{id_}'>{inner}</message>"
    return parse.envelope(MessageStanza(xml=ET.fromstring(xml)))


def chat(inner: str, frm: str = f"{BOB}/phone", id_: str = "m1", at: int = 0):  # type: ignore[no-untyped-def]
    message = parse.chat_message(env(inner, frm, id_=id_), ME, now=NOW + timedelta(seconds=at))
    assert message is not None
    return message


def room(inner: str, nick: str, id_: str, at: int = 0):  # type: ignore[no-untyped-def]
    frm = f"{ROOM}/{nick}" if nick else ROOM
    message = muc_parse.room_message(
        env(inner, frm, "groupchat", id_),
        ME,
        room=ROOM,
        our_nick="me",
        now=NOW + timedelta(seconds=at),
    )
    assert message is not None
    return message


def test_reading_each_action() -> None:
    correct = env("<body>fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='a'/>")
    assert correct.action is not None and correct.action.kind is ActionKind.CORRECT
    assert correct.body == "fixed"
    retract = env("<body>fallback</body><retract xmlns='urn:xmpp:message-retract:1' id='a'/>")
    assert retract.action is not None and retract.action.kind is ActionKind.RETRACT
    assert retract.body == ""
    react = env(
        "<reactions xmlns='urn:xmpp:reactions:0' id='a'><reaction>👍</reaction>"
        "<reaction>👍</reaction><reaction>❤️</reaction></reactions>"
    )
    assert react.action is not None and react.action.reactions == ("👍", "❤️")
    moderated0 = env(
        "<apply-to xmlns='urn:xmpp:fasten:0' id='s1'><moderated xmlns='urn:xmpp:message-moderate:0'"
        " by='r@x/mod'><retract xmlns='urn:xmpp:message-retract:0'/><reason>spam</reason>"
        "</moderated></apply-to>",
        type_="groupchat",
    )
    assert moderated0.action is not None and moderated0.action.kind is ActionKind.MODERATE
    assert moderated0.action.reason == "spam"
    moderated1 = env(
        "<retract xmlns='urn:xmpp:message-retract:1' id='s1'><moderated "
        "xmlns='urn:xmpp:message-moderate:1' by='r@x/mod'/><reason>rude</reason></retract>"
    )
    assert moderated1.action is not None and moderated1.action.kind is ActionKind.MODERATE


def test_reply_fallback_is_cut_and_a_bad_range_ignored() -> None:
    body = "> bob:\n> hi\nhello"
    reply = env(
        f"<body>{body}</body><reply xmlns='urn:xmpp:reply:0' to='{BOB}' id='m0'/>"
        "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
        "<body start='0' end='12'/></fallback>"
    )
    assert reply.body == "hello" and reply.marks is not None and reply.marks.reply_to == "m0"
    bad = env(
        f"<body>{body}</body><reply xmlns='urn:xmpp:reply:0' id='m0'/>"
        "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
        "<body start='0' end='999'/></fallback>"
    )
    assert bad.body == body


def test_hostile_reactions_are_limited() -> None:
    many = [chr(0x1F600 + i) for i in range(50)]
    assert len(clean_reactions(many)) == MAX_REACTIONS
    assert clean_reactions(["x" * 100, "\x1b[31m", " 👍 "]) == ("👍",)
    assert reaction_summary((("👍", ("a", "b")), ("❤️", ("c",)))) == "👍 2  ❤️ 1"


def test_correction_replaces_in_place_keeps_versions_and_follows_chains() -> None:
    store = Store.memory()
    [original] = store.save_outcomes([chat("<body>helo</body>", id_="m1")])
    assert original.stored is not None
    first = chat(
        "<body>hello</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>", id_="m2", at=1
    )
    second = chat(
        "<body>hello!</body><replace xmlns='urn:xmpp:message-correct:0' id='m2'/>", id_="m3", at=2
    )
    outcomes = store.save_outcomes([first, second])
    assert all(o.stored is None for o in outcomes)
    assert outcomes[1].changed is not None and outcomes[1].changed.body == "hello!"
    [row] = store.history(ME, BOB)
    assert row.body == "hello!" and row.marks is not None and row.marks.edited
    assert [body for _ts, body in store.versions(row.id or 0)] == ["helo", "hello"]
    assert [m.body for m in store.search("hello")] == ["hello!"]


def test_actions_from_someone_else_change_nothing() -> None:
    store = Store.memory()
    store.save_outcomes([chat("<body>mine</body>", id_="m1")])
    forged = chat(
        "<body>evil</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>",
        frm="eve@example.test/x",
        id_="e1",
    )
    retract = chat(
        "<retract xmlns='urn:xmpp:message-retract:1' id='m1'/>", frm="eve@example.test/x", id_="e2"
    )
    assert [o.changed for o in store.save_outcomes([forged, retract])] == [None, None]
    assert [m.body for m in store.history(ME, BOB)] == ["mine"]
    assert store.history(ME, "eve@example.test") == []


def test_retraction_leaves_a_tombstone_out_of_search() -> None:
    store = Store.memory()
    store.save_outcomes([chat("<body>secret words</body>", id_="m1")])
    store.save_outcomes(
        [
            chat(
                "<body>secret wordz</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>",
                id_="m2",
                at=1,
            )
        ]
    )
    [done] = store.save_outcomes(
        [chat("<retract xmlns='urn:xmpp:message-retract:1' id='m1'/>", id_="m3", at=2)]
    )
    assert (
        done.changed is not None and done.changed.marks is not None and done.changed.marks.retracted
    )
    [row] = store.history(ME, BOB)
    assert row.body == "" and store.search("secret") == [] and store.versions(row.id or 0) == []
    late = chat(
        "<body>back</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>", id_="m4", at=3
    )
    assert store.save_outcomes([late])[0].changed is None


def test_reactions_replace_the_reactors_set() -> None:
    store = Store.memory()
    store.save_outcomes([chat("<body>hi</body>", id_="m1")])
    react = "<reactions xmlns='urn:xmpp:reactions:0' id='m1'>{}</reactions>"
    both = react.format("<reaction>👍</reaction><reaction>❤️</reaction>")
    store.save_outcomes([chat(both, id_="r1", at=1)])
    store.save_outcomes([chat(react.format("<reaction>❤️</reaction>"), id_="r2", at=2)])
    [row] = store.history(ME, BOB)
    assert row.marks is not None and row.marks.reactions == (("❤️", (BOB,)),)


@pytest.mark.parametrize(("actor_nick", "honoured"), [("alice", True), ("eve", False), ("", False)])
def test_room_retraction_only_from_the_same_occupant(actor_nick: str, honoured: bool) -> None:
    store = Store.memory()
    sid = f"<stanza-id xmlns='urn:xmpp:sid:0' by='{ROOM}' id='s1'/>"
    store.save_outcomes([room(f"<body>hey</body>{sid}", "alice", "a1")])
    retract = "<retract xmlns='urn:xmpp:message-retract:1' id='s1'/>"
    store.save_outcomes([room(retract, actor_nick, "x1", at=1)])
    [row] = store.history(ME, ROOM)
    assert (row.body == "") is honoured


def test_moderation_only_from_the_room_and_tombstones_from_the_archive() -> None:
    store = Store.memory()
    sid = f"<stanza-id xmlns='urn:xmpp:sid:0' by='{ROOM}' id='s1'/>"
    store.save_outcomes([room(f"<body>spam</body>{sid}", "alice", "a1")])
    moderate = (
        "<apply-to xmlns='urn:xmpp:fasten:0' id='s1'><moderated xmlns='urn:xmpp:message-moderate:0'"
        " by='x'><retract xmlns='urn:xmpp:message-retract:0'/><reason>spam</reason>"
        "</moderated></apply-to>"
    )
    store.save_outcomes([room(moderate, "mallory", "m1", at=1)])
    assert store.history(ME, ROOM)[0].body == "spam"
    store.save_outcomes([room(moderate, "", "m2", at=2)])
    [row] = store.history(ME, ROOM)
    assert row.body == "" and row.marks is not None and row.marks.reason == "spam"
    tomb = (
        "<moderated xmlns='urn:xmpp:message-moderate:0' by='x'><retracted "
        "xmlns='urn:xmpp:message-retract:0' stamp='2026-01-01T00:00:00Z'/></moderated>"
        f"<stanza-id xmlns='urn:xmpp:sid:0' by='{ROOM}' id='s9'/>"
    )
    [kept] = store.save_outcomes([room(tomb, "bob", "b9", at=3)])
    assert kept.stored is not None and kept.stored.marks is not None and kept.stored.marks.retracted


def test_reply_quote_comes_from_the_store() -> None:
    store = Store.memory()
    store.save_outcomes([chat("<body>the question</body>", id_="m1")])
    reply = chat(
        "<body>&gt; x\nanswer</body><reply xmlns='urn:xmpp:reply:0' id='m1'/>"
        "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
        "<body start='0' end='4'/></fallback>",
        id_="m2",
        at=1,
    )
    [saved] = store.save_outcomes([reply])
    assert saved.stored is not None and saved.stored.body == "answer"
    marks = saved.stored.marks
    assert (
        marks is not None and marks.quote == f"{BOB}: the question" and marks.quoted_id is not None
    )
    assert saved.stored.direction is Direction.IN and saved.stored.kind is ConversationKind.CHAT
    assert actions_parse.fallback_quote("bob: a\nb") == "> bob: a\n> b\n"


def test_room_identity_by_occupant_id_when_both_carry_one() -> None:
    store = Store.memory()

    def occ(value: str) -> str:
        return f"<occupant-id xmlns='urn:xmpp:occupant-id:0' id='{value}'/>"

    sid = f"<stanza-id xmlns='urn:xmpp:sid:0' by='{ROOM}' id='s1'/>"
    store.save_outcomes([room(f"<body>v1</body>{sid}{occ('alice-id')}", "alice", "a1")])
    fix = "<replace xmlns='urn:xmpp:message-correct:0' id='a1'/>"
    # A newcomer who took the nick "alice" is another occupant: refused.
    store.save_outcomes([room(f"<body>taken</body>{fix}{occ('other-id')}", "alice", "x1", at=1)])
    assert store.history(ME, ROOM)[0].body == "v1"
    # Alice, renamed "alicia", is the same occupant: allowed.
    store.save_outcomes([room(f"<body>v2</body>{fix}{occ('alice-id')}", "alicia", "x2", at=2)])
    assert store.history(ME, ROOM)[0].body == "v2"


def test_a_batch_newest_first_applies_actions_after_their_messages() -> None:
    store = Store.memory()
    fix = chat("<body>b</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>", id_="m2")
    outcomes = store.save_outcomes([fix, chat("<body>a</body>", id_="m1")], older=True)
    assert outcomes[0].changed is not None and outcomes[1].stored is not None
    assert [m.body for m in store.history(ME, BOB)] == ["b"]


def test_a_bodyless_room_message_with_only_an_occupant_id_is_nothing() -> None:
    frm = f"{ROOM}/alice"
    inner = (
        "<active xmlns='http://jabber.org/protocol/chatstates'/>"
        "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='x'/>"
    )
    message = muc_parse.room_message(
        env(inner, frm, "groupchat", "c1"), ME, room=ROOM, our_nick="me", now=NOW
    )
    assert message is None
