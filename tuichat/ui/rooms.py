"""Provides the UI's pure group chat state: rooms, occupants, traffic notices, mentions, invites.

No Textual here: the main screen feeds room events in and reads rows and notices out; the
tests drive it directly. A room is keyed like any conversation, ``(account, room bare JID)``;
a private chat with an occupant is ``(account, "room@service/nick")``. What a conversation is
comes from the store and the messages (each carries its ``ConversationKind``) or from the
rooms we know, never from the shape of its key.
Rules: joins, leaves and nick changes become one-line :class:`Notice` s (kept in memory, the
newest :data:`MAX_NOTICES` per room); a mention is our nick as a whole word, any case.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from tuichat import events as ev
from tuichat.model import (
    Affiliation,
    Bookmark,
    ConversationKind,
    Invitation,
    Occupant,
    Role,
)
from tuichat.records import record
from tuichat.ui.capabilities import ConversationInfo, features_for

ConvKey = tuple[str, str]

MAX_NOTICES = 500
"""Traffic notices kept per room."""

ROLE_ORDER = (Role.MODERATOR, Role.PARTICIPANT, Role.VISITOR)
ROLE_TITLES = {
    Role.MODERATOR: "Moderators",
    Role.PARTICIPANT: "Participants",
    Role.VISITOR: "Visitors",
}
AFFILIATION_MARKS = {
    Affiliation.OWNER: "~",
    Affiliation.ADMIN: "&",
    Affiliation.MEMBER: "+",
    Affiliation.NONE: " ",
    Affiliation.OUTCAST: " ",
}
"""One cell before the nick: owner ``~``, admin ``&``, member ``+`` (as IRC clients show)."""
AFFILIATION_WORDS = {
    Affiliation.OWNER: "owner",
    Affiliation.ADMIN: "admin",
    Affiliation.MEMBER: "member",
    Affiliation.NONE: "",
    Affiliation.OUTCAST: "banned",
}

NoticeKind = Literal["join", "leave", "nick", "subject", "info"]


@record(frozen=True)
class Notice:
    """One line of room traffic (someone joined, left, changed nick; the subject changed)."""

    timestamp: datetime
    text: str
    """Plain words (nicks are network text: render with ``safe_text``)."""
    kind: NoticeKind = "info"

    @property
    def is_traffic(self) -> bool:
        """Joins, leaves and nick changes: what ``/presence hide`` folds away."""
        return self.kind in ("join", "leave", "nick")


@dataclass(frozen=True, slots=True)
class OccupantRow:
    """One line of the occupant list: a role heading or an occupant."""

    kind: Literal["heading", "occupant"]
    label: str
    occupant: Occupant | None = None
    own: bool = False


@record
class Room:
    """What the UI knows about one room."""

    account: str
    jid: str
    nick: str = ""
    subject: str = ""
    joined: bool = False
    error: str = ""
    """Why we are not in it (join refused, kicked…), in words."""
    name: str = ""
    occupants: dict[str, Occupant] = field(default_factory=dict)
    notices: deque[Notice] = field(default_factory=lambda: deque(maxlen=MAX_NOTICES))
    speakers: dict[str, None] = field(default_factory=dict)
    """Nicks in the order they last spoke (most recent last), for nick completion."""

    @property
    def key(self) -> ConvKey:
        """The conversation key."""
        return (self.account, self.jid)

    @property
    def me(self) -> Occupant | None:
        """Our own occupant entry."""
        return self.occupants.get(self.nick)

    @property
    def title(self) -> str:
        """The room's name, else the local part of its JID."""
        return self.name or self.jid.split("@", 1)[0] or self.jid


