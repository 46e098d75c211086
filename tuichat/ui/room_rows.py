"""Provides the sidebar's rows: each account's contacts with its "Rooms" group right under it.

Pure (no Textual): rooms, invitations and private chats come from
:class:`~tuichat.ui.rooms.RoomsState`, contacts from :class:`~tuichat.ui.state.RosterState`.
Rooms and private chats are kept out of the contact groups; what a conversation is comes from
its kind, not from its key.
"""

from __future__ import annotations

from collections.abc import Sequence

from tuichat.model import ConversationKind
from tuichat.ui.fuzzy import score
from tuichat.ui.main_state import MainState
from tuichat.ui.state import ConvKey, RosterRow


def sidebar_rows(state: MainState, accounts: Sequence[str]) -> list[RosterRow]:
    """Every row of the sidebar, as the filter and the fold switch leave them."""
    convs = state.convs
    extra = (set(convs.open) | set(convs.unread)) - conversation_keys_of_rooms(state)
    rows = state.roster.rows(
        accounts,
        query=state.query,
        show_offline=state.show_offline,
        unread=convs.unread,
        extra=extra,
    )
    out: list[RosterRow] = []
    for row in rows:
        out.append(row)
        if row.kind == "account":
            out.extend(room_rows(state, row.account))
    return out


def conversation_keys_of_rooms(state: MainState) -> set[ConvKey]:
    """Keys of rooms and private chats (kept out of the contact groups)."""
    rooms = state.rooms
    keys: set[ConvKey] = set(rooms.rooms)
    chat, kinds = ConversationKind.CHAT, rooms.kinds
    for key in [*state.convs.open, *state.convs.unread]:
        # What :meth:`RoomsState.kind` says, its answer for thousands of chats made cheap.
        if kinds.get(key, chat) is not chat or ("/" in key[1] and rooms.kind(key) is not chat):
            keys.add(key)
    return keys


def room_rows(state: MainState, account: str) -> list[RosterRow]:
    """The "Rooms" group of ``account``: invitations, rooms, private chats."""
    rooms, convs = state.rooms, state.convs
    shown = set(convs.open) | set(convs.unread) | set(rooms.mentions)
    rows: list[RosterRow] = []
    for key, invitation in rooms.invitations.items():
        if key[0] == account and _matches(state.query, invitation.room):
            note = f"invited by {invitation.inviter}" if invitation.inviter else "invited"
            rows.append(
                RosterRow(kind="invite", account=account, jid=key[1], label=key[1], note=note)
            )
    listed = [
        r
        for r in rooms.rooms.values()
        if r.account == account and (r.joined or r.key in shown) and _matches(state.query, r.title)
    ]
    for room in sorted(listed, key=lambda r: r.title.casefold()):
        rows.append(
            RosterRow(
                kind="room",
                account=account,
                jid=room.jid,
                label=room.title,
                unread=convs.unread.get(room.key, 0),
                mentions=rooms.mentions.get(room.key, 0),
                joined=room.joined,
            )
        )
    privates = sorted(
        k
        for k in shown
        if k[0] == account and "/" in k[1] and rooms.kind(k) is ConversationKind.PRIVATE
    )
    for key in privates:
        room_jid, _, nick = key[1].partition("/")
        label = f"{nick} ({room_jid.split('@', 1)[0]})"
        if _matches(state.query, label):
            unread = convs.unread.get(key, 0)
            rows.append(
                RosterRow(kind="private", account=account, jid=key[1], label=label, unread=unread)
            )
    if not rows:
        return []
    return [RosterRow(kind="group", account=account, label="Rooms"), *rows]


def _matches(query: str, label: str) -> bool:
    return not query or score(query, label) is not None
