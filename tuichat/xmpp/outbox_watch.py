"""Provides :class:`OutboxWatch`: the session's bookkeeping for :mod:`tuichat.xmpp.outbox_guard`.

The session tells it which outbox stanzas went out on the current stream, which the server
acked (XEP-0198) and which stream error it sent; when the stream closes, the watch asks the
rule whom to blame, counts the close in the store and sets the item aside (state ``failed``,
with the reason) once the rule says so. It does no network I/O.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.model import MessageState
from tuichat.store import Store
from tuichat.xmpp import outbox_guard

log = logging.getLogger(__name__)


class OutboxWatch:
    """One account's outbox stanzas on the wire, and the stream errors that ended streams."""

    def __init__(self, account: str, store: Store, bus: EventBus) -> None:
        self.account = account
        self.store = store
        self.bus = bus
        self.on_wire: dict[str, int] = {}
        """Outbox stanzas (chat, room, room private) of this stream the server has not acked,
        stanza id → row id, in the order sent."""
        self.error: tuple[str, str] | None = None
        """The condition and text of the stream error the server sent on this stream."""

    def new_stream(self) -> None:
        """A fresh stream began: nothing of the old one is on the wire any more."""
        self.on_wire.clear()
        self.error = None

    def sent(self, stanza_id: str, row: int) -> None:
        """The outbox row ``row`` went out on this stream as ``stanza_id``."""
        self.on_wire[stanza_id] = row

    def acked(self, stanza_id: str) -> None:
        """The server acked the stanza ``stanza_id`` (it read it without closing the stream)."""
        self.on_wire.pop(stanza_id, None)

    def stream_error(self, condition: str, text: str) -> None:
        """The server sent a stream error (it closes the stream next)."""
        log.warning("%s: stream error from the server: %s %s", self.account, condition, text)
        self.error = (condition, text)

    def closed(self) -> set[str]:
        """The stream closed: count it against the item that caused it, if one did.

        Returns the stanza ids of an item set aside now (never to be written again), else an
        empty set.
        """
        condition, text = self.error or (None, "")
        self.error = None
        row = outbox_guard.culprit(list(self.on_wire.values()), condition)
        if row is None or condition is None:
            return set()
        closes = self.store.count_close(row)
        log.warning(
            "%s: the server closed the stream on outbox row %s (%s), %d time(s)",
            self.account,
            row,
            condition,
            closes,
        )
        reason = outbox_guard.set_aside_reason(closes, condition, text)
        if reason is None:
            return set()
        ids = {key for key, value in self.on_wire.items() if value == row}
        for key in ids:
            del self.on_wire[key]
        message = self.store.update_state(row, MessageState.FAILED, failure=reason)
        if message is not None:
            conversation = message.conversation
            self.bus.publish(
                ev.MessageStateChanged(self.account, row, conversation, MessageState.FAILED, reason)
            )
            self.bus.publish(
                ev.ErrorReported(
                    self.account, f"a message to {conversation} was not sent: {reason}"
                )
            )
        return ids

    @staticmethod
    def drop_from(unacked: deque[tuple[int, Any]], stanza_ids: set[str]) -> None:
        """Remove set-aside messages from slixmpp's XEP-0198 resend queue (``(seq, stanza)``)."""
        kept = [(n, st) for n, st in unacked if st.name != "message" or st["id"] not in stanza_ids]
        unacked.clear()
        unacked.extend(kept)
