"""Pilot tests of group chat in the UI over the FakeClient: the room view and every room command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, OptionList

from tests.ui.conftest import make_ui
from tests.ui.fakes import ALICE, ME, T0, FakeClient
from tests.ui.helpers import log_text, main_screen, roster_text, settle
from tests.ui.room_app import NICK, ROOM, Clock, make_room_app
from tests.ui.test_commands import inline_error, run_line
from tuichat import events as ev
from tuichat.forms import Field, FieldType, Form, Option
from tuichat.model import (
    Affiliation,
    ConversationKind,
    Direction,
    Invitation,
    Message,
    Occupant,
    Role,
    RoomInfo,
)
from tuichat.ui.app import TuichatApp
from tuichat.ui.dialogs.data_form import DataFormScreen
from tuichat.ui.dialogs.room_picker import RoomPicker
from tuichat.ui.screens.help import HelpScreen
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.occupant_list import OccupantList

DEV = "dev@conference.example.org"


@dataclass
class RoomUI:
    """The sample room app under test."""

    pilot: Pilot[None]
    app: TuichatApp
    client: FakeClient
    clock: Clock


@asynccontextmanager
async def room_ui(tmp_path: Path, size: tuple[int, int] = (120, 40)) -> AsyncIterator[RoomUI]:
    """Run the sample app with the room joined and in view."""
    app, client, clock = make_room_app("dark", tmp_path)
    async with app.run_test(size=size) as pilot:
        for _ in range(100):
            if main_screen(pilot).convs.current == (ME, ROOM):
                break
            await pilot.pause(0.02)
        await settle(pilot)
        yield RoomUI(pilot, app, client, clock)


def occupant_lines(pilot: Pilot[None]) -> list[str]:
    """The occupant list's options as plain text."""
    occupants = main_screen(pilot).query_one(OccupantList)
    return [occupants.prompt(i).plain for i in range(len(occupants.rows))]


def header_text(pilot: Pilot[None]) -> str:
    """The conversation header as the user reads it."""
    return str(main_screen(pilot).query_one("#conversation-header").render())


def room_message(nick: str, body: str, minutes: int) -> Message:
    """A live incoming room message."""
    return Message(
        account=ME,
        conversation=ROOM,
        direction=Direction.IN,
        sender=f"{ROOM}/{nick}",
        body=body,
        timestamp=T0 + timedelta(minutes=minutes),
        kind=ConversationKind.GROUPCHAT,
        stanza_id=f"live-{minutes}",
        nick=nick,
    )


def toasts(pilot: Pilot[None]) -> str:
    """Every toast shown so far, joined."""
    return "\n".join(str(n.message) for n in pilot.app._notifications)


# -- the room view -------------------------------------------------------------------------


async def test_occupants_grouped_by_role_with_affiliation_and_presence(tmp_path: Path) -> None:
    """The occupant list: role headings with counts, ~ & + marks, presence symbols."""
    async with room_ui(tmp_path) as r:
        lines = occupant_lines(r.pilot)
        assert lines[0] == "Moderators (3)"
        heads = [line for line in lines if "(" in line and line[0].isalpha()]
        assert heads == ["Moderators (3)", "Participants (6)", "Visitors (1)"]
        assert "◐ &adam" in lines and "● ~Olga" in lines and "● +Bea" in lines
        assert "⊘  carl" in lines  # do not disturb, no affiliation
        assert lines.index("● ~Mia") < lines.index("Participants (6)")
        assert "10 here" in header_text(r.pilot)
        assert "Weekly sync" in header_text(r.pilot)  # the subject


async def test_f5_toggles_the_occupant_list(tmp_path: Path) -> None:
    """F5 hides and shows the occupant list of the room in view."""
    async with room_ui(tmp_path) as r:
        view = main_screen(r.pilot).view
        assert view.occupants_shown and view.occupant_list.display
        await r.pilot.press("f5")
        await r.pilot.pause()
        assert not view.occupants_shown and not view.occupant_list.display
        await r.pilot.press("f5")
        await r.pilot.pause()
        assert view.occupants_shown