@dataclass
class RoomsState:
    """Every room of every account, mention counts, invitations, bookmarks."""

    rooms: dict[ConvKey, Room] = field(default_factory=dict)
    mentions: dict[ConvKey, int] = field(default_factory=dict)
    invitations: dict[ConvKey, Invitation] = field(default_factory=dict)
    bookmarks: dict[str, tuple[Bookmark, ...]] = field(default_factory=dict)
    show_traffic: bool = True
    """Whether joins/leaves/nick changes are shown in the log (``/presence show|hide``)."""
    open_on_join: set[ConvKey] = field(default_factory=set)
    """Rooms the user asked to join: put in view as soon as we are in (history follows)."""
    kinds: dict[ConvKey, ConversationKind] = field(default_factory=dict)
    """What the store and the messages say each conversation is (see :meth:`learn`)."""

    def get(self, key: ConvKey) -> Room | None:
        """The room ``key``, if known."""
        return self.rooms.get(key)

    def room(self, account: str, jid: str) -> Room:
        """The room ``jid`` of ``account`` (created, not joined, when new)."""
        key = (account, jid)
        found = self.rooms.get(key)
        if found is None:
            found = self.rooms[key] = Room(account, jid)
        return found

    def is_room(self, key: ConvKey) -> bool:
        """Whether ``key`` is a room we know."""
        return key in self.rooms

    # -- what a conversation is ----------------------------------------------------------------

    def learn(self, key: ConvKey, kind: ConversationKind) -> None:
        """Remember what ``key`` is, as a stored summary or a message says."""
        self.kinds[key] = kind

    def private_parts(self, key: ConvKey) -> tuple[str, str] | None:
        """``(room, nick)`` when ``key`` is a private chat with a room's occupant."""
        account, conversation = key
        if key in self.rooms:
            return None
        room, slash, nick = conversation.partition("/")
        if not (slash and nick):
            return None
        if self.kinds.get(key) is ConversationKind.PRIVATE or (account, room) in self.rooms:
            return room, nick
        return None

    def kind(self, key: ConvKey, stored: ConversationKind | None = None) -> ConversationKind:
        """The kind of conversation ``key`` (``stored``: what the store says, if anything).

        A known room is a group chat and a full JID in a known room a private chat; anything
        else is what the store or its messages said, else a chat.
        """
        if key in self.rooms:
            return ConversationKind.GROUPCHAT
        if "/" in key[1] and self.private_parts(key) is not None:  # a bare JID: never
            return ConversationKind.PRIVATE
        return stored or self.kinds.get(key) or ConversationKind.CHAT

    def info(self, key: ConvKey, stored: ConversationKind | None = None) -> ConversationInfo:
        """The conversation's kind and capabilities."""
        kind = self.kind(key, stored)
        room = self.rooms.get(key)
        me = room.me if room is not None else None
        features = features_for(
            kind,
            role=me.role if me else None,
            affiliation=me.affiliation if me else None,
            joined=bool(room and room.joined),
        )
        return ConversationInfo(key, kind, features)

    # -- room events ---------------------------------------------------------------------------

    def joined(self, event: ev.RoomJoined, now: datetime) -> Room:
        """We are in a room: everyone there, our nick, the subject."""
        room = self.room(event.account, event.room)
        room.joined = True
        room.error = ""
        room.nick = event.nick
        room.subject = event.subject or room.subject
        room.occupants = {o.nick: o for o in event.occupants}
        if not event.rejoined:
            room.notices.append(Notice(now, f"you joined as {event.nick}", "info"))
        self.invitations.pop(room.key, None)
        return room

    def join_failed(self, event: ev.RoomJoinFailed, now: datetime) -> Room:
        """Joining failed: remember why (the view shows it)."""
        room = self.room(event.account, event.room)
        room.joined = False
        room.error = event.reason
        room.notices.append(Notice(now, f"could not join: {event.reason}", "info"))
        return room

    def left(self, event: ev.RoomLeft, now: datetime) -> Notice:
        """We are out of a room (left, kicked, banned)."""
        room = self.room(event.account, event.room)
        room.joined = False
        room.occupants = {}
        words = "you were banned" if event.banned else "you were kicked" if event.kicked else ""
        words = words or "you left the room"
        if event.reason:
            words += f" ({event.reason})"
        room.error = words if (event.kicked or event.banned) else ""
        notice = Notice(now, words, "info")
        room.notices.append(notice)
        return notice

    def occupant_changed(self, event: ev.OccupantChanged, now: datetime) -> Notice | None:
        """Someone arrived, or changed role/affiliation/presence (only arrivals are told)."""
        room = self.room(event.account, event.room)
        occupant = event.occupant
        old = room.occupants.get(occupant.nick)
        room.occupants[occupant.nick] = occupant
        notice: Notice | None = None
        if event.joined or old is None:
            notice = Notice(now, f"→ {occupant.nick} joined", "join")
        elif old.role != occupant.role and occupant.nick != room.nick:
            notice = Notice(now, f"{occupant.nick} is now a {occupant.role.value}", "info")
        elif old.role != occupant.role:
            notice = Notice(now, f"you are now a {occupant.role.value}", "info")
        if notice is not None:
            room.notices.append(notice)
        return notice

    def occupant_left(self, event: ev.OccupantLeft, now: datetime) -> Notice:
        """Someone left (or was kicked or banned)."""
        room = self.room(event.account, event.room)
        room.occupants.pop(event.nick, None)
        how = "was banned" if event.banned else "was kicked" if event.kicked else "left"
        text = f"← {event.nick} {how}"
        if event.reason:
            text += f" ({event.reason})"
        notice = Notice(now, text, "info" if event.kicked or event.banned else "leave")
        room.notices.append(notice)
        return notice

    def nick_changed(self, event: ev.NickChanged, now: datetime) -> Notice:
        """An occupant (or we) took another nick."""
        room = self.room(event.account, event.room)
        occupant = room.occupants.pop(event.old, None)
        if occupant is not None:
            room.occupants[event.new] = Occupant(
                event.new,
                occupant.role,
                occupant.affiliation,
                occupant.show,
                occupant.status,
                occupant.jid,
            )
        if event.own or event.old == room.nick:
            room.nick = event.new
        who = "you are" if event.own else f"{event.old} is"
        notice = Notice(now, f"{who} now known as {event.new}", "nick")
        room.notices.append(notice)
        return notice

    def subject_changed(self, event: ev.SubjectChanged, now: datetime) -> Notice | None:
        """The subject was announced or changed (told only when it changes)."""
        room = self.room(event.account, event.room)
        if room.subject == event.subject:
            return None
        room.subject = event.subject
        by = f"{event.by} set the subject" if event.by else "the subject is"
        notice = Notice(now, f"{by}: {event.subject.replace(chr(10), ' ')}", "subject")
        room.notices.append(notice)
        return notice

    def invited(self, event: ev.InvitationReceived) -> Invitation:
        """Remember an invitation until it is answered."""
        self.invitations[(event.account, event.invitation.room)] = event.invitation
        return event.invitation

    def set_bookmarks(self, account: str, bookmarks: Iterable[Bookmark]) -> None:
        """Replace the bookmarks of ``account`` (names become room titles)."""
        marks = tuple(bookmarks)
        self.bookmarks[account] = marks
        for mark in marks:
            if mark.name and (account, mark.room) in self.rooms:
                self.rooms[(account, mark.room)].name = mark.name

    def bookmark(self, account: str, room: str) -> Bookmark | None:
        """The bookmark of ``room``, if there is one."""
        return next((b for b in self.bookmarks.get(account, ()) if b.room == room), None)

    # -- counts --------------------------------------------------------------------------------

    def add_mention(self, key: ConvKey) -> int:
        """Count one more unseen mention in room ``key``."""
        self.mentions[key] = self.mentions.get(key, 0) + 1
        return self.mentions[key]

    @property
    def total_mentions(self) -> int:
        """Unseen mentions over every room."""
        return sum(self.mentions.values())


