"""Provides entering and leaving rooms, the (re)join hook, and the scripting helpers.

Joining: ask the room whether it keeps an archive; ask for no join history when it does (and
catch up from the archive from our position instead), else for history since our newest
message; send the join presence; wait for our self-presence (status 110) or an error in
words; configure a room our join created (persistent); catch up; send what waited in the
outbox; keep the room under self-ping.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, SubElement

from slixmpp import JID as SlixJID
from slixmpp.exceptions import IqError, IqTimeout

from tuichat import events as ev
from tuichat import model
from tuichat.errors import ClientError, RoomError
from tuichat.model import Bookmark, ConversationKind, Encryption, InvalidJID, Message
from tuichat.xmpp.features import muc_parse as mp
from tuichat.xmpp.features.muc_state import RoomState
from tuichat.xmpp.features.muc_words import (
    NS_DATA,
    NS_OWNER,
    ROOMCONFIG,
    config_changes,
    read_form,
    request_error_words,
    submit_form,
)

if TYPE_CHECKING:
    from tuichat.files import Attachment
    from tuichat.xmpp.features.muc import Rooms
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

JOIN_TIMEOUT = 30.0
OPTIONAL_FIELDS = frozenset({"muc#roomconfig_passwordprotectedroom"})
"""Fields we set alongside others when the room has them (Prosody has no such field)."""
PARALLEL_JOINS = 8


def split_room(text: str) -> tuple[str, str | None]:
    """``room@service[/nick]`` → (bare room JID, nick or ``None``); raises :class:`RoomError`."""
    try:
        bare, nick = model.split_room(text)
    except InvalidJID as exc:
        raise RoomError(f"not a room address: {exc}") from None
    return bare, nick or None


def _history_args(rooms: Rooms, state: RoomState) -> dict[str, Any]:
    if state.mam:
        return {"maxstanzas": 0}  # the archive fills the gap, exactly once
    newest = rooms.session.store.history(rooms.account, state.room, limit=1)
    if newest:
        return {"since": newest[-1].timestamp}
    return {}


async def get_config(
    rooms: Rooms, room: str, timeout: float = 15.0
) -> dict[str, tuple[str, object]]:
    """The room's configuration form: var → (type, value) (we must own the room)."""
    iq = rooms.client.make_iq_get(ito=room)
    iq.xml.append(Element(f"{{{NS_OWNER}}}query"))
    answer = await iq.send(timeout=timeout)
    return read_form(answer.xml.find(f"{{{NS_OWNER}}}query/{{{NS_DATA}}}x"))


async def set_config(
    rooms: Rooms, room: str, values: dict[str, object], timeout: float = 15.0
) -> None:
    """Submit ``values`` (``muc#roomconfig_*`` vars) as the room's new configuration.

    Only the fields the room's form has are sent; an unknown one raises :class:`RoomError`.
    """
    current = await get_config(rooms, room, timeout) if values else {}
    values = {k: v for k, v in values.items() if k in current or k not in OPTIONAL_FIELDS}
    unknown = sorted(set(values) - set(current))
    if unknown:
        raise RoomError(f"the room {room} has no option {', '.join(unknown)}")
    types = {var: current[var][0] for var in values}
    query = Element(f"{{{NS_OWNER}}}query")
    query.append(submit_form(ROOMCONFIG, values, types))
    iq = rooms.client.make_iq_set(ito=room)
    iq.xml.append(query)
    await iq.send(timeout=timeout)


async def _configure_new(rooms: Rooms, room: str) -> None:
    """Our join created the room: make it persistent (or accept it as an instant room)."""
    try:
        await set_config(rooms, room, config_changes({"persistent": True}), timeout=10)
    except Exception as exc:
        log.info("%s: configuring new room %s failed (%s); instant room", rooms.account, room, exc)
        query = Element(f"{{{NS_OWNER}}}query")
        SubElement(query, f"{{{NS_DATA}}}x", type="submit")
        iq = rooms.client.make_iq_set(ito=room)
        iq.xml.append(query)
        await iq.send(timeout=10)