async def test_enter_on_an_occupant_opens_a_private_chat(tmp_path: Path) -> None:
    """Focus the occupant list, move to an occupant, Enter: a private chat with them opens."""
    async with room_ui(tmp_path) as r:
        occupants = main_screen(r.pilot).query_one(OccupantList)
        occupants.focus()
        await r.pilot.press("down")  # row 1: the first moderator, adam
        await r.pilot.press("enter")
        await r.pilot.pause()
        assert main_screen(r.pilot).convs.current == (ME, f"{ROOM}/adam")


async def test_occupant_changes_update_the_list_coalesced(tmp_path: Path) -> None:
    """200 arrivals in a burst are one or two rebuilds of the list, and all are listed."""
    async with room_ui(tmp_path) as r:
        occupants = main_screen(r.pilot).query_one(OccupantList)
        before = occupants.rebuilds
        for n in range(200):
            r.client.bus.publish(ev.OccupantChanged(ME, ROOM, Occupant(f"n{n:03d}"), joined=True))
        await r.pilot.pause(0.2)
        assert occupants.rebuilds - before <= 2
        assert "Participants (206)" in occupant_lines(r.pilot)
        r.client.bus.publish(ev.OccupantLeft(ME, ROOM, "n000"))
        await r.pilot.pause(0.2)
        assert "Participants (205)" in occupant_lines(r.pilot)


async def test_mention_is_highlighted_counted_apart_and_announced(tmp_path: Path) -> None:
    """A mention: marked in the log; away from the room it counts as @1, sets the title; plain
    room traffic counts as unread but does not touch the title."""
    async with room_ui(tmp_path) as r:
        assert "09:06 @carl" in log_text(r.pilot)  # the stored mention is marked
        screen = main_screen(r.pilot)
        screen.open_conversation((ME, ALICE))
        await r.pilot.pause()
        bus = r.client.bus
        plain = r.client.store.save_message(room_message("Bea", "lunch anyone?", 20))
        assert plain is not None
        bus.publish(ev.MessageReceived(ME, plain))
        await settle(r.pilot)
        assert screen.convs.unread[(ME, ROOM)] == 1
        assert r.app.title == "tuichat"  # room traffic is quiet
        mention = r.client.store.save_message(room_message("Olga", "Mia, ready?", 21))
        assert mention is not None
        bus.publish(ev.MessageReceived(ME, mention))
        bus.publish(ev.RoomMentioned(ME, ROOM, mention))
        await settle(r.pilot)
        assert screen.rooms.mentions[(ME, ROOM)] == 1
        assert "# lobby [2] @1" in roster_text(r.pilot)
        assert r.app.title == "(1) tuichat"
        screen.open_conversation((ME, ROOM))
        await settle(r.pilot)
        assert (ME, ROOM) not in screen.rooms.mentions
        assert r.app.title == "tuichat"
        assert "@Olga" in log_text(r.pilot)


async def test_traffic_is_compact_and_folds_away(tmp_path: Path) -> None:
    """Joins, leaves and nick changes are one line each; /presence hide folds them, F6 back."""
    async with room_ui(tmp_path) as r:
        text = log_text(r.pilot)
        for words in ("→ ivan joined", "← gus left (gone home)", "eve is now known as evelyn"):
            assert words in text
            assert sum(words in line for line in text.splitlines()) == 1
        await run_line(r.pilot, "/presence hide")
        text = log_text(r.pilot)
        assert "ivan joined" not in text and "gus left" not in text
        assert "you joined as Mia" in text  # not traffic: stays
        assert "Morning all" in text
        r.client.bus.publish(ev.OccupantChanged(ME, ROOM, Occupant("zoe"), joined=True))
        await r.pilot.pause()
        assert "zoe joined" not in log_text(r.pilot)
        await r.pilot.press("f6")
        await r.pilot.pause()
        text = log_text(r.pilot)
        assert "→ ivan joined" in text and "→ zoe joined" in text