# -- pure helpers ----------------------------------------------------------------------------


def occupant_rows(occupants: Iterable[Occupant], own_nick: str = "") -> list[OccupantRow]:
    """The occupant list: per role (moderators, participants, visitors) a heading with the
    count, then the occupants sorted by nick."""
    groups: dict[Role, list[Occupant]] = {role: [] for role in ROLE_ORDER}
    for occupant in occupants:
        groups.get(occupant.role, groups[Role.VISITOR]).append(occupant)
    rows: list[OccupantRow] = []
    for role in ROLE_ORDER:
        members = groups[role]
        if not members:
            continue
        members.sort(key=lambda o: (o.nick.casefold(), o.nick))
        rows.append(OccupantRow("heading", f"{ROLE_TITLES[role]} ({len(members)})"))
        rows.extend(OccupantRow("occupant", o.nick, o, o.nick == own_nick) for o in members)
    return rows


def complete_nick(
    text: str, nicks: Iterable[str], *, own: str = "", recent: Iterable[str] = ()
) -> list[str]:
    """Completions (whole new lines) of the last word of ``text`` with a room's nicks.

    Recent speakers come first, then the rest alphabetically; our own nick is left out. At
    the start of the line a completed nick is followed by ``": "``, elsewhere by a space.
    """
    head, _, word = text.rpartition(" ")
    prefix = f"{head} " if head or text.startswith(" ") else ""
    folded = word.casefold()
    known = set(nicks)
    order = [n for n in reversed(list(recent)) if n in known]
    order += sorted(known - set(order), key=lambda n: (n.casefold(), n))
    matches = [n for n in order if n != own and n.casefold().startswith(folded)]
    suffix = ": " if not prefix else " "
    return [f"{prefix}{n}{suffix}" for n in matches]


def split_target(text: str, nicks: Iterable[str]) -> tuple[str, str] | None:
    """``(nick, rest)`` when ``text`` starts with an occupant's nick (the longest that fits,
    exact case first, then ignoring case); else ``None``."""
    ordered = sorted(set(nicks), key=len, reverse=True)
    for fold in (False, True):
        for nick in ordered:
            head = text[: len(nick)]
            same = head.casefold() == nick.casefold() if fold else head == nick
            rest = text[len(nick) :]
            if nick and same and (not rest or rest[0] == " "):
                return nick, rest.strip()
    return None
