"""Provides :class:`RoomState`: what one account knows of one room (owned by ``Rooms``).

Kept apart from :mod:`.muc` so that the join logic (:mod:`.muc_join`) and the sending half
(:mod:`.muc_send`) can use it without importing the shell that imports them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from tuichat import events as ev
from tuichat.model import Message, Occupant
from tuichat.xmpp.features.muc_parse import OccupantPresence


@dataclass
class RoomState:
    """What we know of one room on one account (mutable, owned by :class:`Rooms`)."""

    room: str
    nick: str
    password: str | None = None
    occupants: dict[str, Occupant] = field(default_factory=dict)
    subject: str = ""
    joined: bool = False
    wanted: bool = True
    """We mean to be in this room: rejoin it after a reconnect."""
    mam: bool | None = None
    joining: asyncio.Future[OccupantPresence] | None = None
    renaming: asyncio.Future[str] | None = None
    leaving: bool = False
    rejoining: bool = False
    """The join under way re-enters a room we were in (reconnect, self-ping)."""
    history: list[Message] | None = None
    """Join history buffered until the subject arrives (stored as one batch)."""
    last_activity: float = field(default_factory=time.monotonic)

    def snapshot(self, account: str, rejoined: bool = False) -> ev.RoomJoined:
        """The :class:`RoomJoined` event for the room as it is now."""
        occupants = tuple(sorted(self.occupants.values(), key=lambda o: o.nick.casefold()))
        return ev.RoomJoined(account, self.room, self.nick, self.subject, occupants, rejoined)