async def test_tab_completes_nicks_in_the_composer(tmp_path: Path) -> None:
    """Tab completes a nick: ``nick: `` at the line start, ``nick `` later; Tab again cycles."""
    async with room_ui(tmp_path) as r:
        composer = main_screen(r.pilot).query_one(Composer)
        composer.focus()
        composer.set_text("ca")
        await r.pilot.press("tab")
        assert composer.text == "carl: "
        composer.set_text("thanks ev")
        await r.pilot.press("tab")
        assert composer.text == "thanks evelyn "
        composer.set_text("/kick Fr")
        await r.pilot.press("tab")
        assert composer.text == "/kick Frank "
        r.client.bus.publish(ev.OccupantChanged(ME, ROOM, Occupant("carla"), joined=True))
        composer.set_text("car")
        await r.pilot.press("tab")
        assert composer.text == "carl: "
        await r.pilot.press("tab")
        assert composer.text == "carla: "
        composer.set_text("M")
        await r.pilot.press("tab")
        assert composer.text == "M"  # only our own nick matches: nothing to complete


async def test_msg_nick_opens_a_private_conversation(tmp_path: Path) -> None:
    """/msg NICK text in a room sends a private message in its own conversation."""
    async with room_ui(tmp_path) as r:
        await run_line(r.pilot, "/msg nobody hi")
        assert "no occupant named 'nobody' here" in inline_error(r.pilot)
        assert r.client.called("send_message") == []
        main_screen(r.pilot).query_one(Composer).set_text("")
        await run_line(r.pilot, "/msg carl psst, a secret")
        screen = main_screen(r.pilot)
        assert screen.convs.current == (ME, f"{ROOM}/carl")
        assert r.client.called("send_private_message") == [
            ("send_private_message", ME, ROOM, "carl", "psst, a secret")
        ]
        assert "psst, a secret" in log_text(r.pilot)
        assert "private chat in" in header_text(r.pilot)
        assert not screen.view.occupants_shown
        await run_line(r.pilot, "and another")
        assert r.client.called("send_private_message")[-1][-1] == "and another"
        await settle(r.pilot)
        assert "» carl (lobby)" in roster_text(r.pilot)


async def test_typing_in_a_room_sends_a_room_message(tmp_path: Path) -> None:
    """Enter in a room sends to the room (not as a chat message)."""
    async with room_ui(tmp_path) as r:
        await run_line(r.pilot, "hello room")
        assert r.client.called("send_room_message") == [
            ("send_room_message", ME, ROOM, "hello room")
        ]
        assert r.client.called("send_message") == []
        assert "hello room" in log_text(r.pilot)


# -- joining -------------------------------------------------------------------------------


async def test_join_command_joins_and_lists_the_room(tmp_path: Path) -> None:
    """/join room@service/nick password joins, shows the room, lists it under Rooms."""
    ui = make_ui(tmp_path)
    ui.client.room_occupants[DEV] = [Occupant("ann")]
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/join {DEV}/Zed s3cret")
        assert ui.client.called("join_room") == [("join_room", ME, DEV, "Zed", "s3cret")]
        screen = main_screen(pilot)
        assert screen.convs.current == (ME, DEV)
        await settle(pilot)
        assert "Rooms\n▸# dev" in roster_text(pilot)
        assert "2 here" in header_text(pilot)
        assert screen.view.occupants_shown


async def test_join_error_is_shown_in_words(tmp_path: Path) -> None:
    """A refused join: the reason inline, as a toast, and in the room's header."""
    ui = make_ui(tmp_path)
    ui.client.join_errors[DEV] = "the room is members-only: ask an admin for an invitation"
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, f"/join {DEV}")
        assert "members-only: ask an admin" in inline_error(pilot)
        assert "could not join" in inline_error(pilot)
        assert "members-only" in toasts(pilot)
        assert main_screen(pilot).rooms.get((ME, DEV)) is not None
        assert not main_screen(pilot).rooms.rooms[(ME, DEV)].joined


async def test_join_rejects_a_non_room_address(tmp_path: Path) -> None:
    """/join with something that is not room@service says so and joins nothing."""
    ui = make_ui(tmp_path)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/join lobby")
        assert "not a room address" in inline_error(pilot)
        assert ui.client.called("join_room") == []


