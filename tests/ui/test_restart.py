"""Pilot tests of what a restart keeps: rooms as rooms, the conversation in view, unread counts."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, BOB, ME, FakeClient, incoming, make_config, make_paths
from tests.ui.helpers import main_screen, roster_text, settle
from tuichat import events as ev
from tuichat.model import Invitation
from tuichat.ui.app import TuichatApp, build_app
from tuichat.ui.widgets.composer import Composer

ROOM = "party@conference.example.org"


def restarted(ui: UI, tmp: Path) -> tuple[TuichatApp, FakeClient]:
    """A fresh app and client over the same store and config, as after quitting and starting."""
    client = FakeClient(tuple(ui.client.accounts), ui.store)
    config = make_config(tmp, tuple(ui.client.accounts))
    app = build_app(config, make_paths(tmp), ui.store, client, tz=None, start_client=False)
    return app, client


async def send_line(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``text`` in the composer and press Enter."""
    composer = main_screen(pilot).query_one(Composer)
    composer.focus()
    composer.set_text(text)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_a_room_joined_from_an_invitation_is_a_room_after_a_restart(
    ui: UI, tmp_path: Path
) -> None:
    """Accept an invitation, quit, start again: the room is listed and sent to as a room, never
    as a 1:1 "Not in roster" chat (which would send type=chat to the room's JID)."""
    me = ui.client.accounts[0]
    async with ui.app.run_test(size=(120, 40)) as pilot:
        invitation = Invitation(ROOM, inviter="alice@example.org")
        ui.client.bus.publish(ev.InvitationReceived(me, invitation))
        await pilot.pause()
        await send_line(pilot, f"/accept-invite {ROOM}")
        await settle(pilot)
        assert main_screen(pilot).convs.current == (me, ROOM)
    app, client = restarted(ui, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        assert (me, ROOM) in screen.convs.open
        assert screen.rooms.info((me, ROOM)).is_group
        assert "Not in roster" not in roster_text(pilot)
        screen.open_conversation((me, ROOM))
        await send_line(pilot, "hello room")
        assert client.called("send_message") == []
        assert [c[:3] for c in client.called("send_room_message")] == [
            ("send_room_message", me, ROOM)
        ]


async def test_a_restart_shows_the_conversation_last_viewed_and_keeps_unread_counts(
    ui: UI, tmp_path: Path
) -> None:
    """Quit while Alice (slot 2) is in view; messages arrive meanwhile: the next start shows
    Alice again, not slot 1, and no unread message is marked read by merely starting."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await settle(pilot)
        assert screen.convs.open == [(ME, BOB), (ME, ALICE)]
    ui.store.save_messages([incoming(BOB, "still there?", 90), incoming(ALICE, "see you", 91)])
    app, _client = restarted(ui, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        assert screen.convs.current == (ME, ALICE)
        assert screen.convs.unread == {(ME, BOB): 1, (ME, ALICE): 1}
        assert ui.store.unread_count(ME, BOB) == 1
        assert ui.store.unread_count(ME, ALICE) == 1
