"""Provides :class:`ReadSync`: the read state shared with our other devices (XEP-0490).

Reading a conversation here publishes its newest stanza-id to our PEP node
``urn:xmpp:mds:displayed:0`` (one item per conversation, its JID as the item id); a
notification from another of our devices, the catch-up at each session start, or a
``displayed`` marker our other device sent moves the store's read marker forward to that
message (never back) and publishes :class:`~tuichat.events.ReadUpTo`. A notification naming
a message we do not hold yet is kept and applied when the message arrives.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat.model import ConnectionState, ConversationKind, Message
from tuichat.xmpp.parse import is_from_own_account

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

NS = "urn:xmpp:mds:displayed:0"


class ReadSync:
    """One session's side of read sync."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._published: dict[str, str] = {}
        """By conversation: the stanza-id we last published or learnt (no repeats)."""
        self._waiting: dict[str, str] = {}
        """By conversation: a stanza-id read elsewhere that we do not hold yet."""
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def account(self) -> str:
        """The account's bare JID."""
        return self.session.account

    # -- from our other devices ----------------------------------------------------------

    def on_notification(self, stanza: Any) -> None:
        """A PEP notification of the node: our other device read a conversation."""
        if not is_from_own_account(str(stanza["from"]), self.account):
            return  # only our own account's PEP speaks for us
        # Not ``for item in items``: slixmpp keeps the iteration index on the element, and
        # its own loop over these items is running (one would never end).
        for item in list(stanza["pubsub_event"]["items"].iterables):
            self._item(item)

    def _item(self, item: Any) -> None:
        conversation = str(item["id"] or "")
        stanza_id = str(item["displayed"]["stanza_id"]["id"] or "")
        if conversation and stanza_id:
            self.read_elsewhere(conversation, stanza_id=stanza_id)

    def read_elsewhere(
        self, conversation: str, *, stanza_id: str = "", message_id: str = ""
    ) -> None:
        """We read ``conversation`` up to a message on another device: read here too."""
        store = self.session.store
        if message_id and not stanza_id:
            stanza_id = store.stanza_id_of(self.account, conversation, message_id) or ""
        if not stanza_id:
            return
        unread = store.mark_read_up_to(self.account, conversation, stanza_id)
        if unread is None:
            self._waiting[conversation] = stanza_id
            return
        self._waiting.pop(conversation, None)
        self._published[conversation] = stanza_id
        self.session.bus.publish(ev.ReadUpTo(self.account, conversation, unread))

    def on_live_stored(self, _message: Message, row: Message | None) -> None:
        """A message we were told was read elsewhere has arrived."""
        if (
            row is not None
            and row.stanza_id
            and self._waiting.get(row.conversation) == (row.stanza_id)
        ):
            self.read_elsewhere(row.conversation, stanza_id=row.stanza_id)

    async def catch_up(self, resumed: bool) -> None:
        """After a fresh session start (and its archive catch-up): what we read elsewhere
        while this device was away."""
        if resumed:
            return
        try:
            iq = await self.session.client.plugin["xep_0490"].catch_up()
        except Exception as exc:  # no node yet (item-not-found), or no PEP: nothing to learn
            log.info("%s: no read state to catch up: %s", self.account, exc)
            return
        for item in list(iq["pubsub"]["items"].iterables):
            self._item(item)
        for conversation, stanza_id in list(self._waiting.items()):
            self.read_elsewhere(conversation, stanza_id=stanza_id)

    # -- from here -------------------------------------------------------------------------

    def read(self, conversation: str, kind: ConversationKind) -> None:
        """The user read ``conversation`` here: tell our other devices (once per message)."""
        session = self.session
        stanza_id = session.store.last_stanza_id(self.account, conversation)
        if not stanza_id or self._published.get(conversation) == stanza_id:
            return
        if session.state != ConnectionState.CONNECTED or session.client is None:
            return
        self._published[conversation] = stanza_id
        by = conversation if kind is ConversationKind.GROUPCHAT else self.account
        task = asyncio.ensure_future(self._publish(conversation, stanza_id, by))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, conversation: str, stanza_id: str, by: str) -> None:
        plugin = self.session.client.plugin["xep_0490"]
        displayed = plugin.stanza.Displayed()
        displayed["stanza_id"]["id"] = stanza_id
        displayed["stanza_id"]["by"] = by
        try:
            await self.session.client.plugin["xep_0223"].store(displayed, node=NS, id=conversation)
        except Exception as exc:  # the server refused: the other devices stay behind
            self._published.pop(conversation, None)
            log.warning("%s: read state of %s not published: %s", self.account, conversation, exc)


def install(session: Session) -> ReadSync:
    """Read sync of ``session``'s new client (handlers in :mod:`tuichat.xmpp.handlers`)."""
    session.client.register_plugin("xep_0490")
    if session.read_sync is None:  # made once per session: its hooks stay
        session.read_sync = ReadSync(session)
        session.on_live_stored.append(session.read_sync.on_live_stored)
        session.on_started.append(session.read_sync.catch_up)
    return session.read_sync