async def test_leave_nick_and_topic(tmp_path: Path) -> None:
    """/topic, /nick and /leave reach the client; after leaving the header says not joined."""
    async with room_ui(tmp_path) as r:
        await run_line(r.pilot, "/topic Release day")
        assert r.client.called("set_subject") == [("set_subject", ME, ROOM, "Release day")]
        r.client.bus.publish(ev.SubjectChanged(ME, ROOM, "Release day", "Mia"))
        await r.pilot.pause(0.2)
        assert "Release day" in header_text(r.pilot)
        assert "Mia set the subject: Release day" in log_text(r.pilot)
        await run_line(r.pilot, "/nick Mira")
        assert r.client.called("change_nick") == [("change_nick", ME, ROOM, "Mira")]
        r.client.bus.publish(ev.NickChanged(ME, ROOM, NICK, "Mira", own=True))
        await r.pilot.pause(0.2)
        assert "you are now known as Mira" in log_text(r.pilot)
        assert "you: Mira" in header_text(r.pilot)
        await run_line(r.pilot, "/leave see you")
        assert r.client.called("leave_room") == [("leave_room", ME, ROOM, "see you")]
        await r.pilot.pause(0.2)
        assert "not joined" in header_text(r.pilot)
        assert "you left the room" in log_text(r.pilot)


async def test_room_commands_outside_a_room_say_so(tmp_path: Path) -> None:
    """/kick in a 1:1 chat is refused in words, nothing is sent."""
    ui = make_ui(tmp_path)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/kick carl")
        assert "works in a room" in inline_error(pilot)
        assert ui.client.called("kick") == []


# -- moderation ----------------------------------------------------------------------------


async def test_kick_ban_role_affiliation_invite(tmp_path: Path) -> None:
    """The moderation commands reach the client with nicks resolved to JIDs where needed."""
    async with room_ui(tmp_path) as r:
        await run_line(r.pilot, "/kick carl flooding")
        assert r.client.called("kick") == [("kick", ME, ROOM, "carl", "flooding")]
        await run_line(r.pilot, "/ban Bea spam links")
        assert r.client.called("ban") == [("ban", ME, ROOM, "bea@example.net", "spam links")]
        await run_line(r.pilot, "/role Frank moderator")
        assert r.client.called("set_role") == [("set_role", ME, ROOM, "Frank", Role.MODERATOR)]
        await run_line(r.pilot, "/affiliation zed@example.org member")
        assert r.client.called("set_affiliation") == [
            ("set_affiliation", ME, ROOM, "zed@example.org", Affiliation.MEMBER)
        ]
        await run_line(r.pilot, "/invite zed@example.org join us")
        assert r.client.called("invite") == [("invite", ME, ROOM, "zed@example.org", "join us")]


async def test_moderation_mistakes_and_refusals_in_words(tmp_path: Path) -> None:
    """Unknown nick, hidden JID, bad role, and the server's refusal: each explained inline."""
    async with room_ui(tmp_path) as r:
        await run_line(r.pilot, "/kick nobody")
        assert "no occupant named 'nobody'" in inline_error(r.pilot)
        await run_line(r.pilot, "/ban carl")
        assert "does not show carl's address" in inline_error(r.pilot)
        await run_line(r.pilot, "/role carl king")
        assert "not one of moderator" in inline_error(r.pilot)
        r.client.fail["kick"] = "you are not allowed to kick carl (your role is too low)"
        await run_line(r.pilot, "/kick carl")
        assert "could not kick carl: you are not allowed" in inline_error(r.pilot)


ROOM_FORM = Form(
    fields=(
        Field("FORM_TYPE", FieldType.HIDDEN, values=("http://jabber.org/protocol/muc#roomconfig",)),
        Field("muc#roomconfig_roomname", FieldType.TEXT_SINGLE, "Name", values=("Lobby",)),
        Field("muc#roomconfig_roomdesc", FieldType.TEXT_SINGLE, "Description"),
        Field("muc#roomconfig_roomsecret", FieldType.TEXT_PRIVATE, "Password"),
        Field("muc#roomconfig_membersonly", FieldType.BOOLEAN, "Members only", values=("0",)),
        Field("muc#roomconfig_moderatedroom", FieldType.BOOLEAN, "Moderated", values=("1",)),
        Field(
            "muc#roomconfig_whois",
            FieldType.LIST_SINGLE,
            "Who may see real JIDs",
            values=("moderators",),
            options=(Option("moderators", "Moderators"), Option("anyone", "Anyone")),
        ),
    )
)


