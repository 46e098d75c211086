"""Provides :class:`RoomRequests`: the group chat requests of the connection manager.

A mixin: :class:`~tuichat.xmpp.manager.ConnectionManager` inherits it, so the UI (through
:class:`tuichat.room_client.RoomClient`) and the headless commands ask for rooms the same
way. Every method takes the account first; failures raise :class:`RoomError` (an
:class:`~tuichat.xmpp.errors.ClientError`) whose text says what went wrong in words.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

from slixmpp.exceptions import IqError, IqTimeout

from tuichat import events as ev
from tuichat import sendable
from tuichat.errors import NotConnected, RoomError
from tuichat.forms import Form, submission
from tuichat.model import JID, Affiliation, Bookmark, Message, Occupant, Role, RoomInfo
from tuichat.xmpp.features import muc_join
from tuichat.xmpp.features.forms_xml import NS_DATA, form_from_xml, form_to_xml
from tuichat.xmpp.features.muc_parse import clean_nick
from tuichat.xmpp.features.muc_words import (
    NS_OWNER,
    config_changes,
    friendly_config,
    room_info,
)

if TYPE_CHECKING:
    from tuichat.xmpp.features.muc import Rooms
    from tuichat.xmpp.session import Session

NS_MUC = "http://jabber.org/protocol/muc"
BROWSE_PARALLEL = 8
REQUEST_TIMEOUT = 15.0


def wire_text(text: str) -> str:
    """A subject, a reason or a room option as it may go on the wire: without what XMPP cannot
    carry (one ESC would make the server close the stream), the way a message body is."""
    return sendable.clean(text).text


class RoomRequests:
    """Room requests (XEP-0045 and friends) on top of the manager's sessions."""

    if TYPE_CHECKING:

        def session(self, account: str) -> Session:
            """The session of ``account``."""
            ...

    def _rooms(self, account: str, *, connected: bool = True) -> Rooms:
        session = self.session(account)
        rooms = session.rooms
        if rooms is None:
            raise RoomError(f"{session.account} has no group chat support (not started?)")
        if connected and not rooms.connected:
            raise NotConnected(f"{session.account} is not connected")
        return rooms

    async def _ask(self, action: str, request: Any) -> Any:
        try:
            return await request
        except (IqError, IqTimeout) as exc:
            raise muc_join.iq_words(action, exc) from None

    # -- presence in rooms ------------------------------------------------------------------

    async def join_room(
        self, account: str, room: str, nick: str | None = None, password: str | None = None
    ) -> ev.RoomJoined:
        """Join ``room`` (``room@service[/nick]``), creating it if it does not exist.

        Typed while the account is still connecting, it waits for the connection (10 s).
        """
        session = self.session(account)
        if not session.connected.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(session.connected.wait(), 10.0)
        return await muc_join.join(self._rooms(account), room, nick, password)

    async def leave_room(self, account: str, room: str, reason: str = "") -> None:
        """Leave ``room``; it is not rejoined after a reconnect."""
        await muc_join.leave(self._rooms(account, connected=False), room, wire_text(reason))

    async def change_nick(self, account: str, room: str, nick: str) -> str:
        """Change our nick in ``room``; returns the nick the room gave us."""
        return await muc_join.change_nick(self._rooms(account), room, nick)

    def joined_rooms(self, account: str) -> list[str]:
        """Bare JIDs of the rooms the account is in now."""
        return self._rooms(account, connected=False).joined_rooms()

    def occupants(self, account: str, room: str) -> list[Occupant]:
        """Everyone in ``room`` now (sorted by nick)."""
        state = self._rooms(account, connected=False).state(room)
        return sorted(state.occupants.values(), key=lambda o: o.nick.casefold())

    # -- messages -----------------------------------------------------------------------------

    async def send_room_message(self, account: str, room: str, body: str) -> Message:
        """Store ``body`` as pending and send it to ``room``; acked when the room reflects it."""
        return self._rooms(account, connected=False).queue_room_message(room, body)

    async def send_private_message(self, account: str, room: str, nick: str, body: str) -> Message:
        """Send a private message to the occupant ``nick`` (conversation ``room/nick``)."""
        return self._rooms(account).queue_private_message(room, nick, body)

    async def set_subject(self, account: str, room: str, subject: str) -> None:
        """Set the room's subject (topic); the room announces it as ``SubjectChanged``."""
        rooms = self._rooms(account)
        state = rooms.state(room)
        rooms.client.plugin["xep_0045"].set_subject(state.room, wire_text(subject))

    # -- moderation ---------------------------------------------------------------------------

    async def kick(self, account: str, room: str, nick: str, reason: str = "") -> None:
        """Kick ``nick`` out of ``room`` (moderators)."""
        await self.set_role(account, room, nick, Role.NONE, reason, action=f"kick {nick}")

    async def set_role(
        self,
        account: str,
        room: str,
        nick: str,
        role: Role | str,
        reason: str = "",
        *,
        action: str = "",
    ) -> None:
        """Give the occupant ``nick`` a role (moderator, participant, visitor; none = kick)."""
        rooms = self._rooms(account)
        state = rooms.state(room)
        role = Role(role)
        await self._ask(
            action or f"make {nick} a {role.value}",
            rooms.client.plugin["xep_0045"].set_role(
                state.room, nick, role.value, reason=wire_text(reason), timeout=REQUEST_TIMEOUT
            ),
        )

    async def ban(self, account: str, room: str, jid: str, reason: str = "") -> None:
        """Ban the bare JID ``jid`` from ``room`` (admins, owners)."""
        await self.set_affiliation(
            account, room, jid, Affiliation.OUTCAST, reason, action=f"ban {jid}"
        )

    async def set_affiliation(
        self,
        account: str,
        room: str,
        jid: str,
        affiliation: Affiliation | str,
        reason: str = "",
        *,
        action: str = "",
    ) -> None:
        """Set the affiliation of the bare JID ``jid`` (owner, admin, member, none, outcast)."""
        rooms = self._rooms(account)
        state = rooms.state(room)
        affiliation = Affiliation(affiliation)
        bare = str(JID.parse(jid).bare)
        await self._ask(
            action or f"make {bare} {affiliation.value}",
            rooms.client.plugin["xep_0045"].set_affiliation(
                state.room,
                affiliation.value,
                jid=bare,
                reason=wire_text(reason),
                timeout=REQUEST_TIMEOUT,
            ),
        )

    async def invite(self, account: str, room: str, jid: str, reason: str = "") -> None:
        """Invite ``jid`` to ``room`` (mediated by the room, XEP-0045)."""
        rooms = self._rooms(account)
        state = rooms.state(room)
        invitee = str(JID.parse(jid).bare)
        rooms.client.plugin["xep_0045"].invite(state.room, invitee, wire_text(reason))

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
    ) -> ev.RoomJoined | None:
        """Accept (join) or decline an invitation (a mediated decline goes to ``inviter``)."""
        rooms = self._rooms(account)
        if accept:
            return await muc_join.join(rooms, room, nick, password)
        if inviter:
            bare, _nick = muc_join.split_room(room)
            inviter_bare = str(JID.parse(inviter).bare)
            rooms.client.plugin["xep_0045"].decline(bare, inviter_bare, wire_text(reason))
        return None

    # -- configuration ------------------------------------------------------------------------

    async def get_room_config(self, account: str, room: str) -> dict[str, object]:
        """The room's configuration with friendly names (``name``, ``hidden``, ``password``…)."""
        rooms = self._rooms(account)
        bare, _nick = muc_join.split_room(room)
        form = await self._ask(
            f"read the configuration of {bare}", muc_join.get_config(rooms, bare, REQUEST_TIMEOUT)
        )
        return friendly_config({var: value for var, (_kind, value) in form.items()})

    async def configure_room(self, account: str, room: str, **changes: object) -> None:
        """Change room options: ``name``, ``description``, ``password``, ``members_only``,
        ``hidden``, ``moderated``, ``persistent`` (or raw ``muc#roomconfig_*`` vars)."""
        rooms = self._rooms(account)
        bare, _nick = muc_join.split_room(room)
        texts = {k: wire_text(v) if isinstance(v, str) else v for k, v in changes.items()}
        values = config_changes(texts)
        await self._ask(f"configure {bare}", muc_join.set_config(rooms, bare, values))

    async def get_room_form(self, account: str, room: str) -> Form:
        """The room's whole configuration form (owners), for the generic form renderer."""
        rooms = self._rooms(account)
        bare, _nick = muc_join.split_room(room)
        iq = rooms.client.make_iq_get(ito=bare)
        iq.xml.append(Element(f"{{{NS_OWNER}}}query"))
        answer = await self._ask(
            f"read the configuration of {bare}", iq.send(timeout=REQUEST_TIMEOUT)
        )
        found = answer.xml.find(f"{{{NS_OWNER}}}query/{{{NS_DATA}}}x")
        if found is None:
            raise RoomError(f"{bare} sent no configuration form")
        return form_from_xml(found)

    async def submit_room_form(self, account: str, room: str, form: Form) -> None:
        """Send the filled configuration form back (its values cleaned for the wire)."""
        rooms = self._rooms(account)
        bare, _nick = muc_join.split_room(room)
        sent = submission(form)
        cleaned = {f.var: tuple(wire_text(v) for v in f.values) for f in sent.fields}
        query = Element(f"{{{NS_OWNER}}}query")
        query.append(form_to_xml(submission(sent, cleaned)))
        iq = rooms.client.make_iq_set(ito=bare)
        iq.xml.append(query)
        await self._ask(f"configure {bare}", iq.send(timeout=REQUEST_TIMEOUT))

    async def list_rooms(self, account: str, service: str) -> list[RoomInfo]:
        """The rooms a chat service lists, with name and occupant count (disco, bounded)."""
        rooms = self._rooms(account)
        disco = rooms.client.plugin["xep_0030"]
        items = await self._ask(
            f"list the rooms of {service}", disco.get_items(jid=service, timeout=REQUEST_TIMEOUT)
        )
        jids = [str(item[0]) for item in items["disco_items"]["items"]]
        gate = asyncio.Semaphore(BROWSE_PARALLEL)

        async def describe(jid: str) -> RoomInfo:
            async with gate:
                try:
                    info = await disco.get_info(jid=jid, timeout=REQUEST_TIMEOUT)
                except Exception:
                    return RoomInfo(jid)
            identities = info["disco_info"]["identities"]
            name = next((i[3] for i in identities if i[3]), "") if identities else ""
            form = info["disco_info"].get_plugin("form", check=True)
            values = form.get_values() if form is not None else {}
            return room_info(jid, name or "", values)

        return list(await asyncio.gather(*(describe(j) for j in jids)))

    # -- bookmarks ----------------------------------------------------------------------------

    async def bookmarks(self, account: str) -> list[Bookmark]:
        """The account's bookmarks (also published as ``BookmarksReceived``)."""
        rooms = self._rooms(account)
        marks = await self._ask("read the bookmarks", rooms.bookmarks.load())
        rooms.publish(ev.BookmarksReceived(rooms.account, tuple(marks)))
        return list(marks)

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
        """Bookmark ``room`` (replacing an older bookmark of it).

        Without a ``password``, the one we joined the room with is kept in the bookmark
        (XEP-0402 allows it), so an autojoin after a restart gets in.
        """
        rooms = self._rooms(account)
        bare, given = muc_join.split_room(room)
        joined_with = rooms.rooms.get(bare)
        password = password or (joined_with.password or "" if joined_with else "")
        mark = Bookmark(
            bare,
            name,
            clean_nick(nick or given or "") if (nick or given) else "",
            autojoin,
            password,
        )
        await self._ask(f"bookmark {bare}", rooms.bookmarks.add(mark))
        await self.bookmarks(account)
        return mark

    async def remove_bookmark(self, account: str, room: str) -> bool:
        """Remove the bookmark of ``room``; whether there was one."""
        rooms = self._rooms(account)
        bare, _nick = muc_join.split_room(room)
        removed = bool(
            await self._ask(f"remove the bookmark of {bare}", rooms.bookmarks.remove(bare))
        )
        await self.bookmarks(account)
        return removed


__all__ = ["NS_MUC", "RoomRequests"]
