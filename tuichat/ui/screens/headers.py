"""Provides what the main screen shows around the messages: the conversation pane's header
line (a chat's, a room's, a private chat's, or none open), the names and switches of
:class:`PaneState`, and the status bar's :class:`StatusInfo`.

Pure: built from the state and the theme's variables, so the screen only assigns the result.
Everything from the network goes through ``safe_text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from rich.style import Style
from rich.text import Text

from tuichat.model import ConnectionState, Encryption, Show, Trust
from tuichat.ui.attention import attention_total
from tuichat.ui.main_state import MainState
from tuichat.ui.read_state import typing_text
from tuichat.ui.render import safe_text
from tuichat.ui.rooms import AFFILIATION_WORDS
from tuichat.ui.state import ConvKey
from tuichat.ui.themes import resolve_color
from tuichat.ui.trust import TRUST_SYMBOLS, TRUST_VARIABLES
from tuichat.ui.widgets.conversation_pane import PaneState
from tuichat.ui.widgets.status_bar import AccountStatus, StatusInfo, upload_words
from tuichat.ui.widgets.symbols import PRESENCE_SYMBOLS, PRESENCE_VARIABLES, PRESENCE_WORDS

NO_CONVERSATION = "No conversation: Ctrl+K opens one"

DIM = Style(dim=True)


def header_text(
    state: MainState,
    key: ConvKey | None,
    variables: Mapping[str, str],
    *,
    muted: bool = False,
    multi: bool = False,
    encryption: Encryption | None = None,
) -> Text:
    """The header of ``key`` (``muted``: no bell for it; ``multi``: several accounts run;
    ``encryption``: how it sends, said in words after the name)."""
    if key is None:
        return Text(NO_CONVERSATION)
    number = state.convs.number(key)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{number} ", style=DIM)
    parts = state.rooms.private_parts(key)
    if parts is not None:
        online = resolve_color(dict(variables), "presence-online")
        text.append("» ", style=Style(color=online, bold=True))
        text.append_text(safe_text(parts[1]))
        _encryption(text, encryption, variables)
        text.append_text(safe_text(f"  private chat in {parts[0]}", DIM))
        return text
    if state.rooms.get(key) is not None and state.rooms.info(key).is_group:
        _room(text, state, key, variables, encryption)
    else:
        # What matters first (an 80-column header cuts the end): who, how it sends, which
        # account; then the address and the status text.
        _chat(text, state, key, variables)
        _encryption(text, encryption, variables)
        if encryption is Encryption.OMEMO:
            _undecided(text, state, key, variables)
        text.append_text(typing_text(state.typing, key))  # "typing…" (XEP-0085)
        if muted:
            text.append(" [muted]", style=DIM)
        if multi:
            text.append_text(safe_text(f" via {key[0]}", DIM))
        _chat_details(text, state, key)
        return text
    if muted:
        text.append(" [muted]", style=DIM)
    return text


def _encryption(text: Text, encryption: Encryption | None, variables: Mapping[str, str]) -> None:
    """`` · OMEMO`` (in the colour of "online") or `` · plaintext`` (dim): in words."""
    if encryption is None:
        return
    text.append(" · ", style=DIM)
    if encryption is Encryption.OMEMO:
        color = resolve_color(dict(variables), "presence-online")
        text.append("OMEMO", style=Style(color=color, bold=True))
    else:
        text.append("plaintext", style=DIM)


def _undecided(text: Text, state: MainState, key: ConvKey, variables: Mapping[str, str]) -> None:
    """``, ? 2 undecided``: the contact's devices waiting for the user's word (as far as the
    last ``DevicesChanged`` told)."""
    waiting = sum(
        1 for d in state.devices.get(key, ()) if d.trust is Trust.UNDECIDED and not d.this_device
    )
    if waiting:
        color = resolve_color(dict(variables), TRUST_VARIABLES[Trust.UNDECIDED])
        words = f", {TRUST_SYMBOLS[Trust.UNDECIDED]} {waiting} undecided"
        text.append(words, style=Style(color=color, bold=True))


def _chat(text: Text, state: MainState, key: ConvKey, variables: Mapping[str, str]) -> None:
    account, jid = key
    presence = state.roster.presence(account, jid)
    color = resolve_color(dict(variables), PRESENCE_VARIABLES[presence.show])
    text.append(PRESENCE_SYMBOLS[presence.show] + " ", style=Style(color=color))
    text.append_text(safe_text(state.roster.display_name(account, jid)))
    text.append(f" {PRESENCE_WORDS[presence.show]}", style=DIM)


def _chat_details(text: Text, state: MainState, key: ConvKey) -> None:
    """The contact's address (when it has a name) and status text, at the header's end."""
    account, jid = key
    presence = state.roster.presence(account, jid)
    if state.roster.display_name(account, jid) != jid:
        text.append_text(safe_text(f" <{jid}>", DIM))
    if presence.status:
        text.append(" — ", style=DIM)
        text.append_text(safe_text(presence.status.replace("\n", " "), Style(italic=True)))


def _room(
    text: Text,
    state: MainState,
    key: ConvKey,
    variables: Mapping[str, str],
    encryption: Encryption | None,
) -> None:
    room = state.rooms.rooms[key]
    mark = "presence-online" if room.joined else "presence-offline"
    text.append("# ", style=Style(color=resolve_color(dict(variables), mark), bold=True))
    text.append_text(safe_text(room.title))
    _encryption(text, encryption, variables)
    if room.name and room.name != room.jid:
        text.append_text(safe_text(f" <{room.jid}>", DIM))
    if room.subject:
        text.append(" — ", style=DIM)
        text.append_text(safe_text(room.subject.replace("\n", " "), Style(italic=True)))
    if room.joined:
        me = room.me
        marks = [me.role.value, AFFILIATION_WORDS[me.affiliation]] if me else []
        marks = [m for m in marks if m and m != "participant"]
        text.append_text(safe_text(f"  · {len(room.occupants)} here · you: {room.nick}", DIM))
        if marks:
            text.append(f" ({', '.join(marks)})", style=DIM)
    else:
        error = Style(color=resolve_color(dict(variables), "presence-dnd"))
        words = f"not joined: {room.error}" if room.error else "not joined (/join enters)"
        text.append_text(safe_text(f"  {words}", error))


def pane_state(
    state: MainState,
    key: ConvKey | None,
    variables: Mapping[str, str],
    previous: PaneState,
    *,
    muted: bool = False,
    multi: bool = False,
    encryption: Encryption | None = None,
) -> PaneState:
    """What the pane shows around the messages of ``key`` (``previous``: what it shows now)."""
    header = header_text(state, key, variables, muted=muted, multi=multi, encryption=encryption)
    if key is None:
        return replace(previous, header=header, occupants=False)
    account, conversation = key
    info = state.rooms.info(key)
    room = state.rooms.get(key)
    peer = state.roster.display_name(account, conversation)
    own = account.split("@", 1)[0] or account
    mention = ""
    if info.is_group and room is not None:
        peer, own, mention = "", room.nick or own, room.nick
    parts = state.rooms.private_parts(key)
    if parts is not None:
        peer = parts[1]
        pm_room = state.rooms.get((account, parts[0]))
        own = pm_room.nick if pm_room is not None and pm_room.nick else own
    return PaneState(
        header=header,
        occupants=info.has_occupants and state.occupants_wanted,
        nick_completion=info.is_group,
        peer_name=peer,
        own_name=own,
        mention_nick=mention,
        avatar=None if info.is_group or parts is not None else state.avatar_of(key),
    )


def status_info(state: MainState, accounts: tuple[str, ...]) -> StatusInfo:
    """The status bar's line: each account's connection, the outbox, unread counts, windows."""
    statuses = tuple(
        AccountStatus(
            a,
            state.connections.get(a, ConnectionState.DISCONNECTED),
            state.syncing.get(a, -1),
            state.presence.get(a, Show.ONLINE),
            state.reasons.get(a, ""),
        )
        for a in accounts
    )
    return StatusInfo(
        accounts=statuses,
        outbox=state.outbox,
        unread=attention_total(state.convs.unread, state.rooms.rooms, 0),
        mentions=state.rooms.total_mentions,
        windows=state.convs.windows(state.rooms.mentions),
        uploads=tuple(
            upload_words(u.name, u.sent, u.total, u.elapsed) for u in state.uploads.values()
        ),
    )
