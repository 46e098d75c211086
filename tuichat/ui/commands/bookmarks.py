"""Provides ``/bookmark``, ``/bookmarks`` and ``/rooms`` (the room browser of a chat service)."""

from __future__ import annotations

from tuichat.model import JID, RoomInfo
from tuichat.ui.commands import rooms
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.dialogs.room_picker import PickerEntry, RoomPicker
from tuichat.ui.slash import SlashCall


def bookmark(ctx: CommandContext, call: SlashCall) -> None:
    """Bookmark the room in view (``autojoin``: joined at sign-in)."""
    room = ctx.room_target("bookmark")
    if room is None:
        return
    autojoin = call.arg("choice") == "autojoin"
    client = ctx.ui.client

    async def add() -> None:
        await client.add_bookmark(
            room.account,
            room.jid,
            name=room.name,
            nick=room.nick,
            autojoin=autojoin,  # the XMPP layer keeps the password we joined with
        )
        how = " (joined at sign-in)" if autojoin else ""
        ctx.notify(f"bookmarked {room.jid}{how}", timeout=4)

    ctx.request(add(), f"could not bookmark {room.jid}")


def bookmarks(ctx: CommandContext, _call: SlashCall) -> None:
    """List the bookmarks of the current account; Enter joins one."""
    account = ctx.some_account()
    if account is None:
        return
    client = ctx.ui.client

    async def load() -> list[PickerEntry]:
        marks = await client.bookmarks(account)
        return [PickerEntry(m.room, m.name, "autojoin" if m.autojoin else "") for m in marks]

    def chosen(jid: str | None) -> None:
        if jid is not None:
            rooms.choose(ctx, (account, jid))

    ctx.ask(RoomPicker(f"Bookmarks of {account}", load), chosen)


def browse(ctx: CommandContext, call: SlashCall) -> None:
    """Browse the rooms of a chat service (default: the service of the room in view)."""
    account = ctx.some_account()
    if account is None:
        return
    service = call.arg("service")
    room = ctx.current_room()
    if not service:
        domain = JID.parse(account).domain
        service = room.jid.partition("@")[2] if room is not None else f"conference.{domain}"
    client = ctx.ui.client

    async def load() -> list[PickerEntry]:
        infos: list[RoomInfo] = await client.list_rooms(account, service)
        return [
            PickerEntry(
                i.jid,
                i.name,
                f"{i.occupants} here" if i.occupants is not None else "",
                i.description,
            )
            for i in infos
        ]

    def chosen(jid: str | None) -> None:
        known = ctx.state.rooms.get((account, jid)) if jid is not None else None
        if known is not None and known.joined:
            ctx.open_conversation(known.key)
        elif jid is not None:
            mark = ctx.state.rooms.bookmark(account, jid)
            nick, password = (mark.nick, mark.password) if mark else ("", "")
            rooms.join(ctx, account, jid, nick, password)

    ctx.ask(RoomPicker(f"Rooms on {service}", load), chosen)
