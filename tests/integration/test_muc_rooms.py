"""Integration tests of room options, join errors in words, invitations and the room browser."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import Recorder, account_config
from tests.integration.test_muc import room_name
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.errors import RoomError
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


@asynccontextmanager
async def two(
    server: ProsodyServer, a: TestAccount, b: TestAccount
) -> AsyncIterator[tuple[ConnectionManager, Recorder]]:
    """One manager with two connected accounts."""
    bus = EventBus()
    rec = Recorder(bus)
    manager = ConnectionManager(
        [account_config(server, a.jid, a.password), account_config(server, b.jid, b.password)],
        Store.memory(),
        bus,
    )
    await manager.start()
    try:
        await manager.wait_connected(15)
        for jid in (a.jid, b.jid):
            await asyncio.wait_for(manager.session(jid).synced.wait(), 20)
        yield manager, rec
    finally:
        await manager.stop()


async def test_password_members_only_and_nick_conflict_say_why(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Wrong password, members-only and a taken nick each fail with their own words."""
    a, b = account("keeper"), account("guest")
    room = room_name(prosody, "locked")
    async with two(prosody, a, b) as (manager, rec):
        await manager.join_room(a.jid, room, "Keeper")
        await manager.configure_room(a.jid, room, password="sesame", name="Locked room")
        config = await manager.get_room_config(a.jid, room)
        assert config["name"] == "Locked room" and config["password"] == "sesame"

        with pytest.raises(RoomError, match="password"):
            await manager.join_room(b.jid, room, "Guest", password="wrong")
        with pytest.raises(RoomError, match="password"):
            await manager.join_room(b.jid, room, "Guest")
        failed = rec.of(ev.RoomJoinFailed, lambda e: e.account == b.jid)
        assert len(failed) == 2 and "password" in failed[0].reason
        with pytest.raises(RoomError, match="already taken"):
            await manager.join_room(b.jid, room, "Keeper", password="sesame")
        joined = await manager.join_room(b.jid, room, "Guest", password="sesame")
        assert {o.nick for o in joined.occupants} == {"Keeper", "Guest"}
        await manager.leave_room(b.jid, room)

        await manager.configure_room(a.jid, room, members_only=True, password="")
        with pytest.raises(RoomError, match="members-only"):
            await manager.join_room(b.jid, room, "Guest")
        await manager.set_affiliation(a.jid, room, b.jid, "member")
        await manager.join_room(b.jid, room, "Guest")
        assert b.jid in {o.jid.partition("/")[0] for o in manager.occupants(a.jid, room)}


async def test_subject_invitations_and_room_browser(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Subject changes, mediated and direct invitations (and a decline), the room list."""
    a, b, c = account("host"), account("invitee"), account("direct")
    room = room_name(prosody, "party")
    async with two(prosody, a, b) as (manager, rec):
        await manager.join_room(a.jid, room, "Host")
        await manager.configure_room(a.jid, room, name="Party", hidden=False)
        await manager.set_subject(a.jid, room, "cake at five")
        [subject] = await rec.wait(ev.SubjectChanged, lambda e: e.subject == "cake at five")
        assert subject.by == "Host"

        await manager.invite(a.jid, room, b.jid, "come along")
        [received] = await rec.wait(ev.InvitationReceived, lambda e: e.account == b.jid)
        invite = received.invitation
        assert (invite.room, invite.reason, invite.direct) == (room, "come along", False)
        assert invite.inviter in (a.jid, f"{room}/Host"), invite.inviter
        await manager.answer_invitation(b.jid, room, False, inviter=a.jid, reason="busy")
        [declined] = await rec.wait(ev.InvitationDeclined)
        assert declined.room == room and declined.reason == "busy"

        async with Peer.connect(prosody, c.jid, c.password) as carol:
            carol.client.plugin["xep_0249"].send_invitation(a.jid, room, reason="direct one")
            [got] = await rec.wait(ev.InvitationReceived, lambda e: e.invitation.direct)
            direct = got.invitation
            assert (direct.room, direct.inviter, direct.reason) == (room, c.jid, "direct one")

        joined = await manager.answer_invitation(b.jid, room, True, nick="Invitee")
        assert joined is not None and joined.subject == "cake at five"

        listed = {info.jid: info for info in await manager.list_rooms(a.jid, prosody.muc_domain)}
        assert listed[room].name == "Party"
        assert listed[room].occupants == 2
        with pytest.raises(RoomError, match="list the rooms"):
            await manager.list_rooms(a.jid, "nowhere.invalid")


async def test_a_subject_or_reason_with_an_escape_does_not_close_the_stream(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """A topic, an invitation reason and a room name holding ESC or NUL are sent without
    them, instead of making the server close the stream (it closes it on such a stanza)."""
    a, b = account("topical"), account("invited")
    room = room_name(prosody, "escapes")
    async with two(prosody, a, b) as (manager, rec):
        await manager.join_room(a.jid, room, "Host")
        before = len(rec.of(ev.ConnectionStateChanged))
        await manager.set_subject(a.jid, room, "\x1b[31mred\x00 alert")
        [subject] = await rec.wait(ev.SubjectChanged, lambda e: "alert" in e.subject)
        assert subject.subject == "[31mred alert"
        await manager.invite(a.jid, room, b.jid, "come \x1b now")
        [got] = await rec.wait(ev.InvitationReceived, lambda e: e.account == b.jid)
        assert got.invitation.reason == "come  now"
        await manager.configure_room(a.jid, room, name="The \x07 room")
        assert (await manager.get_room_config(a.jid, room))["name"] == "The  room"
        await asyncio.sleep(0.5)
        assert len(rec.of(ev.ConnectionStateChanged)) == before  # no stream was closed
        assert manager.state(a.jid)[0].value == "connected"
