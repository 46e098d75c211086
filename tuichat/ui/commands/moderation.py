"""Provides the moderation commands: ``/invite``, ``/kick``, ``/ban``, ``/role``, ``/config``…

Nicks are checked against the room in view before anything is sent (a typo is named at once);
what the room then refuses comes back in its words as the inline error under the log.
"""

from __future__ import annotations

from tuichat.forms import Form
from tuichat.model import JID, Affiliation, InvalidJID, Role, bare_str
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.dialogs.data_form import DataFormScreen
from tuichat.ui.rooms import Room
from tuichat.ui.slash import SlashCall


def occupant_jid(ctx: CommandContext, room: Room, who: str) -> str | None:
    """A bare JID from ``who`` (a JID, or the nick of an occupant the room shows us)."""
    occupant = room.occupants.get(who)
    if occupant is not None:
        if not occupant.jid:
            ctx.fail(f"the room does not show {who}'s address: give their JID instead")
            return None
        return bare_str(occupant.jid)
    try:
        parsed = JID.parse(who)
    except InvalidJID as exc:
        ctx.fail(f"{who!r} is neither an occupant here nor a valid JID: {exc}")
        return None
    if not parsed.local:
        ctx.fail(f"no occupant named {who!r} here (a JID looks like name@server)")
        return None
    return str(parsed.bare)


def invite(ctx: CommandContext, call: SlashCall) -> None:
    """``/invite JID [reason]``."""
    room = ctx.joined_target("invite")
    if room is not None:
        jid, reason = call.arg("jid"), call.arg("reason")
        ctx.request(
            ctx.ui.client.invite(room.account, room.jid, jid, reason), f"could not invite {jid}"
        )
        ctx.notify(f"invited {jid} to {room.jid}", timeout=4)


def kick(ctx: CommandContext, call: SlashCall) -> None:
    """``/kick NICK [reason]``."""
    room = ctx.joined_target("kick")
    if room is None:
        return
    nick = call.arg("nick")
    if nick not in room.occupants:
        ctx.fail(f"/kick: no occupant named {nick!r} here")
        return
    work = ctx.ui.client.kick(room.account, room.jid, nick, call.arg("reason"))
    ctx.request(work, f"could not kick {nick}")


def ban(ctx: CommandContext, call: SlashCall) -> None:
    """``/ban WHO [reason]``."""
    room = ctx.joined_target("ban")
    if room is None:
        return
    jid = occupant_jid(ctx, room, call.arg("who"))
    if jid is not None:
        work = ctx.ui.client.ban(room.account, room.jid, jid, call.arg("reason"))
        ctx.request(work, f"could not ban {jid}")


def role(ctx: CommandContext, call: SlashCall) -> None:
    """``/role NICK moderator|participant|visitor|none``."""
    room = ctx.joined_target("role")
    if room is None:
        return
    nick, new_role = call.arg("nick"), Role(call.arg("choice"))
    if nick not in room.occupants:
        ctx.fail(f"/role: no occupant named {nick!r} here")
        return
    work = ctx.ui.client.set_role(room.account, room.jid, nick, new_role)
    ctx.request(work, f"could not make {nick} a {new_role.value}")


def affiliation(ctx: CommandContext, call: SlashCall) -> None:
    """``/affiliation WHO owner|admin|member|none|outcast``."""
    room = ctx.joined_target("affiliation")
    if room is None:
        return
    jid = occupant_jid(ctx, room, call.arg("who"))
    if jid is None:
        return
    new = Affiliation(call.arg("choice"))
    work = ctx.ui.client.set_affiliation(room.account, room.jid, jid, new)
    ctx.request(work, f"could not make {jid} {new.value}")


def room_config(ctx: CommandContext, _call: SlashCall) -> None:
    """Open the room's settings: its configuration form, in the form renderer; Ctrl+S sends
    it back."""
    room = ctx.joined_target("config")
    if room is None:
        return
    client = ctx.ui.client
    account, jid = room.account, room.jid

    def saved(form: Form | None) -> None:
        if form is None:
            return

        async def save() -> None:
            await client.submit_room_form(account, jid, form)
            ctx.notify(f"settings of {jid} saved", timeout=4)

        ctx.request(save(), f"could not configure {jid}")

    async def load() -> None:
        form = await client.get_room_form(account, jid)
        ctx.ask(DataFormScreen(f"Settings of {jid}", form), saved)

    ctx.request(load(), f"could not read the settings of {jid}")
