"""Provides the group chat half of the main screen's display: room events in, views out.

A mixin of :class:`~tuichat.ui.screens.main.MainScreen`. Bus callbacks update
:class:`~tuichat.ui.rooms.RoomsState` and, for the room in view, the log's notices, the
header and the occupant list (coalesced). What the view shows is chosen from the
conversation's capabilities (:mod:`tuichat.ui.capabilities`), not from its class.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on

from tuichat import events as ev
from tuichat.model import ConversationKind, Message
from tuichat.ui.attention import attention_total, decide
from tuichat.ui.capabilities import ConversationInfo
from tuichat.ui.fuzzy import score
from tuichat.ui.messages import NotificationWanted, UnreadChanged
from tuichat.ui.render import safe_text
from tuichat.ui.rooms import AFFILIATION_WORDS, Notice, Room, RoomsState
from tuichat.ui.screens.main_actions import MainActions
from tuichat.ui.state import ConvKey, RosterRow
from tuichat.ui.themes import resolve_color
from tuichat.ui.widgets.occupant_list import OccupantList

log = logging.getLogger(__name__)

HEADER_COALESCE = 0.1
"""Seconds between two header repaints caused by room presence at most."""


class RoomView(MainActions):
    """Room events → state and view; the room header, roster rows and attention."""

    rooms: RoomsState
    occupants_wanted: bool
    query_text: str
    _room_header_scheduled: bool

    def _update_header(self) -> None:  # pragma: no cover - overridden by MainScreen
        raise NotImplementedError

    def _schedule_roster(self) -> None:  # pragma: no cover - overridden by MainScreen
        raise NotImplementedError

    def _refresh_status(self) -> None:  # pragma: no cover - overridden by MainScreen
        raise NotImplementedError

    # -- what is in view -----------------------------------------------------------------------

    def conversation_info(self, key: ConvKey) -> ConversationInfo:
        """Kind and capabilities of ``key``."""
        return self.rooms.info(key)

    def current_room(self) -> Room | None:
        """The room in view, if a room is in view."""
        current = self.convs.current
        if current is None or not self.conversation_info(current).is_group:
            return None
        return self.rooms.get(current)

    def _configure_view(self, key: ConvKey) -> None:
        """Set the view up for ``key``'s capabilities (call before its messages are shown)."""
        info = self.conversation_info(key)
        view = self.view
        log_widget = view.message_log
        room = self.rooms.get(key)
        if info.is_group and room is not None:
            log_widget.peer_name = ""
            log_widget.own_name = room.nick or log_widget.own_name
            log_widget.mention_nick = room.nick
            log_widget.set_notices(room.notices, show_traffic=self.rooms.show_traffic, layout=False)
            self.rooms.mentions.pop(key, None)
        else:
            log_widget.mention_nick = ""
            if log_widget.notices:
                log_widget.set_notices((), layout=False)
        parts = self.rooms.private_parts(key)
        if parts is not None:
            pm_room = self.rooms.get((key[0], parts[0]))
            log_widget.peer_name = parts[1]
            if pm_room is not None and pm_room.nick:
                log_widget.own_name = pm_room.nick
        view.show_occupants(info.has_occupants and self.occupants_wanted)
        if info.has_occupants and room is not None:
            view.occupant_list.show(room.occupants.values(), room.nick, now=True)
        view.composer.nick_completion = info.is_group
        self.refresh_bindings()

    def _refresh_room_view(self, room: Room, *, occupants: bool = True) -> None:
        """Repaint what shows ``room`` if it is in view (occupants coalesced by the list)."""
        if self.convs.current != room.key:
            return
        if occupants:
            self.view.occupant_list.show(room.occupants.values(), room.nick)
        if not self._room_header_scheduled:
            self._room_header_scheduled = True
            self.set_timer(HEADER_COALESCE, self._flush_room_header)

    def _flush_room_header(self) -> None:
        self._room_header_scheduled = False
        self._update_header()

    def _notice(self, room: Room, notice: Notice | None) -> None:
        if notice is not None and self.convs.current == room.key:
            self.view.message_log.append_notice(notice)

    # -- header --------------------------------------------------------------------------------

    def room_header(self, key: ConvKey, number: int) -> Text | None:
        """The header line of a room or a private chat, or ``None`` for a 1:1 chat."""
        info = self.conversation_info(key)
        variables = self.app.theme_variables
        dim = Style(dim=True)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{number} ", style=dim)
        parts = self.rooms.private_parts(key)
        if parts is not None:
            online = resolve_color(variables, "presence-online")
            text.append("» ", style=Style(color=online, bold=True))
            text.append_text(safe_text(parts[1]))
            text.append_text(safe_text(f"  private chat in {parts[0]}", dim))
            return text
        room = self.rooms.get(key)
        if not info.is_group or room is None:
            return None
        state = "presence-online" if room.joined else "presence-offline"
        text.append("# ", style=Style(color=resolve_color(variables, state), bold=True))
        text.append_text(safe_text(room.title))
        if room.name and room.name != room.jid:
            text.append_text(safe_text(f" <{room.jid}>", dim))
        if room.subject:
            text.append(" — ", style=dim)
            text.append_text(safe_text(room.subject.replace("\n", " "), Style(italic=True)))
        if room.joined:
            me = room.me
            marks = [me.role.value, AFFILIATION_WORDS[me.affiliation]] if me else []
            marks = [m for m in marks if m and m != "participant"]
            text.append_text(safe_text(f"  · {len(room.occupants)} here · you: {room.nick}", dim))
            if marks:
                text.append(f" ({', '.join(marks)})", style=dim)
        else:
            error = Style(color=resolve_color(variables, "presence-dnd"))
            words = f"not joined: {room.error}" if room.error else "not joined (/join enters)"
            text.append_text(safe_text(f"  {words}", error))
        if key[1] in self.ctx.policy(key[0]).muted:
            text.append(" [muted]", style=dim)
        return text

    # -- roster sidebar ------------------------------------------------------------------------

    def conversation_keys_of_rooms(self) -> set[ConvKey]:
        """Keys of rooms and private chats (kept out of the contact groups)."""
        keys: set[ConvKey] = set(self.rooms.rooms)
        for key in [*self.convs.open, *self.convs.unread]:
            if self.conversation_info(key).kind is not ConversationKind.CHAT:
                keys.add(key)
        return keys

    def room_rows(self, account: str) -> list[RosterRow]:
        """The "Rooms" group of ``account``: invitations, rooms, private chats."""
        shown = set(self.convs.open) | set(self.convs.unread) | set(self.rooms.mentions)
        rows: list[RosterRow] = []
        for key, invitation in self.rooms.invitations.items():
            if key[0] == account and self._matches(invitation.room):
                note = f"invited by {invitation.inviter}" if invitation.inviter else "invited"
                rows.append(
                    RosterRow(kind="invite", account=account, jid=key[1], label=key[1], note=note)
                )
        rooms = [
            r
            for r in self.rooms.rooms.values()
            if r.account == account and (r.joined or r.key in shown) and self._matches(r.title)
        ]
        for room in sorted(rooms, key=lambda r: r.title.casefold()):
            rows.append(
                RosterRow(
                    kind="room",
                    account=account,
                    jid=room.jid,
                    label=room.title,
                    unread=self.convs.unread.get(room.key, 0),
                    mentions=self.rooms.mentions.get(room.key, 0),
                    joined=room.joined,
                )
            )
        privates = sorted(
            k for k in shown if k[0] == account and self.rooms.kind(k) is ConversationKind.PRIVATE
        )
        for key in privates:
            room_jid, _, nick = key[1].partition("/")
            label = f"{nick} ({room_jid.split('@', 1)[0]})"
            if self._matches(label):
                unread = self.convs.unread.get(key, 0)
                rows.append(
                    RosterRow(
                        kind="private", account=account, jid=key[1], label=label, unread=unread
                    )
                )
        if not rows:
            return []
        return [RosterRow(kind="group", account=account, label="Rooms"), *rows]

    def _matches(self, label: str) -> bool:
        return not self.query_text or score(self.query_text, label) is not None

    def with_room_rows(self, rows: list[RosterRow]) -> list[RosterRow]:
        """``rows`` with each account's "Rooms" group right under its heading."""
        out: list[RosterRow] = []
        for row in rows:
            out.append(row)
            if row.kind == "account":
                out.extend(self.room_rows(row.account))
        return out

    # -- attention -----------------------------------------------------------------------------

    def attention_count(self) -> int:
        """Unread chats and private chats plus room mentions (the title and status count)."""
        return attention_total(self.convs.unread, self.rooms.rooms, self.rooms.total_mentions)

    def _announce(self, message: Message, title: str) -> bool:
        """Count a mention of our nick and ring/notify per the policy; whether it was unseen."""
        key = (message.account, message.conversation)
        in_view = self.convs.current == key and self.app.screen is self
        attention = decide(
            message,
            in_view=in_view and self.view.message_log.is_at_bottom,
            app_focused=self.app.app_focus,
            policy=self.ctx.policy(message.account),
        )
        if attention.unread:
            self.rooms.add_mention(key)
        if attention.notify or attention.bell:
            self.post_message(
                NotificationWanted(title, message.body, attention.notify, attention.bell)
            )
        return attention.unread

    def _attention_changed(self) -> None:
        self._refresh_status()
        self.post_message(UnreadChanged(self.attention_count()))

    @on(OccupantList.OccupantChosen)
    def _occupant_chosen(self, event: OccupantList.OccupantChosen) -> None:
        room = self.current_room()
        if room is not None:
            self.open_conversation((room.account, f"{room.jid}/{event.nick}"))

    # -- bus callbacks -------------------------------------------------------------------------

    def room_handlers(self) -> list[tuple[type[Any], Callable[[Any], None]]]:
        """The room events this screen listens to, with their callbacks."""
        return [
            (ev.RoomJoined, self._bus_room_joined),
            (ev.RoomJoinFailed, self._bus_room_join_failed),
            (ev.RoomLeft, self._bus_room_left),
            (ev.OccupantChanged, self._bus_occupant),
            (ev.OccupantLeft, self._bus_occupant_left),
            (ev.NickChanged, self._bus_nick),
            (ev.SubjectChanged, self._bus_subject),
            (ev.RoomMentioned, self._bus_mentioned),
            (ev.InvitationReceived, self._bus_invited),
            (ev.InvitationDeclined, self._bus_declined),
            (ev.BookmarksReceived, self._bus_bookmarks),
        ]

    def _now(self) -> Any:
        return self.ctx.clock()

    def _bus_room_joined(self, event: ev.RoomJoined) -> None:
        room = self.rooms.joined(event, self._now())
        mark = self.rooms.bookmark(event.account, event.room)
        if mark is not None and mark.name:
            room.name = mark.name
        if room.key in self.rooms.open_on_join and self.convs.current != room.key:
            self.rooms.open_on_join.discard(room.key)
            self.open_conversation(room.key)
        elif self.convs.current == room.key:
            self._configure_view(room.key)
            if room.notices and not event.rejoined:
                self.view.message_log.append_notice(room.notices[-1])
            self._update_header()
        self._schedule_roster()

    def _bus_room_join_failed(self, event: ev.RoomJoinFailed) -> None:
        room = self.rooms.join_failed(event, self._now())
        self.app.notify(
            safe_text(f"could not join {event.room}: {event.reason}").plain,
            title="Group chat",
            severity="error",
            timeout=10,
            markup=False,
        )
        if self.convs.current == room.key:
            self._notice(room, room.notices[-1])
            self._update_header()
        self._schedule_roster()

    def _bus_room_left(self, event: ev.RoomLeft) -> None:
        notice = self.rooms.left(event, self._now())
        room = self.rooms.room(event.account, event.room)
        if event.kicked or event.banned:
            self.app.notify(
                safe_text(f"{event.room}: {notice.text}").plain,
                title="Group chat",
                severity="warning",
                timeout=10,
                markup=False,
            )
        self._notice(room, notice)
        self._refresh_room_view(room)
        self._schedule_roster()

    def _bus_occupant(self, event: ev.OccupantChanged) -> None:
        notice = self.rooms.occupant_changed(event, self._now())
        room = self.rooms.room(event.account, event.room)
        self._notice(room, notice)
        self._refresh_room_view(room)

    def _bus_occupant_left(self, event: ev.OccupantLeft) -> None:
        notice = self.rooms.occupant_left(event, self._now())
        room = self.rooms.room(event.account, event.room)
        self._notice(room, notice)
        self._refresh_room_view(room)

    def _bus_nick(self, event: ev.NickChanged) -> None:
        notice = self.rooms.nick_changed(event, self._now())
        room = self.rooms.room(event.account, event.room)
        self._notice(room, notice)
        if self.convs.current == room.key and event.own:
            log_widget = self.view.message_log
            log_widget.own_name = log_widget.mention_nick = room.nick
        self._refresh_room_view(room)

    def _bus_subject(self, event: ev.SubjectChanged) -> None:
        notice = self.rooms.subject_changed(event, self._now())
        room = self.rooms.room(event.account, event.room)
        self._notice(room, notice)
        self._refresh_room_view(room, occupants=False)

    def _bus_mentioned(self, event: ev.RoomMentioned) -> None:
        room = self.rooms.room(event.account, event.room)
        who = event.message.nick or "someone"
        if self._announce(event.message, f"{who} in {room.title}"):
            self._attention_changed()
            self._schedule_roster()

    def _bus_invited(self, event: ev.InvitationReceived) -> None:
        invitation = self.rooms.invited(event)
        why = f" ({invitation.reason})" if invitation.reason else ""
        self.app.notify(
            safe_text(
                f"{invitation.inviter or 'someone'} invites you to {invitation.room}{why}: "
                f"/accept-invite {invitation.room} or /decline-invite {invitation.room}"
            ).plain,
            title="Invitation",
            timeout=20,
            markup=False,
        )
        self._schedule_roster()

    def _bus_declined(self, event: ev.InvitationDeclined) -> None:
        why = f": {event.reason}" if event.reason else ""
        self.app.notify(
            safe_text(f"{event.invitee} declined your invitation to {event.room}{why}").plain,
            title="Invitation",
            timeout=8,
            markup=False,
        )

    def _bus_bookmarks(self, event: ev.BookmarksReceived) -> None:
        self.rooms.set_bookmarks(event.account, event.bookmarks)
        self._schedule_roster()