async def join(
    rooms: Rooms,
    room: str,
    nick: str | None = None,
    password: str | None = None,
    *,
    timeout: float = JOIN_TIMEOUT,
    rejoin: bool = False,
) -> ev.RoomJoined:
    """Join ``room`` (``room@service[/nick]``) and return the room as joined.

    Raises :class:`RoomError` with the reason in words (also published as ``RoomJoinFailed``).
    """
    bare, given = split_room(room)
    nick = mp.clean_nick(
        nick
        or given
        or (rooms.rooms[bare].nick if bare in rooms.rooms else "")
        or rooms.default_nick()
    )
    state = rooms.rooms.get(bare)
    if state is not None and state.joined and state.nick == nick and not rejoin:
        return state.snapshot(rooms.account)
    if state is not None and state.joining is not None and not state.joining.done():
        await asyncio.wait_for(asyncio.shield(state.joining), timeout)
        return state.snapshot(rooms.account)
    if state is None:
        state = rooms.rooms[bare] = RoomState(bare, nick)
    state.nick, state.wanted, state.joined, state.leaving = nick, True, False, False
    state.rejoining = rejoin
    if password is not None:
        state.password = password
    state.occupants.clear()
    if state.mam is None or rejoin:
        state.mam = await rooms.supports_mam(bare)
    loop = asyncio.get_running_loop()
    state.joining = loop.create_future()
    state.history = [] if not state.mam else None
    presence = rooms.client.plugin["xep_0045"].make_join_stanza(
        SlixJID(bare),
        nick,
        password=state.password,
        presence_options=rooms.session.presence_args(),
        **_history_args(rooms, state),
    )
    presence.send()
    try:
        own = await asyncio.wait_for(asyncio.shield(state.joining), timeout)
    except (RoomError, TimeoutError) as exc:
        state.wanted = state.wanted and isinstance(exc, TimeoutError) and rejoin
        words = str(exc) if isinstance(exc, RoomError) else "the room did not answer in time"
        rooms.publish(ev.RoomJoinFailed(rooms.account, bare, words))
        raise RoomError(f"cannot join {bare}: {words}") from None
    finally:
        state.joining = None
    if state.history is not None:
        loop.call_later(3.0, rooms.flush_history, state)
    if own.created:
        await _configure_new(rooms, bare)
        state.mam = None  # a new room: ask again next time
    elif state.mam:
        await rooms.catch_up(bare)
    rooms.session.sender.room_entered(bare)  # what waited for the room goes out now
    rooms.pinger.start()
    return state.snapshot(rooms.account)


