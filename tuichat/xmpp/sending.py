"""Provides :class:`Sender`: the thin shell around :mod:`tuichat.xmpp.outbox` for one account.

One life cycle for every outgoing message, whatever the conversation (1:1, room, room private):
- :func:`build_stanza` is the one place a message becomes a stanza, with :attr:`Sender.steps`
  as the place where later steps plug in (a receipt request, then the files a message
  shares (XEP-0066); encryption, replies and corrections follow): each step may change the
  stanza, or return a new one, or an awaitable of one (encryption: the write then waits for
  it, in order, see :meth:`Sender._write`); a step that raises :class:`Unwritable` keeps the
  message pending (held) with its reason;
- :meth:`Sender._apply` is the one place a change is stored, then published;
- the session and the room feature only report what happened (queued, ready, acked,
  reflected, bounced, the stream lost or resumed…).

Our corrections, retractions and reactions are outgoing items of the same machine
(:class:`tuichat.store.queued.QueuedAction`, ``Entry.action``): the store keeps them in its
queue rather than among messages, and :class:`~tuichat.xmpp.features.message_actions.MessageActions`
makes their stanza; the rest (when, once, in order, acked, failed) is the same.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat.model import ConversationKind, Device, Encryption, Message, MessageState
from tuichat.xmpp import outbox as ob
from tuichat.xmpp import parse
from tuichat.xmpp.confirmations import Waiters
from tuichat.xmpp.errors import bounce_words, error_condition
from tuichat.xmpp.features.oob import announce_files

if TYPE_CHECKING:
    from tuichat.store.queued import QueuedAction
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

ACK_REQUEST = "<r xmlns='urn:xmpp:sm:3'/>"
RETRY_HELD = 15.0
"""Seconds before a message held for a passing reason (no answer from the server) tries again."""

OutgoingStep = Callable[[Any, Message], Any]
"""``step(stanza, message)`` → the stanza to send on (the same one changed, or a new one), or an
awaitable of it."""


class Unwritable(Exception):
    """A step cannot make the message's stanza now (encryption impossible): the message stays
    pending in the outbox. ``reason`` says why in words; ``undecided`` are the devices waiting
    for the user's decision, if that is why."""

    def __init__(
        self, reason: str, undecided: tuple[Device, ...] = (), *, transient: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.undecided = undecided
        self.transient = transient
        """It may pass by itself (no answer from the server): tried again shortly."""


def build_stanza(client: Any, message: Message, steps: Iterable[OutgoingStep] = ()) -> Any:
    """The stanza of a stored outgoing ``message``, for every kind of conversation (every step
    must answer at once; see :func:`build_stanza_later` for steps that await)."""
    stanza = _base_stanza(client, message)
    for step in steps:
        stanza = step(stanza, message)
        if inspect.isawaitable(stanza):
            raise TypeError("a step awaits: use build_stanza_later")
    return stanza


async def build_stanza_later(
    client: Any, message: Message, steps: Iterable[OutgoingStep] = ()
) -> Any:
    """:func:`build_stanza`, awaiting the steps that answer later (encryption)."""
    stanza = _base_stanza(client, message)
    for step in steps:
        stanza = step(stanza, message)
        if inspect.isawaitable(stanza):
            stanza = await stanza
    return stanza


def _base_stanza(client: Any, message: Message) -> Any:
    kind = message.kind
    stanza = client.make_message(
        mto=message.conversation,
        mbody=message.body,
        mtype="groupchat" if kind is ConversationKind.GROUPCHAT else "chat",
    )
    stanza["id"] = message.message_id or message.origin_id
    if message.origin_id:
        stanza["origin_id"]["id"] = message.origin_id
    if kind is ConversationKind.PRIVATE:
        stanza.enable("muc")  # <x xmlns='…muc#user'/>: a private message with an occupant
    if kind is not ConversationKind.GROUPCHAT:
        stanza["chat_state"] = "active"
    return stanza


def request_receipt(stanza: Any, message: Message) -> Any:
    """Ask a one-to-one recipient for a delivery receipt (XEP-0184)."""
    if message.kind is ConversationKind.CHAT:
        stanza["request_receipt"] = True
    return stanza


def entry_of(message: Message) -> ob.Entry:
    """What the machine follows of a stored outgoing message."""
    if message.id is None:
        raise ValueError("only stored messages can be sent")
    return ob.Entry(
        message.id,
        message.conversation,
        message.kind,
        message.message_id or message.origin_id or "",
        message.state,
    )


def action_entry(queued: QueuedAction) -> ob.Entry:
    """What the machine follows of a queued action of ours."""
    message = queued.message
    key = message.origin_id or ""
    return ob.Entry(
        queued.row,
        message.conversation,
        message.kind,
        key,
        message.state,
        action=True,
        after=queued.after,
    )


class Sender:
    """One account's outgoing messages: the machine, the writes, the stored changes."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.machine = ob.Outbox()
        self.steps: list[OutgoingStep] = [request_receipt, announce_files]
        """Applied in order to every outgoing stanza (see :func:`build_stanza`)."""
        self._waiters = Waiters()
        self._stream_error: tuple[str, str] | None = None
        self._unwritten: dict[str, ob.Changed] = {}
        """The ``sent`` changes of messages whose write waits for a step (stored once written)."""
        self._writing: asyncio.Future[None] | None = None
        """The last write that awaits a step (encryption); later writes queue behind it."""
        self._filtered: Any = None
        """The client whose outgoing stanzas :meth:`_on_the_wire` sees (the last one)."""
        self._streams = 0
        """Counts the streams lost: a write that awaited a step across a loss is not written
        (nor the ones queued behind it), but sent again in order once a stream is up."""

    # -- what happened --------------------------------------------------------------------

    def restore(self) -> None:
        """Follow the outbox rows the store holds that the machine does not follow yet (an
        earlier run's): the store stays the outbox's source of truth."""
        store, account = self.session.store, self.session.account
        rows = [(m.timestamp, entry_of(m)) for m in store.outbox(account)]
        rows += [
            (q.message.timestamp, action_entry(q)) for q in store.queued_actions.waiting(account)
        ]
        rows.sort(key=lambda pair: pair[0])  # stable: a message before an action of its time
        self._handle(ob.Restored(tuple(entry for _ts, entry in rows)))

    def queue(self, message: Message) -> None:
        """A stored pending message: it goes out as soon as the rules allow."""
        self._handle(ob.Queued(entry_of(message)))

    def queue_action(self, queued: QueuedAction) -> None:
        """A stored pending action of ours: it goes out as soon as the rules allow."""
        self._handle(ob.Queued(action_entry(queued)))

    def ready(self) -> None:
        """Connected and caught up."""
        self.restore()
        self._handle(ob.Ready())

    def fresh_stream(self) -> None:
        """A new stream began."""
        self._stream_error = None
        self._handle(ob.FreshStream())

    def resumed(self) -> None:
        """The old stream was resumed."""
        self.restore()
        self._handle(ob.Resumed())

    def stream_error(self, condition: str, text: str) -> None:
        """The server sent a stream error (it ends the stream next)."""
        log.warning(
            "%s: stream error from the server: %s %s", self.session.account, condition, text
        )
        self._stream_error = (condition, text)

    def stream_lost(self) -> None:
        """The stream closed: encryptions waiting for the server end at once (as deferred)."""
        self._streams += 1
        if self.session.omemo is not None:
            self.session.omemo.deadlines.cut()
        condition, text = self._stream_error or (None, "")
        self._stream_error = None
        self._handle(ob.StreamLost(condition, text))

    def room_entered(self, room: str) -> None:
        """We are in ``room``."""
        self.restore()
        self._handle(ob.RoomEntered(room))

    def room_gone(self, room: str) -> None:
        """We are no longer in ``room``."""
        self._handle(ob.RoomGone(room))

    def acked(self, stanza_id: str) -> None:
        """The server acked the stanza ``stanza_id`` (XEP-0198)."""
        self._handle(ob.StreamAcked(stanza_id))

    def reflected(self, origin_id: str) -> None:
        """A room reflected our message."""
        self._handle(ob.Reflected(origin_id))

    def copy_arrived(self, key: str) -> None:
        """An archive or carbon copy of our message came back."""
        self._handle(ob.CopyArrived(key))

    def release(self) -> None:
        """What held messages wait for may have changed (trust, devices, encryption)."""
        self._handle(ob.Released())

    def bounced(self, key: str, reason: str) -> None:
        """Our message came back as an error; ``reason`` in words."""
        self._handle(ob.Bounced(key, reason))

    def on_stanza_acked(self, stanza: Any) -> None:
        """slixmpp: the server acked a stanza of ours (XEP-0198); messages matter here."""
        if stanza.name == "message":
            self.acked(stanza["id"])

    def on_message_error(self, stanza: Any) -> None:
        """slixmpp: a one-to-one message of ours came back as an error (a room's are the
        room feature's)."""
        env = parse.envelope(stanza)
        rooms = self.session.rooms
        if rooms is not None and rooms.knows(env.from_):
            return
        key = env.origin_id or env.message_id
        if key:
            condition, text = error_condition(stanza.xml)
            self.bounced(key, bounce_words(env.from_, condition, text))

    def wait(
        self, message: Message, until: MessageState = MessageState.ACKED
    ) -> asyncio.Future[Message]:
        """A future for ``message`` reaching ``until`` (acked, delivered, displayed): the row
        then, or :class:`ClientError` saying why it failed (the CLI waits on this)."""
        return self._waiters.add(message.message_id or message.origin_id or "", until)

    def confirmed(self, message: Message, state: MessageState) -> None:
        """The recipient's client confirmed our stored ``message`` (``delivered`` or
        ``displayed``): stored and published like every change."""
        if message.id is not None:
            key = message.message_id or message.origin_id or ""
            self._change(ob.Changed(message.id, message.conversation, state, key=key))

    # -- what to do -----------------------------------------------------------------------

    def _handle(self, event: ob.Input) -> None:
        self._apply(self.machine.handle(event))

    def _apply(self, effects: list[ob.Effect]) -> None:
        later: set[str] = set()
        for effect in effects:
            if isinstance(effect, ob.Send):
                if self._write(effect.entry):
                    later.add(effect.entry.key)
            elif isinstance(effect, ob.Changed) and effect.key in later:
                # Stored as sent only once it is written (after its encryption).
                self._unwritten[effect.key] = effect
            elif isinstance(effect, ob.Blamed):
                self._blame(effect)
            else:
                self._change(effect)

    def _write(self, entry: ob.Entry) -> bool:
        """Write ``entry`` now, or once its steps are done (then True)."""
        client = self.session.client
        if client is None:
            return False
        if entry.action:  # an action of ours: its message and its own steps
            built = self.session.actions.outgoing(entry.row)
            if built is None:
                return False
            message, steps = built
        else:
            found = self.session.store.get_message(entry.row)
            if found is None:
                return False
            message, steps = found, self.steps
        if message.encryption is Encryption.NONE and self._writing is None:
            self._put(client, build_stanza(client, message, steps))
            return False
        # A step awaits (encryption): this write, and every write after it until the queue is
        # empty, waits its turn, so messages still leave in the machine's order.
        self._writing = writing = asyncio.ensure_future(
            self._write_later(self._writing, client, entry, message, steps, self._streams)
        )
        writing.add_done_callback(self._written)
        return True

    async def _write_later(
        self,
        before: asyncio.Future[None] | None,
        client: Any,
        entry: ob.Entry,
        message: Message,
        steps: list[OutgoingStep],
        stream: int,
    ) -> None:
        if before is not None:
            with suppress(BaseException):
                await before
        try:
            stanza = await build_stanza_later(client, message, steps)
        except Unwritable as exc:
            self._unwritten.pop(entry.key, None)
            if stream != self._streams:  # cut off by the lost stream: again once one is up
                self._handle(ob.Unwritten(entry.key))
            else:
                self._hold(entry, message, exc)
            return
        sent = self._unwritten.pop(entry.key, None)
        if stream != self._streams or not self.machine.writable(entry.key):
            self._handle(ob.Unwritten(entry.key))  # its stream is gone: again once one is up
            return
        self._put(client, stanza)
        if sent is not None:
            self._change(sent)

    def _written(self, writing: asyncio.Future[None]) -> None:
        if self._writing is writing:
            self._writing = None
        if not writing.cancelled() and writing.exception() is not None:
            log.error("%s: a write failed", self.session.account, exc_info=writing.exception())

    def _put(self, client: Any, stanza: Any) -> None:
        if client is not self._filtered:  # after stream management's own filter
            client.add_filter("out", functools.partial(self._on_the_wire, client))
            self._filtered = client
        stanza.send()
        # Ask for an ack right behind the message, through the same queue: slixmpp's own
        # request (every `window` stanzas) is written before the stanza that triggered it.
        client.send(ACK_REQUEST, use_filters=False)

    def _on_the_wire(self, client: Any, stanza: Any) -> Any:
        """slixmpp's last outgoing filter: a message of ours that reaches the wire after its
        stream was lost (stream management, in use, no longer keeps it: a resumed stream would
        not write it again) is dropped here and written again by the machine."""
        if getattr(stanza, "name", "") != "message":
            return stanza
        sm = client.plugin["xep_0198"]
        if sm.enabled_out or not sm.sm_id:
            return stanza
        entry = self.machine.entries.get(stanza["id"])
        if entry is None or not entry.on_stream:
            return stanza
        log.info("%s: %s was written after its stream was lost", self.session.account, entry.key)
        self._handle(ob.Unwritten(entry.key))
        return None

    def _hold(self, entry: ob.Entry, message: Message, why: Unwritable) -> None:
        """The message cannot go out now: it waits in the outbox; say why (never plaintext)."""
        session = self.session
        self._handle(ob.Held(entry.key, why.reason))
        if why.transient:
            asyncio.get_running_loop().call_later(RETRY_HELD, self.release)
        session.bus.publish(
            ev.EncryptionHeld(session.account, message.conversation, why.reason, why.undecided)
        )
        self._waiters.settle(entry.key, None, why.reason)  # a waiting CLI hears why at once

    def _change(self, change: ob.Changed) -> None:
        """The one place a state change is stored, then published."""
        session = self.session
        if change.action:
            self._action_changed(change)
            return
        row = session.store.update_state(change.row, change.state, failure=change.reason or None)
        if row is not None and row.state is not change.state:  # never backwards (a late ack)
            self._waiters.settle(change.key, row)
            return
        session.bus.publish(
            ev.MessageStateChanged(
                session.account, change.row, change.conversation, change.state, change.reason
            )
        )
        if change.state is MessageState.FAILED:
            words = f"a message to {change.conversation} was not sent: {change.reason}"
            session.bus.publish(ev.ErrorReported(session.account, words))
        self._waiters.settle(change.key, row, change.reason)

    def _action_changed(self, change: ob.Changed) -> None:
        """A queued action moved on: stored; once it left the outbox, the message it acts on
        is published again (no longer marked pending)."""
        session = self.session
        queued = session.store.queued_actions.update_state(
            change.row, change.state, change.reason or None
        )
        if queued is None:
            return
        if change.state in ob.FINAL:
            target = session.store.get_message(queued.target)
            if target is not None:
                session.bus.publish(ev.MessageChanged(session.account, target))
        if change.state is MessageState.FAILED:
            action = queued.message.action
            what = action.kind.noun if action is not None else "action"
            words = f"a {what} in {change.conversation} was not sent: {change.reason}"
            session.bus.publish(ev.ErrorReported(session.account, words))
        self._waiters.settle(change.key, queued.message, change.reason)

    def _blame(self, blamed: ob.Blamed) -> None:
        """Count the close in the store (the count outlives the process: each run may die on
        the same message); set the message aside when the rule says so."""
        session = self.session
        store = session.store
        count = store.queued_actions.count_close if blamed.entry.action else store.count_close
        closes = count(blamed.entry.row)
        log.warning(
            "%s: the server closed the stream on outbox row %s (%s), %d time(s)",
            session.account,
            blamed.entry.row,
            blamed.condition,
            closes,
        )
        reason = ob.set_aside_reason(closes, blamed.condition, blamed.text)
        if reason is None:
            return
        self._handle(ob.SetAside(blamed.entry.key, reason))
        # Never written again, not even by slixmpp on a resumed stream.
        queue = session.client.plugin["xep_0198"].unacked_queue if session.client else None
        if queue is not None:
            kept = [
                (n, st) for n, st in queue if st.name != "message" or st["id"] != blamed.entry.key
            ]
            queue.clear()
            queue.extend(kept)