async def test_config_form_is_filled_and_submits_the_changes(tmp_path: Path) -> None:
    """/config opens the room's own form in the form renderer, filled from the room; typing
    and Space change it; Ctrl+S sends the whole form back with the changes."""
    async with room_ui(tmp_path) as r:
        r.client.room_form = ROOM_FORM
        await run_line(r.pilot, "/config")
        form = r.app.screen
        assert isinstance(form, DataFormScreen)
        name = form.query_one("#field-1", Input)
        assert name.value == "Lobby" and r.app.focused is name
        assert form.query_one("#field-5", Checkbox).value is True
        await r.pilot.press("home")
        for key in ("T", "h", "e", "space"):
            await r.pilot.press(key)
        await r.pilot.press("tab", "tab", "tab", "space")  # members only: on
        await r.pilot.press("ctrl+s")
        await r.pilot.pause(0.2)
        assert r.app.screen is main_screen(r.pilot)
        [(_name, account, room, values)] = r.client.called("submit_room_form")
        assert (account, room) == (ME, ROOM)
        assert values["muc#roomconfig_roomname"] == ("The Lobby",)
        assert values["muc#roomconfig_membersonly"] == ("1",)
        assert values["muc#roomconfig_moderatedroom"] == ("1",)
        assert values["muc#roomconfig_whois"] == ("moderators",)


async def test_focused_checkbox_keeps_its_label_and_tick(tmp_path: Path) -> None:
    """A focused checkbox in the settings form is still drawn: its one line is not eaten by a
    focus border (it was an empty box at 80x24 and 160x45)."""
    async with room_ui(tmp_path, size=(80, 24)) as r:
        r.client.room_form = ROOM_FORM
        await run_line(r.pilot, "/config")
        form = r.app.screen
        assert isinstance(form, DataFormScreen)
        box = form.query_one("#field-5", Checkbox)
        box.focus()
        await r.pilot.pause()
        assert r.app.focused is box
        assert box.content_region.height == 1 and box.content_region.width > 10
        assert "Moderated" in str(box.render()) and box.value is True


async def test_config_read_refusal_is_shown(tmp_path: Path) -> None:
    """A room that will not show its settings: no form opens, the refusal is said in words."""
    async with room_ui(tmp_path) as r:
        r.client.fail["get_room_form"] = "you are not allowed to read the configuration"
        await run_line(r.pilot, "/config")
        await r.pilot.pause(0.2)
        assert r.app.screen is main_screen(r.pilot)
        assert "not allowed to read the configuration" in inline_error(r.pilot)
        assert r.client.called("submit_room_form") == []


# -- rooms, bookmarks, invitations ---------------------------------------------------------


async def test_room_browser_filters_as_you_type_and_joins(tmp_path: Path) -> None:
    """/rooms lists the service's rooms (name, JID, count); typing filters; Enter joins."""
    ui = make_ui(tmp_path)
    ui.client.room_list = [
        RoomInfo("lobby@conference.example.org", "Lobby", "", 12),
        RoomInfo(DEV, "Developers", "code talk", 3),
        RoomInfo("ops@conference.example.org", "", "", None),
    ]
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/rooms")
        browser = pilot.app.screen
        assert isinstance(browser, RoomPicker)
        assert ui.client.called("list_rooms") == [("list_rooms", ME, "conference.example.org")]
        await pilot.pause(0.1)
        results = browser.query_one(OptionList)
        assert results.option_count == 3
        prompts = [str(results.get_option_at_index(i).prompt) for i in range(3)]
        assert any("Developers" in p and DEV in p and "3 here" in p for p in prompts)
        for key in "devel":
            await pilot.press(key)
        await pilot.pause(0.1)
        assert results.option_count == 1
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert ui.client.called("join_room")[-1][:3] == ("join_room", ME, DEV)
        assert main_screen(pilot).convs.current == (ME, DEV)


async def test_room_browser_error_in_words(tmp_path: Path) -> None:
    """A chat service that cannot be listed: the browser says why."""
    ui = make_ui(tmp_path)
    ui.client.fail["list_rooms"] = "cannot list the rooms of nowhere.example: no answer in time"
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/rooms nowhere.example")
        await pilot.pause(0.1)
        status = str(pilot.app.screen.query_one("#picker-status").render())
        assert "no answer in time" in status


