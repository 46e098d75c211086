"""Provides group chat (XEP-0045) for a session: room state, joins, traffic and catch-up.

``install(session)`` registers the plugins and handlers and keeps a :class:`Rooms` as
``session.rooms``. :class:`Rooms` is the thin shell: it feeds room stanzas to the
pure rules of :mod:`muc_parse`, keeps each room's occupants, stores messages through
``session.deliver_many`` and publishes the room events. After every session start its hook
rejoins the rooms we were in plus the bookmarked autojoin ones, asking for no join history
when the room has an archive and catching up from it instead (``by`` = the room), so nothing
arrives twice. A resumed stream only self-pings the rooms (XEP-0410).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tuichat import events as ev
from tuichat.errors import RoomError
from tuichat.model import (
    JID,
    ConnectionState,
    ConversationKind,
    Direction,
    Message,
    bare_str,
    mentions,
    utcnow,
)
from tuichat.xmpp import parse
from tuichat.xmpp.errors import error_condition
from tuichat.xmpp.features import muc_join
from tuichat.xmpp.features import muc_parse as mp
from tuichat.xmpp.features.bookmarks import BookmarkStore
from tuichat.xmpp.features.mam import ArchiveSync, ToMessage, failure_words
from tuichat.xmpp.features.muc_send import RoomSending
from tuichat.xmpp.features.muc_state import RoomState
from tuichat.xmpp.features.muc_words import join_error_words
from tuichat.xmpp.features.roster import presence_args
from tuichat.xmpp.features.selfping import SelfPinger
from tuichat.xmpp.live_batch import report_failure
from tuichat.xmpp.omemo import rooms as e2e_rooms
from tuichat.xmpp.omemo.rules import SealedMessage

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

PLUGINS = ("xep_0004", "xep_0030", "xep_0045", "xep_0060", "xep_0199", "xep_0249")
NS_MAM = "urn:xmpp:mam:2"
JOIN_TIMEOUT = 30.0
HISTORY_FLUSH = 3.0
"""Seconds after a join by which join history still buffered is stored anyway."""


class Rooms(RoomSending):
    """One session's rooms: the handlers, the room state, and the requests on it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.client = session.client
        self.account: str = session.account
        self.rooms: dict[str, RoomState] = {}
        self.bookmarks = BookmarkStore(self.client, self.account)
        self.archive = ArchiveSync(
            self.client,
            self.account,
            session.deliver_batch,  # encrypted results are decrypted first
            session.bus.publish,
            initial_depth=1000,
        )
        self.members = e2e_rooms.RoomMembers(session)
        """The rooms' features and members, for OMEMO in rooms."""
        self.pinger = SelfPinger(self.client, self._ping_targets, self.rejoin)
        self.presence_subscription: Any = None

    # -- small helpers ---------------------------------------------------------------------

    def publish(self, event: ev.Event) -> None:
        """Publish on the session's bus."""
        self.session.bus.publish(event)

    @property
    def connected(self) -> bool:
        """Whether the account is connected now."""
        return bool(self.session.state == ConnectionState.CONNECTED)

    def state(self, room: str) -> RoomState:
        """The state of a room we know (raises :class:`RoomError` for one we are not in)."""
        try:
            return self.rooms[bare_str(room)]
        except (KeyError, ValueError):
            raise RoomError(f"not in the room {room}") from None

    def joined_rooms(self) -> list[str]:
        """Bare JIDs of the rooms we are in now."""
        return [r for r, s in self.rooms.items() if s.joined]

    async def started(self, resumed: bool) -> None:
        """After a session start: self-ping the rooms after a resume, rejoin every room after
        a fresh start."""
        await muc_join.on_session_start(self, resumed)

    def on_disconnected(self, _reason: Any = None) -> None:
        """The stream dropped: no self-pings until we are back."""
        self.pinger.stop()

    def knows(self, jid: str) -> bool:
        """Whether ``jid`` (any form) is one of the rooms we follow, or an occupant of one."""
        return mp.room_of(jid) in self.rooms

    def default_nick(self) -> str:
        """The nick used when none is given: the account's local part."""
        return JID.parse(self.account).local or "tuichat"

    async def rejoin(self, room: str) -> ev.RoomJoined:
        """Join ``room`` again with the nick and password we had."""
        return await muc_join.rejoin(self, room)

    def on_fresh_stream(self) -> None:
        """A new stream (not resumed) began: the server forgot our rooms, so do we.

        The session calls it first thing at a session start, before any join on the new
        stream; :meth:`started` then rejoins what we want to be in.
        """
        self.bookmarks.reset()
        self.members.reset()
        for state in self.rooms.values():
            state.joined = False
            state.occupants.clear()

    def on_own_presence(self, event: ev.OwnPresenceChanged) -> None:
        """Our presence changed: tell the rooms we are in (directed presence)."""
        if event.account != self.account or not self.connected:
            return
        args = presence_args(event.show, event.status)
        for room in self.joined_rooms():
            self.client.send_presence(pto=f"{room}/{self.rooms[room].nick}", **args)

    def _ping_targets(self) -> list[tuple[str, str, float]]:
        return [(r, f"{r}/{s.nick}", s.last_activity) for r, s in self.rooms.items() if s.joined]

    # -- presence ----------------------------------------------------------------------------

    def on_presence(self, presence: Any) -> None:
        """A presence with a muc#user ``<x/>``: an occupant came, changed or went."""
        p = mp.occupant_presence(presence.xml)
        state = self.rooms.get(p.room) if p is not None else None
        if p is None or state is None or not (state.joined or state.joining):
            return  # not about a room we are in: ignore (trust)
        state.last_activity = time.monotonic()
        self.members.affiliated(p.room, e2e_rooms.affiliation_items(presence.xml))
        if p.available:
            self._arrived(state, p)
        elif 303 in p.codes and p.new_nick:
            self._renamed(state, p)
        else:
            self._departed(state, p)

    def _arrived(self, state: RoomState, p: mp.OccupantPresence) -> None:
        old = state.occupants.get(p.nick)
        state.occupants[p.nick] = p.occupant
        if p.own and not state.joined:
            state.nick, state.joined = p.nick, True
            self.publish(state.snapshot(self.account, state.rejoining))
            if state.joining is not None and not state.joining.done():
                state.joining.set_result(p)
            return
        if state.joined and old != p.occupant:
            self.publish(ev.OccupantChanged(self.account, state.room, p.occupant, old is None))

    def _renamed(self, state: RoomState, p: mp.OccupantPresence) -> None:
        occupant = state.occupants.pop(p.nick, None)
        if occupant is not None:
            from dataclasses import replace

            state.occupants[p.new_nick] = replace(occupant, nick=p.new_nick)
        if p.own:
            state.nick = p.new_nick
            if state.renaming is not None and not state.renaming.done():
                state.renaming.set_result(p.new_nick)
        self.publish(ev.NickChanged(self.account, state.room, p.nick, p.new_nick, p.own))

    def _departed(self, state: RoomState, p: mp.OccupantPresence) -> None:
        state.occupants.pop(p.nick, None)
        why = mp.departure(p)
        if not p.own:
            if state.joined:
                self.publish(
                    ev.OccupantLeft(
                        self.account, state.room, p.nick, why.words, why.kicked, why.banned
                    )
                )
            return
        was_joined, leaving = state.joined, state.leaving
        # A shutdown or a server fault leaves the room wanted: the next session rejoins it.
        state.joined, state.leaving, state.wanted = False, False, why.rejoin and not leaving
        self.session.sender.room_gone(state.room)  # its messages wait until we are back
        state.occupants.clear()
        if state.joining is not None and not state.joining.done():
            state.joining.set_exception(RoomError(why.words or "the room sent us away"))
        if was_joined or leaving:
            self.publish(
                ev.RoomLeft(
                    self.account,
                    state.room,
                    "" if leaving else why.words,
                    why.kicked,
                    why.banned,
                )
            )

    def on_presence_error(self, presence: Any) -> None:
        """A presence error from a room: a join or a nick change was refused."""
        room = mp.room_of(str(presence["from"]))
        state = self.rooms.get(room) if room else None
        if state is None:
            return
        condition, text = error_condition(presence.xml)
        if state.renaming is not None and not state.renaming.done():
            nick = JID.parse(str(presence["from"])).resource
            state.renaming.set_exception(
                RoomError(join_error_words(condition, text, state.room, nick))
            )
            return
        if state.joining is not None and not state.joining.done():
            words = join_error_words(condition, text, state.room, state.nick)
            state.joining.set_exception(RoomError(words))

    # -- messages ----------------------------------------------------------------------------

    def on_message(self, stanza: Any) -> None:
        """Every ``<message/>``: room traffic, subjects, private messages and invitations."""
        xml = stanza.xml
        kind = xml.get("type", "normal")
        if kind == "groupchat":
            self._on_groupchat(stanza)
        elif kind == "error":
            self._on_error(stanza)
        elif (invite := mp.invitation(xml)) is not None:
            self.publish(ev.InvitationReceived(self.account, invite))
        elif (decline := mp.declined(xml)) is not None:
            self.publish(ev.InvitationDeclined(self.account, *decline))
        elif (room := xml.get("from", "")) in self.rooms:  # an affiliation announcement
            self.members.affiliated(room, e2e_rooms.affiliation_items(xml))

    def _on_groupchat(self, stanza: Any) -> None:
        xml = stanza.xml
        room = mp.room_of(xml.get("from", ""))
        state = self.rooms.get(room) if room else None
        if state is None or not (state.joined or state.joining):
            log.info("%s: dropped a groupchat message from %s", self.account, room)
            return
        state.last_activity = time.monotonic()
        if e2e_rooms.config_changed(xml):
            self.members.forget(state.room)  # eligible for OMEMO? asked again
        subject = mp.subject_of(xml)
        if subject is not None:
            self.flush_history(state)
            state.subject = subject
            by = JID.parse(xml.get("from", "")).resource
            self.publish(ev.SubjectChanged(self.account, state.room, subject, by))
            return
        env = parse.envelope(stanza)
        message = e2e_rooms.sealed(
            self.session,
            mp.room_message(env, self.account, room=state.room, our_nick=state.nick, now=utcnow()),
            env,
        )
        if message is None:
            return
        if env.delay is not None and state.history is not None:
            state.history.append(message)  # join history: stored as one batch
            return
        live = env.delay is None

        def stored_then(stored: Message | None) -> None:
            self._reflected(message)
            if (
                stored is not None
                and stored.direction == Direction.IN
                and live
                and mentions(stored.body, state.nick)
            ):
                self.publish(ev.RoomMentioned(self.account, state.room, stored))

        if isinstance(message, SealedMessage):  # decrypted first, under the account's lock
            self._deliver_sealed([message], stored_then)
            return
        # Stored with the rest of this network read, in one transaction (a flood stays cheap).
        self.session.deliver_live(message, stored_then)

    def _deliver_sealed(
        self, batch: list[Message], then: Callable[[Message | None], object] | None = None
    ) -> None:
        """Store a batch with encrypted messages: decrypted first, under the account's lock
        (see ``Session.deliver_batch``); ``then`` runs with the stored copy of a lone one."""

        async def deliver() -> None:
            stored = await self.session.deliver_batch(batch)
            if then is not None:
                then(stored[0] if stored else None)

        task = asyncio.ensure_future(deliver())
        task.add_done_callback(report_failure)

    def flush_history(self, state: RoomState) -> None:
        """Store the join history buffered for ``state`` (one transaction)."""
        batch, state.history = state.history or [], None
        if any(isinstance(m, SealedMessage) for m in batch):
            self._deliver_sealed(batch)
        elif batch:
            self.session.deliver_many(batch)

    def claim_private(self, stanza: Any) -> Any:
        """Incoming filter: a private message from an occupant of one of our rooms is ours.

        It is stored as its own conversation (``room@service/nick``) and not handed on, so the
        one-to-one code never files it under the room's bare JID. Stream management counts the
        stanza before this filter runs.
        """
        if stanza.name != "message" or stanza.xml.get("type") in ("groupchat", "error"):
            return stanza
        # Who sent a private message is decided in one place: parse.chat_message.
        message = parse.chat_message(
            parse.envelope(stanza), self.account, rooms=self.rooms, now=utcnow()
        )
        if message is None or message.kind is not ConversationKind.PRIVATE:
            return stanza
        self.session.deliver_live(message)
        return None

    def drop_misrouted(self, stanza: Any) -> Any:
        """Outgoing filter: a chat-typed copy of a room message (outbox) never reaches the room.

        The room's own outbox flush sends it as groupchat once we are in the room.
        """
        if stanza.name == "message" and stanza["type"] == "chat":
            to = stanza["to"]
            if not to.resource and str(to.bare) in self.rooms:
                return None
        return stanza

    # -- archive -----------------------------------------------------------------------------

    def _archive_results(self, room: str) -> ToMessage:
        """How the results of ``room``'s archive become its messages."""

        def to_message(env: parse.Envelope, account: str, **kwargs: Any) -> Message | None:
            state = self.rooms.get(room)
            our_nick = state.nick if state else ""
            message = mp.room_message(env, account, room=room, our_nick=our_nick, **kwargs)
            return e2e_rooms.sealed(self.session, message, env, archived=True)

        return to_message

    async def catch_up(self, room: str) -> int:
        """Fetch what the room's archive holds after our position; return how many."""
        self.archive.converters[room] = self._archive_results(room)
        newest = self.session.store.page(self.account, room, limit=1)
        self.archive.hold_floor(room, (m.timestamp for m in newest))
        try:
            return await self.archive.sync(self.session.store, room)
        except Exception as exc:  # IqError/IqTimeout: the join history stands in
            log.warning("%s: catch-up of %s failed: %s", self.account, room, exc)
            self.session.sync_failures.append(f"catch-up of {room} failed: {failure_words(exc)}")
            self.publish(ev.ErrorReported(self.account, f"room history of {room}: {exc}"))
            return 0

    async def supports_mam(self, room: str) -> bool:
        """Whether the room keeps an archive we can query (disco#info ``urn:xmpp:mam:2``)."""
        try:
            info = await self.client.plugin["xep_0030"].get_info(jid=room, timeout=10)
        except Exception:  # item-not-found (a new room) or no answer
            return False
        return NS_MAM in set(info["disco_info"]["features"])


def install(session: Session) -> Rooms:
    """Give ``session`` group chat: plugins, state, filters and the room message handler (its
    slixmpp events are in :mod:`tuichat.xmpp.handlers`)."""
    client = session.client
    for name in PLUGINS:
        client.register_plugin(name)
    old = session.rooms
    if old is not None:  # a restarted session: the old client's rooms are gone
        old.pinger.stop()
        old.presence_subscription.cancel()
    rooms = Rooms(session)
    session.rooms = rooms
    rooms.presence_subscription = session.bus.subscribe(
        ev.OwnPresenceChanged, rooms.on_own_presence
    )
    client.add_filter("out", rooms.drop_misrouted)
    client.add_filter("in", rooms.claim_private)
    client.register_handler(
        Callback("tuichat MUC message", MatchXPath("{jabber:client}message"), rooms.on_message)
    )
    return rooms
