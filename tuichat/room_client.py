"""Provides :class:`RoomClient`: the group chat requests the UI may make, without the XMPP layer.

The connection manager implements it (through :class:`tuichat.xmpp.rooms_api.RoomRequests`).
Outcomes also arrive as events (``RoomJoined``, ``OccupantChanged``, ``SubjectChanged``…, see
:mod:`tuichat.events`). Failures raise an exception whose ``str()`` says why in words.

Mentions: a room message that mentions our nick is stored and published as
``MessageReceived`` like any other, followed by ``RoomMentioned`` (live messages only, not
join history or archive catch-up).
"""

from __future__ import annotations

from typing import Protocol

from tuichat.events import RoomJoined
from tuichat.forms import Form
from tuichat.model import Affiliation, Bookmark, Message, Occupant, Role, RoomInfo


class RoomClient(Protocol):
    """What the UI can ask about rooms. Every JID argument is a string; ``account`` first."""

    async def join_room(
        self, account: str, room: str, nick: str | None = None, password: str | None = None
    ) -> RoomJoined:
        """Join ``room@service[/nick]`` (created, persistent, when it does not exist)."""
        ...

    async def leave_room(self, account: str, room: str, reason: str = "") -> None:
        """Leave a room (it is not rejoined after a reconnect)."""
        ...

    async def change_nick(self, account: str, room: str, nick: str) -> str:
        """Change our nick in a room; returns the nick the room gave us."""
        ...

    def joined_rooms(self, account: str) -> list[str]:
        """Bare JIDs of the rooms the account is in."""
        ...

    def occupants(self, account: str, room: str) -> list[Occupant]:
        """Everyone in a room now (group them with ``muc_parse.group_occupants``-like logic)."""
        ...

    async def send_room_message(self, account: str, room: str, body: str) -> Message:
        """Store as pending and send to the room; acked when the room reflects it."""
        ...

    async def send_private_message(self, account: str, room: str, nick: str, body: str) -> Message:
        """A private message to one occupant (conversation ``room@service/nick``)."""
        ...

    async def set_subject(self, account: str, room: str, subject: str) -> None:
        """Set the room's subject."""
        ...

    async def kick(self, account: str, room: str, nick: str, reason: str = "") -> None:
        """Kick an occupant (moderators)."""
        ...

    async def ban(self, account: str, room: str, jid: str, reason: str = "") -> None:
        """Ban a bare JID (admins, owners)."""
        ...

    async def set_role(
        self, account: str, room: str, nick: str, role: Role | str, reason: str = ""
    ) -> None:
        """Set an occupant's role."""
        ...

    async def set_affiliation(
        self, account: str, room: str, jid: str, affiliation: Affiliation | str, reason: str = ""
    ) -> None:
        """Set a JID's affiliation."""
        ...

    async def invite(self, account: str, room: str, jid: str, reason: str = "") -> None:
        """Invite someone to a room."""
        ...

    async def answer_invitation(
        self,
        account: str,
        room: str,
        accept: bool,
        *,
        inviter: str = "",
        reason: str = "",
        nick: str | None = None,
        password: str | None = None,
    ) -> RoomJoined | None:
        """Accept (join) or decline an invitation."""
        ...

    async def get_room_config(self, account: str, room: str) -> dict[str, object]:
        """The room's options by friendly name (owners)."""
        ...

    async def configure_room(self, account: str, room: str, **changes: object) -> None:
        """Change room options: name, description, password, members_only, hidden, moderated,
        persistent."""
        ...

    async def get_room_form(self, account: str, room: str) -> Form:
        """The room's whole configuration form (owners), to show in the form renderer."""
        ...

    async def submit_room_form(self, account: str, room: str, form: Form) -> None:
        """Send the filled configuration form (from ``get_room_form``) back to the room."""
        ...

    async def list_rooms(self, account: str, service: str) -> list[RoomInfo]:
        """The rooms of a chat service, with names and occupant counts."""
        ...

    async def bookmarks(self, account: str) -> list[Bookmark]:
        """The account's bookmarks."""
        ...

    async def add_bookmark(
        self,
        account: str,
        room: str,
        *,
        name: str = "",
        nick: str = "",
        autojoin: bool = True,
        password: str = "",
    ) -> Bookmark:
        """Bookmark a room."""
        ...

    async def remove_bookmark(self, account: str, room: str) -> bool:
        """Remove a room's bookmark; whether there was one."""
        ...