async def leave(rooms: Rooms, room: str, reason: str = "", timeout: float = 10.0) -> None:
    """Leave ``room`` (we do not rejoin it after a reconnect)."""
    state = rooms.state(room)
    state.wanted = False
    if not state.joined:
        rooms.rooms.pop(state.room, None)
        rooms.publish(ev.RoomLeft(rooms.account, state.room, ""))
        return
    state.leaving = True
    rooms.client.send_presence(
        pto=f"{state.room}/{state.nick}", ptype="unavailable", pstatus=reason or None
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while state.joined and loop.time() < deadline:
        await asyncio.sleep(0.02)
    if state.joined:  # the room never answered: we consider ourselves out anyway
        state.joined = False
        rooms.session.sender.room_gone(state.room)
        rooms.publish(ev.RoomLeft(rooms.account, state.room, ""))
    rooms.rooms.pop(state.room, None)


async def change_nick(rooms: Rooms, room: str, nick: str, timeout: float = 10.0) -> str:
    """Change our nick in ``room``; return the nick the room gave us."""
    state = rooms.state(room)
    nick = mp.clean_nick(nick)
    if not state.joined:
        state.nick = nick
        return nick
    state.renaming = asyncio.get_running_loop().create_future()
    rooms.client.send_presence(pto=f"{state.room}/{nick}", **rooms.session.presence_args())
    try:
        return await asyncio.wait_for(asyncio.shield(state.renaming), timeout)
    except TimeoutError:
        raise RoomError(f"the room {state.room} did not answer the nick change") from None
    finally:
        state.renaming = None


async def rejoin(rooms: Rooms, room: str) -> ev.RoomJoined:
    """Join ``room`` again with the nick and password we had (after a drop or reconnect)."""
    state = rooms.state(room)
    state.joined = False
    return await join(rooms, room, state.nick, state.password, rejoin=True)


async def on_session_start(rooms: Rooms, resumed: bool) -> None:
    """After a session start: self-ping after a resume; rejoin every room after a fresh one."""
    if resumed:
        if rooms.joined_rooms():
            rooms.pinger.start()  # stopped when the old stream dropped
            await rooms.pinger.check(all_rooms=True)
        return
    await sync_rooms(rooms.session)


async def sync_rooms(session: Session) -> dict[str, str]:
    """Join (or rejoin) the rooms we were in and the autojoin bookmarks, catching each up.

    Returns room → what happened, in words ("joined" or why not).
    """
    rooms = session.rooms
    if rooms is None:
        return {}
    try:
        marks = await rooms.bookmarks.load()
    except Exception as exc:
        log.warning("%s: bookmarks could not be read: %s", rooms.account, exc)
        marks = []
    else:
        rooms.publish(ev.BookmarksReceived(rooms.account, tuple(marks)))
    wanted: dict[str, Bookmark] = {
        r: Bookmark(r, nick=s.nick, password=s.password or "")
        for r, s in rooms.rooms.items()
        if s.wanted
    }
    for mark in marks:
        if mark.autojoin and mark.room not in wanted:
            wanted[mark.room] = mark
    gate = asyncio.Semaphore(PARALLEL_JOINS)

    async def one(mark: Bookmark) -> str:
        async with gate:
            try:
                state = rooms.rooms.get(mark.room)
                if state is not None and state.joined:
                    await rooms.catch_up(mark.room)
                    return "joined"
                await join(
                    rooms,
                    mark.room,
                    mark.nick or None,
                    mark.password or None,
                    rejoin=mark.room in rooms.rooms,
                )
            except RoomError as exc:
                return str(exc)
            return "joined"

    results = await asyncio.gather(*(one(m) for m in wanted.values()))
    return dict(zip(wanted, results, strict=True))


async def kind_of(session: Session, jid: str, timeout: float = 10.0) -> ConversationKind:
    """Ask ``jid`` what it is (disco#info): a room (``GROUPCHAT``) or anything else (``CHAT``)."""
    try:
        info = await session.client.plugin["xep_0030"].get_info(jid=jid, timeout=timeout)
    except (IqError, IqTimeout):
        return ConversationKind.CHAT  # accounts do not answer for their owner; nor do most
    identities = info["disco_info"]["identities"]
    if any(identity[0] == "conference" for identity in identities):
        return ConversationKind.GROUPCHAT
    return ConversationKind.CHAT


async def send_to_room(
    session: Session,
    room: str,
    text: str,
    timeout: float = 30.0,
    quoted: Message | None = None,
    encryption: Encryption | None = None,
    *,
    attachments: tuple[Attachment, ...] = (),
) -> str:
    """Join ``room`` if needed, send ``text`` (a reply to ``quoted``, when given; encrypted as
    the room sends, or as ``encryption`` says; sharing ``attachments``) and wait for the room
    to reflect it.

    Returns the room's stanza-id of the message (or its origin-id when the room gives none).
    Raises :class:`RoomError` in words.
    """
    rooms = session.rooms
    if rooms is None:
        raise RoomError(f"{session.account} has no group chat support")
    bare, nick = split_room(room)
    await join(rooms, bare, nick, timeout=timeout)
    if quoted is not None:
        sent = session.actions.reply(quoted, text)
    else:
        sent = rooms.queue_room_message(bare, text, encryption, attachments=attachments)
    outcome = session.sender.wait(sent)
    try:
        echoed = await asyncio.wait_for(asyncio.shield(outcome), timeout)
    except TimeoutError:
        raise RoomError(f"the room {bare} did not reflect the message in time") from None
    except ClientError as exc:
        raise RoomError(str(exc)) from None
    return echoed.stanza_id or echoed.origin_id or ""


def iq_words(action: str, exc: BaseException) -> RoomError:
    """A :class:`RoomError` in words for a failed room request (IqError, IqTimeout, other)."""
    condition = getattr(exc, "condition", "") or (
        "timeout" if type(exc).__name__ == "IqTimeout" else ""
    )
    text = getattr(exc, "text", "") or ""
    if not condition:
        return RoomError(f"cannot {action}: {exc}")
    return RoomError(request_error_words(action, condition, text))
