"""Provides the moderation commands of the main screen: ``/kick``, ``/ban``, ``/role``, ``/config``…

A mixin of :class:`~tuichat.ui.screens.main.MainScreen`. Nicks are checked against the room
in view before anything is sent (a typo is named at once); what the room then refuses comes
back in its words as the inline error under the log.
"""

from __future__ import annotations

from typing import Any

from tuichat.model import JID, Affiliation, InvalidJID, Role, bare_str
from tuichat.ui import slash
from tuichat.ui.rooms import Room
from tuichat.ui.screens.room_view import RoomView


class RoomModeration(RoomView):
    """Kick, ban, roles, affiliations, invitations and the room settings form."""

    # -- helpers -------------------------------------------------------------------------------

    def _room_target(self, name: str) -> Room | None:
        """The room in view, or an inline error saying ``/name`` needs one."""
        room = self.current_room()
        if room is None:
            self._fail(f"/{name} works in a room: open one first (/join room@service)")
        return room

    def _joined_target(self, name: str) -> Room | None:
        room = self._room_target(name)
        if room is not None and not room.joined:
            self._fail(f"/{name}: you are not in {room.jid} (/join {room.jid} enters)")
            return None
        return room

    def _occupant_jid(self, room: Room, who: str) -> str | None:
        """A bare JID from ``who`` (a JID, or the nick of an occupant the room shows us)."""
        occupant = room.occupants.get(who)
        if occupant is not None:
            if not occupant.jid:
                self._fail(f"the room does not show {who}'s address: give their JID instead")
                return None
            return bare_str(occupant.jid)
        try:
            parsed = JID.parse(who)
        except InvalidJID as exc:
            self._fail(f"{who!r} is neither an occupant here nor a valid JID: {exc}")
            return None
        if not parsed.local:
            self._fail(f"no occupant named {who!r} here (a JID looks like name@server)")
            return None
        return str(parsed.bare)

    # -- moderation ----------------------------------------------------------------------------

    def _slash_invite(self, call: slash.SlashCall) -> None:
        room = self._joined_target("invite")
        if room is not None:
            jid, reason = call.arg("jid"), call.arg("reason")
            work = self.ctx.client.invite(room.account, room.jid, jid, reason)
            self._request(work, f"could not invite {jid}")
            self.app.notify(f"invited {jid} to {room.jid}", markup=False, timeout=4)

    def _slash_kick(self, call: slash.SlashCall) -> None:
        room = self._joined_target("kick")
        if room is None:
            return
        nick = call.arg("nick")
        if nick not in room.occupants:
            self._fail(f"/kick: no occupant named {nick!r} here")
            return
        work = self.ctx.client.kick(room.account, room.jid, nick, call.arg("reason"))
        self._request(work, f"could not kick {nick}")

    def _slash_ban(self, call: slash.SlashCall) -> None:
        room = self._joined_target("ban")
        if room is None:
            return
        jid = self._occupant_jid(room, call.arg("who"))
        if jid is not None:
            work = self.ctx.client.ban(room.account, room.jid, jid, call.arg("reason"))
            self._request(work, f"could not ban {jid}")

    def _slash_role(self, call: slash.SlashCall) -> None:
        room = self._joined_target("role")
        if room is None:
            return
        nick, role = call.arg("nick"), Role(call.arg("choice"))
        if nick not in room.occupants:
            self._fail(f"/role: no occupant named {nick!r} here")
            return
        work = self.ctx.client.set_role(room.account, room.jid, nick, role)
        self._request(work, f"could not make {nick} a {role.value}")

    def _slash_affiliation(self, call: slash.SlashCall) -> None:
        room = self._joined_target("affiliation")
        if room is None:
            return
        jid = self._occupant_jid(room, call.arg("who"))
        if jid is None:
            return
        affiliation = Affiliation(call.arg("choice"))
        work = self.ctx.client.set_affiliation(room.account, room.jid, jid, affiliation)
        self._request(work, f"could not make {jid} {affiliation.value}")

    def action_room_config(self) -> None:
        """Open the room settings form (filled from the room; Save sends the changes)."""
        from tuichat.ui.screens.room_config import RoomConfigScreen

        room = self._joined_target("config")
        if room is None:
            return
        client = self.ctx.client
        account, jid = room.account, room.jid

        async def load() -> dict[str, object]:
            return await client.get_room_config(account, jid)

        def saved(changes: dict[str, Any] | None) -> None:
            if not changes:
                return

            async def save() -> None:
                await client.configure_room(account, jid, **changes)
                self.app.notify(f"settings of {jid} saved", markup=False, timeout=4)

            self._request(save(), f"could not configure {jid}")

        self.app.push_screen(RoomConfigScreen(jid, load), saved)
