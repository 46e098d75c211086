"""Provides the main screen's whole state in one object: roster, conversations, rooms, switches.

No Textual here. Bus callbacks and commands change it; the screen then shows it (header, rows,
status) through the widgets' attributes. Tests read it as ``screen.state``.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from tuichat import events as ev
from tuichat.avatars import Avatar
from tuichat.errors import ClientError
from tuichat.model import ConnectionState, ConversationKind, Device, Encryption, Show
from tuichat.omemo_client import OmemoClient
from tuichat.store import Store
from tuichat.ui.acting import Acting
from tuichat.ui.read_state import Typing
from tuichat.ui.rooms import MAX_NOTICES, Notice, RoomsState
from tuichat.ui.state import Conversations, ConvKey, RosterState

OPEN_SETTING = "ui.open_conversations"
"""The store setting that keeps the open conversations, in order, across restarts."""
CURRENT_SETTING = "ui.current_conversation"
"""The store setting that keeps the conversation last in view, to show it again at start."""
RECENT_ON_FIRST_START = 5
"""Conversations opened at the very first start (the most recent)."""

log = logging.getLogger(__name__)


@dataclass
class MainState:
    """Everything the main screen shows, apart from the messages themselves (in the store)."""

    roster: RosterState = field(default_factory=RosterState)
    convs: Conversations = field(default_factory=Conversations)
    rooms: RoomsState = field(default_factory=RoomsState)
    show_offline: bool = False
    """Offline contacts unfolded (Ctrl+O)."""
    occupants_wanted: bool = True
    """Whether rooms show their occupant list (F5 toggles)."""
    query: str = ""
    """The roster filter's text."""
    connections: dict[str, ConnectionState] = field(default_factory=dict)
    syncing: dict[str, int] = field(default_factory=dict)
    """Messages fetched by each running archive catch-up."""
    outbox: int = 0
    """Messages waiting to be sent."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Why each account is down (and when it retries), in the connection's words."""
    presence: dict[str, Show] = field(default_factory=dict)
    """Our own presence on each account, as last set (online until then)."""
    restarted: bool = False
    """A previous run put a conversation in view (this is not the very first start)."""
    uploads: dict[tuple[str, str], ev.UploadProgressed] = field(default_factory=dict)
    """The running uploads by (account, upload id): their last progress."""
    encryption: dict[ConvKey, Encryption] = field(default_factory=dict)
    """How each conversation shown so far sends (asked of the client once, then kept up to
    date by ``EncryptionChanged``)."""
    devices: dict[ConvKey, tuple[Device, ...]] = field(default_factory=dict)
    """The OMEMO devices of (account, JID), as the last ``DevicesChanged`` told (the header
    names the undecided ones)."""
    acting: Acting = field(default_factory=Acting)
    """The message selected in the log; a reply or correction the next line becomes."""
    notes: dict[ConvKey, deque[Notice]] = field(default_factory=dict)
    """Notices of chats and private chats (new devices, held messages); a room keeps its own
    with its traffic."""

    def encryption_of(self, key: ConvKey, client: OmemoClient) -> Encryption | None:
        """How ``key`` sends, asking ``client`` the first time; ``None`` while the client
        cannot tell yet (not started: asking must not build it for the first frame). Asked
        again at the next header repaint, so nothing wrong is kept."""
        known = self.encryption.get(key)
        if known is None:
            try:
                known = client.encryption(*key)
            except ClientError as exc:
                log.debug("encryption of %s not known yet: %s", key[1], exc)
                return None
            self.encryption[key] = known
        return known

    def add_notice(self, key: ConvKey, notice: Notice) -> bool:
        """Keep ``notice`` for ``key`` (a room's with its traffic); ``False`` when it says
        again what the last notice there says (it is then not kept)."""
        room = self.rooms.get(key)
        kept = room.notices if room is not None else self.notes.get(key)
        if kept is None:
            kept = self.notes[key] = deque(maxlen=MAX_NOTICES)
        if kept and kept[-1].text == notice.text:
            return False
        kept.append(notice)
        return True

    typing: Typing = field(default_factory=Typing)
    """Who is typing where (XEP-0085), see :mod:`tuichat.ui.read_state`."""
    avatars: dict[ConvKey, Avatar | None] = field(default_factory=dict)
    """Contacts' avatars read so far (from the store once, then ``AvatarChanged``)."""
    store: Store | None = field(default=None, repr=False)
    """Where avatars are read from (set by :meth:`load`)."""

    def avatar_of(self, key: ConvKey) -> Avatar | None:
        """The avatar of the contact ``key`` names, read from the store the first time."""
        if key not in self.avatars:
            self.avatars[key] = self.store.avatar(*key) if self.store is not None else None
        return self.avatars[key]

    def load(self, store: Store, accounts: Sequence[str]) -> ConvKey | None:
        """Take what the store has: rosters, rooms and private chats, unread counts,
        the outbox, and the open conversations of the last run; return the one to show (the
        one last in view, else the first open one)."""
        self.store = store
        for account in accounts:
            self.roster.set_roster(account, store.roster(account))
        seen = store.overview(recent=RECENT_ON_FIRST_START)
        for account, conversation, kind in seen.kinds:
            key = (account, conversation)
            self.rooms.learn(key, kind)
            if kind is ConversationKind.GROUPCHAT and account in accounts:
                self.rooms.room(*key)
        self.convs.unread.update(seen.unread)
        self.outbox = len(store.outbox())
        saved = store.get_setting(OPEN_SETTING)
        keys = self._saved_open(saved, accounts) if saved else seen.recent
        self.convs.open = list(dict.fromkeys(k for k in keys if k[0] in accounts))
        current = store.get_setting(CURRENT_SETTING)
        self.restarted = current is not None
        last = _key(current)
        if last in self.convs.open:
            return last
        return self.convs.open[0] if self.convs.open else None

    def _saved_open(self, saved: str, accounts: Sequence[str]) -> list[ConvKey]:
        """The open conversations saved by :meth:`save_open`; a room among them is known as a
        room again even when the store holds no message of it (joined from an invitation)."""
        keys: list[ConvKey] = []
        try:
            for entry in json.loads(saved):
                key = (str(entry[0]), str(entry[1]))
                kind = ConversationKind(entry[2]) if len(entry) > 2 else None
                keys.append(key)
                if len(entry) > 3 and key[0] in accounts and int(entry[3]) > 0:
                    self.convs.numbers.setdefault(key, int(entry[3]))
                if kind is not None and key not in self.rooms.kinds:
                    self.rooms.learn(key, kind)
                if kind is ConversationKind.GROUPCHAT and key[0] in accounts:
                    self.rooms.room(*key)
        except (ValueError, TypeError, IndexError, KeyError):
            return []
        return keys

    def save_current(self, store: Store) -> None:
        """Remember the conversation in view for the next run."""
        current = self.convs.current
        store.set_setting(CURRENT_SETTING, json.dumps(list(current) if current else None))

    def save_open(self, store: Store) -> None:
        """Remember the open conversations, each with its kind and number, for the next run."""
        convs = self.convs
        entries = [
            [a, c, self.rooms.kind((a, c)).value, convs.number((a, c))] for a, c in convs.open
        ]
        store.set_setting(OPEN_SETTING, json.dumps(entries))


def _key(saved: str | None) -> ConvKey | None:
    """A conversation key saved as JSON, or ``None``."""
    try:
        value = json.loads(saved) if saved else None
        return (str(value[0]), str(value[1])) if value else None
    except (ValueError, TypeError, IndexError, KeyError):
        return None
