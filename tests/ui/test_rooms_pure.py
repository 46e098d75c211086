"""Unit tests of the pure group chat rules of the UI: capabilities, room state, completion."""

from __future__ import annotations

from datetime import UTC, datetime

from tuichat import events as ev
from tuichat.model import Affiliation, Bookmark, ConversationKind, Occupant, Role, Show
from tuichat.ui.attention import AttentionPolicy, attention_total, decide_room
from tuichat.ui.capabilities import Feature, features_for
from tuichat.ui.rooms import (
    RoomsState,
    complete_nick,
    occupant_rows,
    split_target,
)
from tuichat.ui.slash import SlashSpec, complete

ME = "me@example.org"
ROOM = "lobby@conference.example.org"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def joined_state(*occupants: Occupant, nick: str = "Mia") -> RoomsState:
    """A state with ROOM joined as ``nick`` (moderator, owner) and ``occupants``."""
    state = RoomsState()
    me = Occupant(nick, Role.MODERATOR, Affiliation.OWNER)
    state.joined(ev.RoomJoined(ME, ROOM, nick, "topic", (*occupants, me)), NOW)
    return state


def test_capabilities_follow_kind_role_and_affiliation() -> None:
    """A chat has the roster; a room moderates/configures only as moderator/owner."""
    assert features_for(ConversationKind.CHAT) == {Feature.SEND, Feature.ROSTER}
    assert Feature.PRIVATE in features_for(ConversationKind.PRIVATE)
    visitor = features_for(
        ConversationKind.GROUPCHAT, role=Role.VISITOR, affiliation=Affiliation.NONE, joined=True
    )
    assert Feature.GROUP in visitor and Feature.MODERATE not in visitor
    owner = features_for(
        ConversationKind.GROUPCHAT, role=Role.MODERATOR, affiliation=Affiliation.OWNER, joined=True
    )
    assert {Feature.MODERATE, Feature.ADMINISTER, Feature.CONFIGURE} <= owner
    outside = features_for(ConversationKind.GROUPCHAT, role=Role.MODERATOR, joined=False)
    assert Feature.MODERATE not in outside and Feature.OCCUPANTS in outside


def test_conversation_info_tells_rooms_private_chats_and_chats_apart() -> None:
    """Rooms by key, private chats by room/nick, anything else a chat."""
    state = joined_state()
    assert state.info((ME, ROOM)).can_configure
    assert state.info((ME, f"{ROOM}/carl")).kind is ConversationKind.PRIVATE
    assert state.private_parts((ME, f"{ROOM}/carl")) == (ROOM, "carl")
    assert state.info((ME, "alice@example.org")).kind is ConversationKind.CHAT
    assert not state.info((ME, "alice@example.org")).is_group


def test_traffic_becomes_one_line_notices() -> None:
    """Join, nick change, leave, kick: one notice each; traffic kinds fold, kicks do not."""
    state = joined_state(Occupant("eve"))
    join = state.occupant_changed(ev.OccupantChanged(ME, ROOM, Occupant("ivan"), True), NOW)
    nick = state.nick_changed(ev.NickChanged(ME, ROOM, "eve", "evelyn"), NOW)
    left = state.occupant_left(ev.OccupantLeft(ME, ROOM, "ivan", "bye"), NOW)
    kicked = state.occupant_left(ev.OccupantLeft(ME, ROOM, "evelyn", kicked=True), NOW)
    assert join is not None and join.text == "→ ivan joined" and join.is_traffic
    assert nick.text == "eve is now known as evelyn" and nick.is_traffic
    assert left.text == "← ivan left (bye)" and left.is_traffic
    assert kicked.text == "← evelyn was kicked" and not kicked.is_traffic
    assert set(state.rooms[(ME, ROOM)].occupants) == {"Mia"}


def test_presence_change_is_silent_but_role_change_is_told() -> None:
    """Away/back says nothing; becoming a moderator is one notice."""
    state = joined_state(Occupant("bea"))
    away = Occupant("bea", show=Show.AWAY)
    assert state.occupant_changed(ev.OccupantChanged(ME, ROOM, away), NOW) is None
    promoted = Occupant("bea", Role.MODERATOR)
    notice = state.occupant_changed(ev.OccupantChanged(ME, ROOM, promoted), NOW)
    assert notice is not None and notice.text == "bea is now a moderator"


