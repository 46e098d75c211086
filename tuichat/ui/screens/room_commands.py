"""Provides the group chat commands of the main screen: ``/join``, ``/leave``, ``/bookmarks``…

A mixin of :class:`~tuichat.ui.screens.main.MainScreen` (moderation is in
:mod:`.room_moderation`). Every request goes through the
client (a :class:`~tuichat.room_client.RoomClient`) in a worker; a refusal comes back in
words as the inline error under the log (see :meth:`MainActions._request`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tuichat.model import JID, InvalidJID, RoomInfo, split_room
from tuichat.ui import slash
from tuichat.ui.capabilities import Feature
from tuichat.ui.rooms import complete_nick, split_target
from tuichat.ui.screens.room_moderation import RoomModeration
from tuichat.ui.state import ConvKey

if TYPE_CHECKING:
    from tuichat.ui.screens.switcher import Target

log = logging.getLogger(__name__)


class RoomCommands(RoomModeration):
    """Slash commands and actions about rooms: joining, the view, bookmarks, invitations."""

    # -- helpers -------------------------------------------------------------------------------

    def _complete(self, text: str) -> list[str]:
        room = self.current_room()
        nicks = list(room.occupants) if room is not None else []
        if slash.is_command(text) or text == "/":
            specs = self.ctx.registry.slash_specs
            return slash.complete(text, specs, sorted(self._known_jids()), nicks)
        if room is None:
            return []
        return complete_nick(text, nicks, own=room.nick, recent=room.speakers)

    def _room_line(self, text: str) -> bool:
        """``/msg NICK text`` in a room: a private message to that occupant (handled here)."""
        room = self.current_room()
        if room is None or not text.startswith("/msg "):
            return False
        rest = text[5:].lstrip()
        found = split_target(rest, room.occupants)
        if found is None:
            word = rest.split(" ", 1)[0]
            if word and "@" not in word:  # not a JID: a nick that is not here
                self._fail(f"/msg: no occupant named {word!r} here (or give a JID)")
                return True
            return False
        nick, body = found
        key = (room.account, f"{room.jid}/{nick}")
        self.open_conversation(key)
        if body:
            self._send(key, body)
        return True

    def _deliver(self, key: ConvKey, body: str) -> None:
        """Send to a chat, a room or a private chat, by the conversation's kind."""
        info = self.conversation_info(key)
        if not info.is_group and self.rooms.private_parts(key) is None:
            super()._deliver(key, body)
            return
        self.convs.last_sent[key] = body
        account, to = key
        parts = self.rooms.private_parts(key)

        async def send() -> None:
            if parts is not None:
                message = await self.ctx.client.send_private_message(account, *parts, body)
            else:
                message = await self.ctx.client.send_room_message(account, to, body)
            if self.convs.current == key:
                self.view.message_log.append(message)

        self._request(send(), f"could not send to {to}", restore=body)

    def _join(self, account: str, room: str, nick: str = "", password: str = "") -> None:
        """Join ``room`` and show it once we are in (the reason in words if not)."""

        try:
            bare = str(JID.parse(room).bare)
        except InvalidJID:
            bare = room
        self.rooms.open_on_join.add((account, bare))  # shown once in, before its history

        async def join() -> None:
            try:
                joined = await self.ctx.client.join_room(
                    account, room, nick or None, password or None
                )
            finally:
                self.rooms.open_on_join.discard((account, bare))
            if self.convs.current != (account, joined.room):
                self.open_conversation((account, joined.room))

        self._request(join(), f"could not join {room}")

    def _choose(self, key: ConvKey) -> None:
        """Open ``key``; a bookmarked room we are not in is joined first."""
        room = self.rooms.get(key)
        mark = self.rooms.bookmark(*key)
        if mark is not None and (room is None or not room.joined):
            self._join(key[0], mark.room, mark.nick, mark.password)
            return
        super()._choose(key)

    def _room_targets(self) -> list[Target]:
        """Rooms we know and bookmarks, for the quick switcher."""
        from tuichat.ui.screens.switcher import Target

        accounts = set(self.accounts)
        targets = {
            r.key: Target(r.account, r.jid, r.title, room=True)
            for r in self.rooms.rooms.values()
            if r.account in accounts
        }
        for account, marks in self.rooms.bookmarks.items():
            for mark in marks:
                if account in accounts and (account, mark.room) not in targets:
                    title = mark.name or mark.room.split("@", 1)[0]
                    targets[(account, mark.room)] = Target(account, mark.room, title, room=True)
        return list(targets.values())

    def _contact_target(self, name: str) -> ConvKey | None:
        """The conversation in view; roster commands refuse a room or a private chat."""
        target = super()._contact_target(name)
        roster_only = name in ("rename", "group", "remove")
        if (
            target is not None
            and roster_only
            and Feature.ROSTER not in self.conversation_info(target).features
        ):
            self._fail(f"/{name} is for contacts; this is a room conversation")
            return None
        return target

    # -- joining and leaving -------------------------------------------------------------------

    def _slash_join(self, call: slash.SlashCall) -> None:
        try:
            room, nick = split_room(call.arg("room"))
        except InvalidJID:
            self._fail(f"/join: {call.arg('room')!r} is not a room address (room@service/nick)")
            return
        account = self._account()
        if account is None:
            self._fail("/join: no account: F4 opens Accounts")
            return
        mark = self.rooms.bookmark(account, room)
        invitation = self.rooms.invitations.get((account, room))
        password = call.arg("password") or (mark.password if mark else "")
        password = password or (invitation.password if invitation else "")
        self._join(account, room, nick or (mark.nick if mark else ""), password)

    def _slash_leave(self, call: slash.SlashCall) -> None:
        room = self._room_target("leave")
        if room is not None:
            work = self.ctx.client.leave_room(room.account, room.jid, call.arg("reason"))
            self._request(work, f"could not leave {room.jid}")

    def action_leave(self) -> None:
        """Leave the room in view (palette)."""
        self._slash_leave(slash.SlashCall("leave"))

    def _slash_nick(self, call: slash.SlashCall) -> None:
        room = self._joined_target("nick")
        if room is not None:
            work = self.ctx.client.change_nick(room.account, room.jid, call.arg("newnick"))
            self._request(work, "could not change nick")

    def _slash_topic(self, call: slash.SlashCall) -> None:
        room = self._joined_target("topic")
        if room is not None:
            work = self.ctx.client.set_subject(room.account, room.jid, call.arg("text"))
            self._request(work, "could not set the subject")

    # -- the view ------------------------------------------------------------------------------

    def action_toggle_occupants(self) -> None:
        """Show or hide the occupant list of the room in view."""
        current = self.convs.current
        if current is None or not self.conversation_info(current).has_occupants:
            self.app.notify("no room in view: the occupant list is for rooms", timeout=3)
            return
        self.occupants_wanted = not self.occupants_wanted
        self._configure_view(current)

    def _set_traffic(self, shown: bool) -> None:
        self.rooms.show_traffic = shown
        log_widget = self.view.message_log
        log_widget.set_notices(log_widget.notices, show_traffic=shown)
        words = "shown" if shown else "hidden"
        self.app.notify(f"joins, leaves and nick changes {words}", markup=False, timeout=3)

    def action_toggle_traffic(self) -> None:
        """Fold or unfold joins, leaves and nick changes in room logs."""
        self._set_traffic(not self.rooms.show_traffic)

    def _slash_presence(self, call: slash.SlashCall) -> None:
        self._set_traffic(call.arg("choice") == "show")

    # -- bookmarks, browser, invitations -------------------------------------------------------

    def _slash_bookmark(self, call: slash.SlashCall) -> None:
        self.action_bookmark(call.arg("choice") == "autojoin")

    def action_bookmark(self, autojoin: bool = False) -> None:
        """Bookmark the room in view."""
        room = self._room_target("bookmark")
        if room is None:
            return
        client = self.ctx.client

        async def add() -> None:
            await client.add_bookmark(
                room.account,
                room.jid,
                name=room.name,
                nick=room.nick,
                autojoin=autojoin,
                password=room.password,
            )
            how = " (joined at sign-in)" if autojoin else ""
            self.app.notify(f"bookmarked {room.jid}{how}", markup=False, timeout=4)

        self._request(add(), f"could not bookmark {room.jid}")

    def action_bookmarks(self) -> None:
        """List the bookmarks of the current account; Enter joins one."""
        from tuichat.ui.screens.room_picker import PickerEntry, RoomPicker

        account = self._account()
        if account is None:
            self._fail("no account: F4 opens Accounts")
            return
        client = self.ctx.client

        async def load() -> list[PickerEntry]:
            marks = await client.bookmarks(account)
            return [PickerEntry(m.room, m.name, "autojoin" if m.autojoin else "") for m in marks]

        def chosen(jid: str | None) -> None:
            if jid is not None:
                self._choose((account, jid))

        self.app.push_screen(RoomPicker(f"Bookmarks of {account}", load), chosen)

    def _slash_rooms(self, call: slash.SlashCall) -> None:
        self.action_rooms(call.arg("service"))

    def action_rooms(self, service: str = "") -> None:
        """Browse the rooms of a chat service (default: the service of the room in view)."""
        from tuichat.ui.screens.room_picker import PickerEntry, RoomPicker

        account = self._account()
        if account is None:
            self._fail("no account: F4 opens Accounts")
            return
        room = self.current_room()
        if not service:
            domain = JID.parse(account).domain
            service = room.jid.partition("@")[2] if room is not None else f"conference.{domain}"
        client = self.ctx.client

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
            known = self.rooms.get((account, jid)) if jid is not None else None
            if known is not None and known.joined:
                self.open_conversation(known.key)
            elif jid is not None:
                mark = self.rooms.bookmark(account, jid)
                self._join(account, jid, mark.nick if mark else "", mark.password if mark else "")

        self.app.push_screen(RoomPicker(f"Rooms on {service}", load), chosen)

    def _slash_accept_invite(self, call: slash.SlashCall) -> None:
        self.action_accept_invite(call.arg("room"))

    def action_accept_invite(self, room: str = "") -> None:
        """Join a room we were invited to (the latest invitation when none is named)."""
        invitations = self.rooms.invitations
        key = next((k for k in reversed(invitations) if not room or k[1] == room), None)
        if key is None:
            self._fail(f"no invitation to {room} is waiting" if room else "no invitation waits")
            return
        account, _room = key
        invitation = invitations.pop(key)
        self._schedule_roster()
        client = self.ctx.client

        async def accept() -> None:
            joined = await client.answer_invitation(
                account,
                invitation.room,
                True,
                inviter=invitation.inviter,
                password=invitation.password or None,
            )
            if joined is not None:
                self.open_conversation((account, joined.room))

        self._request(accept(), f"could not join {invitation.room}")

    def _slash_decline_invite(self, call: slash.SlashCall) -> None:
        room = call.arg("room")
        key = next((k for k in self.rooms.invitations if k[1] == room), None)
        if key is None:
            self._fail(f"no invitation to {room} is waiting")
            return
        invitation = self.rooms.invitations.pop(key)
        self._schedule_roster()
        work = self.ctx.client.answer_invitation(
            key[0],
            invitation.room,
            False,
            inviter=invitation.inviter,
            reason=call.arg("reason"),
        )
        self._request(work, f"could not decline the invitation to {room}")
        self.app.notify(f"declined the invitation to {room}", markup=False, timeout=4)
