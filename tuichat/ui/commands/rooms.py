"""Provides the group chat commands: ``/join``, ``/leave``, ``/nick``, ``/topic``, ``/msg NICK``.

Joining shows the room as soon as we are in (before its history); a bookmarked room we are not
in is joined when chosen in a list. A refusal comes back in the room's words as the inline
error under the log.
"""

from __future__ import annotations

from tuichat.model import JID, ConversationKind, InvalidJID, split_room
from tuichat.ui.commands import messaging
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.dialogs.switcher import Target
from tuichat.ui.rooms import split_target
from tuichat.ui.slash import SlashCall
from tuichat.ui.state import ConvKey


def private_line(ctx: CommandContext, text: str) -> bool:
    """``/msg NICK text`` in a room: a private message to that occupant (handled here)."""
    room = ctx.current_room()
    if room is None or not text.startswith("/msg "):
        return False
    rest = text[5:].lstrip()
    found = split_target(rest, room.occupants)
    if found is None:
        word = rest.split(" ", 1)[0]
        if word and "@" not in word:  # not a JID: a nick that is not here
            ctx.fail(f"/msg: no occupant named {word!r} here (or give a JID)")
            return True
        return False
    nick, body = found
    key = (room.account, f"{room.jid}/{nick}")
    open_private(ctx, key)
    if body:
        messaging.send(ctx, key, body)
    return True


def open_private(ctx: CommandContext, key: ConvKey) -> None:
    """Open a private chat with a room's occupant (``key``: ``room@service/nick``)."""
    ctx.state.rooms.learn(key, ConversationKind.PRIVATE)
    ctx.open_conversation(key)


def join(ctx: CommandContext, account: str, room: str, nick: str = "", password: str = "") -> None:
    """Join ``room`` and show it once we are in (the reason in words if not)."""
    try:
        bare = str(JID.parse(room).bare)
    except InvalidJID:
        bare = room
    rooms = ctx.state.rooms
    rooms.open_on_join.add((account, bare))  # shown once in, before its history
    client = ctx.ui.client

    async def go() -> None:
        try:
            joined = await client.join_room(account, room, nick or None, password or None)
        finally:
            rooms.open_on_join.discard((account, bare))
        if ctx.state.convs.current != (account, joined.room):
            ctx.open_conversation((account, joined.room))

    ctx.request(go(), f"could not join {room}")


def choose(ctx: CommandContext, key: ConvKey) -> None:
    """Open ``key`` chosen in a list; a bookmarked room we are not in is joined first."""
    rooms = ctx.state.rooms
    room = rooms.get(key)
    mark = rooms.bookmark(*key)
    if mark is not None and (room is None or not room.joined):
        join(ctx, key[0], mark.room, mark.nick, mark.password)
        return
    ctx.open_conversation(key)


def targets(ctx: CommandContext) -> list[Target]:
    """Rooms we know and bookmarks, for the quick switcher."""
    accounts = set(ctx.accounts)
    rooms = ctx.state.rooms
    found = {
        r.key: Target(r.account, r.jid, r.title, room=True)
        for r in rooms.rooms.values()
        if r.account in accounts
    }
    for account, marks in rooms.bookmarks.items():
        for mark in marks:
            if account in accounts and (account, mark.room) not in found:
                title = mark.name or mark.room.split("@", 1)[0]
                found[(account, mark.room)] = Target(account, mark.room, title, room=True)
    return list(found.values())


# -- commands ----------------------------------------------------------------------------------


def join_command(ctx: CommandContext, call: SlashCall) -> None:
    """``/join ROOM[/nick] [password]``."""
    try:
        room, nick = split_room(call.arg("room"))
    except InvalidJID:
        ctx.fail(f"/join: {call.arg('room')!r} is not a room address (room@service/nick)")
        return
    account = ctx.account()
    if account is None:
        ctx.fail("/join: no account: F4 opens Accounts")
        return
    rooms = ctx.state.rooms
    mark = rooms.bookmark(account, room)
    invitation = rooms.invitations.get((account, room))
    password = call.arg("password") or (mark.password if mark else "")
    password = password or (invitation.password if invitation else "")
    join(ctx, account, room, nick or (mark.nick if mark else ""), password)


def leave(ctx: CommandContext, call: SlashCall) -> None:
    """``/leave [reason]`` (and the palette): leave the room in view."""
    room = ctx.room_target("leave")
    if room is not None:
        work = ctx.ui.client.leave_room(room.account, room.jid, call.arg("reason"))
        ctx.request(work, f"could not leave {room.jid}")


def nick(ctx: CommandContext, call: SlashCall) -> None:
    """``/nick NEWNICK``."""
    room = ctx.joined_target("nick")
    if room is not None:
        work = ctx.ui.client.change_nick(room.account, room.jid, call.arg("newnick"))
        ctx.request(work, "could not change nick")


def topic(ctx: CommandContext, call: SlashCall) -> None:
    """``/topic TEXT``."""
    room = ctx.joined_target("topic")
    if room is not None:
        work = ctx.ui.client.set_subject(room.account, room.jid, call.arg("text"))
        ctx.request(work, "could not set the subject")
