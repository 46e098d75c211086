"""Provides what each bus event changes: the state, then what the screen must show again.

Pure (no Textual): :func:`update` feeds an event into :class:`~tuichat.ui.main_state.MainState`
and returns an :class:`Update` that names what to repaint, the room notice to add and the toast
to show; the screen applies it, the same way for every event. One table (:data:`HANDLERS`)
maps event types to their handlers. Received messages, our own messages' states and room
mentions touch the log or ask the view, and are handled by the screen itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from tuichat import events as ev
from tuichat.files import UploadState
from tuichat.model import Encryption, Message
from tuichat.records import record
from tuichat.ui.main_state import MainState
from tuichat.ui.rooms import Notice, Room
from tuichat.ui.state import ConvKey
from tuichat.ui.trust import held_words, new_device_words

Severity = Literal["information", "warning", "error"]


@record(frozen=True)
class Toast:
    """A notification to show (plain words from the network: never markup)."""

    words: str
    title: str
    severity: Severity = "information"
    timeout: float | None = None
    """Seconds on screen (``None``: Textual's default)."""


@record(frozen=True)
class Update:
    """What an event changed, for the screen to show."""

    room: Room | None = None
    """The room it is about (``None``: no room's view changes)."""
    notice: Notice | None = None
    """A traffic line for the room's log."""
    occupants: bool = False
    """The occupant list of the room changed."""
    header: bool = False
    """The header may have changed (repainted coalesced)."""
    header_now: bool = False
    """The header changed and is repainted at once."""
    names: bool = False
    """Our nick in the room changed (the log's own name and mention nick follow)."""
    roster: bool = False
    """The sidebar's rows changed."""
    status: bool = False
    """The status bar changed."""
    key: ConvKey | None = None
    """A conversation whose header changed (repainted at once if it is in view)."""
    open: ConvKey | None = None
    """A conversation to put in view (a room the user asked to join is in)."""
    unread: bool = False
    """The unread counts changed (the title and status count them)."""
    reconfigure: bool = False
    """The room's capabilities changed: set the pane up again if it is in view."""
    toast: Toast | None = None
    notices: tuple[tuple[ConvKey, Notice], ...] = ()
    """Notices kept for these conversations (chats or rooms): shown at once where in view."""
    decrypted: Message | None = None
    """A stored message shown anew (a placeholder decrypted; corrected, retracted, reacted
    to): replaced in the log if it is loaded."""
    removed: tuple[ConvKey, int] | None = None
    """A stored message that is gone (conversation, store id): dropped from the log."""


def _joined(state: MainState, event: ev.RoomJoined, now: datetime) -> Update:
    rooms = state.rooms
    room = rooms.joined(event, now)
    mark = rooms.bookmark(event.account, event.room)
    if mark is not None and mark.name:
        room.name = mark.name
    if room.key in rooms.open_on_join and state.convs.current != room.key:
        rooms.open_on_join.discard(room.key)
        return Update(open=room.key, roster=True)
    notice = room.notices[-1] if room.notices and not event.rejoined else None
    return Update(room, notice, reconfigure=True, roster=True)


def _join_failed(state: MainState, event: ev.RoomJoinFailed, now: datetime) -> Update:
    room = state.rooms.join_failed(event, now)
    words = f"could not join {event.room}: {event.reason}"
    toast = Toast(words, "Group chat", "error", 10)
    return Update(room, room.notices[-1], header_now=True, roster=True, toast=toast)


def _left(state: MainState, event: ev.RoomLeft, now: datetime) -> Update:
    notice = state.rooms.left(event, now)
    room = state.rooms.room(event.account, event.room)
    toast = None
    if event.kicked or event.banned:
        toast = Toast(f"{event.room}: {notice.text}", "Group chat", "warning", 10)
    return Update(room, notice, occupants=True, header=True, roster=True, toast=toast)


def _occupant(state: MainState, event: ev.OccupantChanged, now: datetime) -> Update:
    notice = state.rooms.occupant_changed(event, now)
    room = state.rooms.room(event.account, event.room)
    return Update(room, notice, occupants=True, header=True)


def _occupant_left(state: MainState, event: ev.OccupantLeft, now: datetime) -> Update:
    notice = state.rooms.occupant_left(event, now)
    room = state.rooms.room(event.account, event.room)
    return Update(room, notice, occupants=True, header=True)


def _nick(state: MainState, event: ev.NickChanged, now: datetime) -> Update:
    notice = state.rooms.nick_changed(event, now)
    room = state.rooms.room(event.account, event.room)
    return Update(room, notice, occupants=True, header=True, names=event.own)


def _subject(state: MainState, event: ev.SubjectChanged, now: datetime) -> Update:
    notice = state.rooms.subject_changed(event, now)
    room = state.rooms.room(event.account, event.room)
    return Update(room, notice, header=True)


def _invited(state: MainState, event: ev.InvitationReceived, _now: datetime) -> Update:
    invitation = state.rooms.invited(event)
    why = f" ({invitation.reason})" if invitation.reason else ""
    words = (
        f"{invitation.inviter or 'someone'} invites you to {invitation.room}{why}: "
        f"/accept-invite {invitation.room} or /decline-invite {invitation.room}"
    )
    return Update(roster=True, toast=Toast(words, "Invitation", timeout=20))


def _declined(_state: MainState, event: ev.InvitationDeclined, _now: datetime) -> Update:
    why = f": {event.reason}" if event.reason else ""
    words = f"{event.invitee} declined your invitation to {event.room}{why}"
    return Update(toast=Toast(words, "Invitation", timeout=8))


def _bookmarks(state: MainState, event: ev.BookmarksReceived, _now: datetime) -> Update:
    state.rooms.set_bookmarks(event.account, event.bookmarks)
    return Update(roster=True)


def _connection(state: MainState, event: ev.ConnectionStateChanged, _now: datetime) -> Update:
    state.connections[event.account] = event.state
    state.reasons[event.account] = event.reason
    toast = None
    if event.state.is_terminal:
        words = f"{event.account}: {event.state.value}"
        if event.reason:
            words += f": {event.reason}"
        toast = Toast(words, "", "error")
    # The header is shown again: its encryption words are known once the client runs.
    return Update(status=True, toast=toast, key=state.convs.current)


def _own_presence(state: MainState, event: ev.OwnPresenceChanged, _now: datetime) -> Update:
    state.presence[event.account] = event.show
    return Update(status=True)


def _roster(state: MainState, event: ev.RosterReceived, _now: datetime) -> Update:
    state.roster.set_roster(event.account, event.contacts)
    return Update(roster=True)


def _contact(state: MainState, event: ev.ContactChanged, _now: datetime) -> Update:
    state.roster.upsert(event.account, event.contact)
    return Update(roster=True, key=(event.account, event.contact.jid))


def _gateway(state: MainState, event: ev.GatewayIdentified, _now: datetime) -> Update:
    state.roster.set_network(event.account, event.domain, event.network)
    return Update(roster=True)


def _contact_removed(state: MainState, event: ev.ContactRemoved, _now: datetime) -> Update:
    state.roster.remove(event.account, event.jid)
    return Update(roster=True)


def _presence(state: MainState, event: ev.PresenceChanged, _now: datetime) -> Update:
    bare = state.roster.set_presence(
        event.account, event.jid, event.show, event.status, event.priority
    )
    return Update(roster=True, key=(event.account, bare))


def _subscription(state: MainState, event: ev.SubscriptionRequested, _now: datetime) -> Update:
    state.roster.add_request(event.account, event.jid, event.message)
    words = (
        f"{event.jid} asks to see your presence: Alt+A answers, "
        f"or /accept {event.jid}, /deny {event.jid}"
    )
    return Update(roster=True, toast=Toast(words, "Subscription request", timeout=15))


def _sync(state: MainState, event: ev.ArchiveSyncProgressed, _now: datetime) -> Update:
    if event.done:
        state.syncing.pop(event.account, None)
    else:
        state.syncing[event.account] = state.syncing.get(event.account, 0) + event.fetched
    return Update(status=True)


def _upload(state: MainState, event: ev.UploadProgressed, _now: datetime) -> Update:
    key = (event.account, event.upload)
    if event.state is UploadState.UPLOADING:
        state.uploads[key] = event
        return Update(status=True)
    state.uploads.pop(key, None)
    if event.state is UploadState.FAILED:
        return Update(
            status=True, toast=Toast(f"{event.name} not shared: {event.error}", "", "error")
        )
    if event.state is UploadState.CANCELLED:
        return Update(status=True, toast=Toast(f"upload of {event.name} cancelled", ""))
    return Update(status=True)


def _error(_state: MainState, event: ev.ErrorReported, _now: datetime) -> Update:
    return Update(toast=Toast(f"{event.account}: {event.text}", "", "error"))


# -- encryption ----------------------------------------------------------------------------------


def _notices(
    state: MainState, keys: list[ConvKey], words: str, now: datetime
) -> list[tuple[ConvKey, Notice]]:
    """A notice saying ``words`` kept for each of ``keys`` (not where it says it again)."""
    notice = Notice(now, words)
    return [(key, notice) for key in dict.fromkeys(keys) if state.add_notice(key, notice)]


def _encryption(state: MainState, event: ev.EncryptionChanged, now: datetime) -> Update:
    key = (event.account, event.conversation)
    before = state.encryption.get(key)
    state.encryption[key] = event.encryption
    if before is None or before is event.encryption:  # never shown, or nothing new to say
        return Update(key=key)
    words = (
        "OMEMO on: what you send here is encrypted end to end"
        if event.encryption is Encryption.OMEMO
        else "OMEMO off: what you send here goes in plaintext"
    )
    return Update(key=key, notices=tuple(_notices(state, [key], words, now)))


def _held(state: MainState, event: ev.EncryptionHeld, now: datetime) -> Update:
    key = (event.account, event.conversation)
    words = held_words(event.reason, len(event.undecided))
    notices = tuple(_notices(state, [key], words, now))
    toast = None
    if notices and state.convs.current != key:
        toast = Toast(f"{event.conversation}: {words}", "Encryption", "warning", 12)
    return Update(notices=notices, toast=toast)


def _members_rooms(state: MainState, account: str, jid: str) -> list[ConvKey]:
    """The rooms of ``account`` where ``jid`` is present (non-anonymous rooms show it)."""
    return [
        room.key
        for room in state.rooms.rooms.values()
        if room.account == account
        and any(o.jid and o.jid.split("/", 1)[0] == jid for o in room.occupants.values())
    ]


def _devices(state: MainState, event: ev.DevicesChanged, now: datetime) -> Update:
    """A new device's notice: in the contact's chat and the rooms they are in; for our own
    account, in every open conversation of the account (each one now sends to it or holds)."""
    account, jid = event.account, event.jid
    own = jid == account
    state.devices[(account, jid)] = event.devices
    if own:
        keys = [key for key in state.convs.open if key[0] == account]
    else:
        keys = [(account, jid), *_members_rooms(state, account, jid)]
    name = state.roster.display_name(account, jid)
    notices: list[tuple[ConvKey, Notice]] = []
    toast = None
    for device in event.added:
        if device.this_device:
            continue
        words = new_device_words(name, device, own=own)
        notices += _notices(state, keys, words, now)
        if own and not keys:
            toast = Toast(words, "Encryption", "warning", 15)
    return Update(key=(account, jid), notices=tuple(notices), toast=toast)


def _removed(_state: MainState, event: ev.MessageRemoved, _now: datetime) -> Update:
    return Update(removed=((event.account, event.conversation), event.message_id))


def _decrypted(
    _state: MainState, event: ev.MessageDecrypted | ev.MessageChanged, _now: datetime
) -> Update:
    return Update(decrypted=event.message)


def _chat_state(state: MainState, event: ev.ChatStateChanged, _now: datetime) -> Update:
    """A contact started or stopped typing (``jid`` may be a full JID)."""
    key = (event.account, event.jid.partition("/")[0])
    state.typing.set(key, event.state)
    return Update(key=key)


def _read_elsewhere(state: MainState, event: ev.ReadUpTo, _now: datetime) -> Update:
    """Another of our devices read a conversation (the store's marker already moved)."""
    key = (event.account, event.conversation)
    if event.unread:
        state.convs.unread[key] = event.unread
    elif state.convs.unread.pop(key, None) is None:
        return Update()
    state.rooms.mentions.pop(key, None)
    return Update(roster=True, status=True, unread=True)


def _avatar(state: MainState, event: ev.AvatarChanged, _now: datetime) -> Update:
    key = (event.account, event.jid)
    state.avatars[key] = event.avatar
    return Update(key=key)


HANDLERS: dict[type[Any], Callable[[MainState, Any, datetime], Update]] = {
    ev.ConnectionStateChanged: _connection,
    ev.OwnPresenceChanged: _own_presence,
    ev.RosterReceived: _roster,
    ev.ContactChanged: _contact,
    ev.ContactRemoved: _contact_removed,
    ev.GatewayIdentified: _gateway,
    ev.PresenceChanged: _presence,
    ev.SubscriptionRequested: _subscription,
    ev.ArchiveSyncProgressed: _sync,
    ev.ErrorReported: _error,
    ev.RoomJoined: _joined,
    ev.RoomJoinFailed: _join_failed,
    ev.RoomLeft: _left,
    ev.OccupantChanged: _occupant,
    ev.OccupantLeft: _occupant_left,
    ev.NickChanged: _nick,
    ev.SubjectChanged: _subject,
    ev.InvitationReceived: _invited,
    ev.InvitationDeclined: _declined,
    ev.BookmarksReceived: _bookmarks,
    ev.UploadProgressed: _upload,
    ev.EncryptionChanged: _encryption,
    ev.EncryptionHeld: _held,
    ev.DevicesChanged: _devices,
    ev.MessageDecrypted: _decrypted,
    ev.MessageRemoved: _removed,
    ev.ChatStateChanged: _chat_state,
    ev.ReadUpTo: _read_elsewhere,
    ev.MessageChanged: _decrypted,
    ev.AvatarChanged: _avatar,
}
"""The events handled alike (received messages and room mentions: the screen)."""


def update(state: MainState, event: object, now: datetime) -> Update:
    """Feed ``event`` into ``state``; what the screen must show again."""
    return HANDLERS[type(event)](state, event, now)