async def test_bookmark_and_bookmarks_list_joins(tmp_path: Path) -> None:
    """/bookmark autojoin bookmarks the room; /bookmarks lists them and Enter joins one."""
    async with room_ui(tmp_path) as r:
        await run_line(r.pilot, "/bookmark autojoin")
        assert r.client.called("add_bookmark") == [("add_bookmark", ME, ROOM, NICK, True)]
        from tuichat.model import Bookmark

        r.client.bookmark_list.append(Bookmark(DEV, "Developers", "Zed", True))
        await run_line(r.pilot, "/bookmarks")
        picker = r.app.screen
        assert isinstance(picker, RoomPicker)
        await r.pilot.pause(0.1)
        assert picker.query_one(OptionList).option_count == 2
        for key in "deve":
            await r.pilot.press(key)
        await r.pilot.pause(0.1)
        await r.pilot.press("enter")
        await r.pilot.pause(0.2)
        assert r.client.called("join_room")[-1] == ("join_room", ME, DEV, "Zed", None)
        assert main_screen(r.pilot).convs.current == (ME, DEV)


async def test_invitation_shows_a_toast_and_a_pending_entry_then_accept(tmp_path: Path) -> None:
    """An invitation: toast + a ✉ entry under Rooms; /accept-invite joins with its password."""
    ui = make_ui(tmp_path)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        ui.client.bus.publish(
            ev.InvitationReceived(ME, Invitation(DEV, "olga@example.org", "standup", password="pw"))
        )
        await settle(pilot)
        assert "olga@example.org invites you to" in toasts(pilot)
        assert f"✉ {DEV} (invited by olga@example.org)" in roster_text(pilot)
        await run_line(pilot, f"/accept-invite {DEV}")
        assert ui.client.called("answer_invitation") == [
            ("answer_invitation", ME, DEV, True, "olga@example.org", "")
        ]
        assert ui.client.called("join_room")[-1] == ("join_room", ME, DEV, "me", "pw")
        assert main_screen(pilot).convs.current == (ME, DEV)
        await settle(pilot)
        assert "✉" not in roster_text(pilot)


async def test_invitation_declined_with_a_reason(tmp_path: Path) -> None:
    """/decline-invite ROOM reason answers no (to the inviter) and drops the entry."""
    ui = make_ui(tmp_path)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        ui.client.bus.publish(ev.InvitationReceived(ME, Invitation(DEV, "olga@example.org")))
        await settle(pilot)
        await run_line(pilot, f"/decline-invite {DEV} busy today")
        assert ui.client.called("answer_invitation") == [
            ("answer_invitation", ME, DEV, False, "olga@example.org", "busy today")
        ]
        await settle(pilot)
        assert DEV not in roster_text(pilot)
        assert ui.client.called("join_room") == []


async def test_rooms_in_quick_switcher_and_roster(tmp_path: Path) -> None:
    """Ctrl+K finds a room by name; the roster lists it under Rooms with its badge."""
    async with room_ui(tmp_path) as r:
        screen = main_screen(r.pilot)
        screen.open_conversation((ME, ALICE))
        await settle(r.pilot)  # the roster's rebuild is coalesced
        assert "Rooms\n # lobby" in roster_text(r.pilot)
        await r.pilot.press("ctrl+k")
        await r.pilot.pause()
        for key in "lobb":
            await r.pilot.press(key)
        await r.pilot.pause(0.1)
        first = r.app.screen.query_one(OptionList).get_option_at_index(0).prompt
        assert str(first).startswith("# lobby")
        await r.pilot.press("enter")
        await r.pilot.pause(0.1)
        assert screen.convs.current == (ME, ROOM)


async def test_help_and_slash_completion_list_the_room_commands(tmp_path: Path) -> None:
    """The one registry feeds help and Tab: /join, /kick, /config… are in both."""
    ui = make_ui(tmp_path)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        usages = {c.slash_usage for c in pilot.app.screen.registry.commands}
        for usage in (
            "/join ROOM [password]",
            "/kick NICK [reason]",
            "/config",
            "/rooms [service]",
            "/accept-invite [room]",
            "/presence hide|show",
            "/bookmark [autojoin|manual]",
        ):
            assert usage in usages
        await pilot.press("escape")
        composer = main_screen(pilot).query_one(Composer)
        composer.focus()
        composer.set_text("/decl")
        await pilot.press("tab")
        assert composer.text == "/decline-invite "