def test_own_nick_change_and_kick_update_the_room() -> None:
    """Our nick follows NickChanged(own); being kicked leaves the room with the reason."""
    state = joined_state()
    state.nick_changed(ev.NickChanged(ME, ROOM, "Mia", "Mira", own=True), NOW)
    room = state.rooms[(ME, ROOM)]
    assert room.nick == "Mira" and room.me is not None
    state.left(ev.RoomLeft(ME, ROOM, "spam", kicked=True), NOW)
    assert not room.joined and room.error == "you were kicked (spam)"


def test_subject_notice_only_on_change_and_bookmark_names() -> None:
    """The same subject again is not news; a bookmark's name becomes the room's title."""
    state = joined_state()
    assert state.subject_changed(ev.SubjectChanged(ME, ROOM, "topic"), NOW) is None
    notice = state.subject_changed(ev.SubjectChanged(ME, ROOM, "new", "Olga"), NOW)
    assert notice is not None and notice.text == "Olga set the subject: new"
    state.set_bookmarks(ME, [Bookmark(ROOM, "The Lobby", "Mia", True)])
    assert state.rooms[(ME, ROOM)].title == "The Lobby"


def test_occupant_rows_grouped_by_role_sorted_by_nick() -> None:
    """Headings with counts in role order; nicks sorted ignoring case; ours marked."""
    rows = occupant_rows(
        [
            Occupant("zed", Role.VISITOR),
            Occupant("Bob"),
            Occupant("amy"),
            Occupant("Olga", Role.MODERATOR),
        ],
        "amy",
    )
    assert [r.label for r in rows] == [
        "Moderators (1)", "Olga", "Participants (2)", "amy", "Bob", "Visitors (1)", "zed",
    ]  # fmt: skip
    assert [r.own for r in rows if r.kind == "occupant"] == [False, True, False, False]


def test_nick_completion_at_line_start_and_later() -> None:
    """``nick: `` at the start, ``nick `` later; recent speakers first; never our own nick."""
    nicks = ["carl", "carla", "Mia", "Cora"]
    assert complete_nick("ca", nicks, own="Mia") == ["carl: ", "carla: "]
    assert complete_nick("thanks c", nicks, recent=["carl", "Cora"]) == [
        "thanks Cora ", "thanks carl ", "thanks carla ",
    ]  # fmt: skip
    assert complete_nick("m", nicks, own="Mia") == []


def test_split_target_prefers_the_longest_nick() -> None:
    """``/msg Bob Builder hi`` finds "Bob Builder" before "Bob"; case falls back."""
    nicks = ["Bob", "Bob Builder"]
    assert split_target("Bob Builder hi there", nicks) == ("Bob Builder", "hi there")
    assert split_target("bob hi", nicks) == ("Bob", "hi")
    assert split_target("Bobby hi", nicks) is None


def test_room_traffic_is_quiet_unless_it_mentions_us() -> None:
    """Room messages count as unread without bell/notification; a mention rings; the title
    counts chats and mentions, not plain room unread."""
    from tests.ui.room_app import room_message

    message = room_message("carl", "hello", 1)
    policy = AttentionPolicy(notify=True, bell=True)
    quiet = decide_room(message, in_view=False, app_focused=True, policy=policy)
    assert quiet.unread and not quiet.bell and not quiet.notify
    loud = decide_room(message, in_view=False, app_focused=True, policy=policy, mention=True)
    assert loud.bell and loud.notify
    unread = {(ME, ROOM): 5, (ME, "alice@example.org"): 2}
    assert attention_total(unread, {(ME, ROOM)}, mentions=1) == 3


def test_slash_completion_offers_nicks_for_nick_parameters() -> None:
    """NICK completes occupants; WHO completes occupants then JIDs."""
    specs = {
        "kick": SlashSpec.from_usage("kick", "NICK [reason]"),
        "ban": SlashSpec.from_usage("ban", "WHO [reason]"),
    }
    assert complete("/kick ca", specs, ["carl@example.org"], ["carl", "Mia"]) == ["/kick carl "]
    assert complete("/ban ca", specs, ["carl@example.org"], ["carl"]) == [
        "/ban carl ", "/ban carl@example.org ",
    ]  # fmt: skip


def test_a_conversation_kind_comes_from_the_store_not_from_its_key() -> None:
    """A full JID is a private chat because the store (or the room) says so, not for its "/"."""
    state = RoomsState()
    stored = (ME, "dev@conference.example.org/ann")
    stray = (ME, "weird@example.org/phone")
    state.learn(stored, ConversationKind.PRIVATE)
    assert state.kind(stored) is ConversationKind.PRIVATE
    assert state.private_parts(stored) == ("dev@conference.example.org", "ann")
    assert state.kind(stray) is ConversationKind.CHAT
    assert state.private_parts(stray) is None
