"""Provides :class:`Session`: one account's slixmpp client, as a thin shell around the rules.

The session turns slixmpp's string-named events into typed calls (one reviewed table,
``_HANDLERS``), asks the pure functions in :mod:`tuichat.xmpp.parse` what a stanza means, stores
what it learns and publishes events. It owns the reconnect loop (:class:`Backoff`) and the
outbox: every message we send is stored first, sent when connected, and marked acked when the
server acknowledges it (XEP-0198). A message the server keeps closing the stream on is set
aside as failed (:mod:`tuichat.xmpp.outbox_watch`), so the rest of the outbox flows.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from slixmpp.exceptions import IqError

from tuichat import events as ev
from tuichat import sendable
from tuichat.bus import EventBus
from tuichat.config import AccountConfig, PasswordError, resolve_password
from tuichat.errors import ClientError
from tuichat.model import (
    ChatState,
    ConnectionState,
    ConversationKind,
    Direction,
    Message,
    MessageState,
    Show,
    utcnow,
)
from tuichat.store import Store
from tuichat.xmpp import connect, parse
from tuichat.xmpp.backoff import FOREVER, Backoff, RetryPolicy
from tuichat.xmpp.credentials import preflight
from tuichat.xmpp.errors import describe_connect_error, describe_ssl_error, is_certificate_error
from tuichat.xmpp.features import FEATURES, muc_services, roster
from tuichat.xmpp.features.mam import ArchiveSync, catch_up_floor, failure_words
from tuichat.xmpp.live_batch import LiveBatch, Then
from tuichat.xmpp.outbox_watch import OutboxWatch

log = logging.getLogger(__name__)

PLUGINS = (
    "xep_0030",  # service discovery
    "xep_0115",  # entity capabilities
    "xep_0199",  # ping (keepalive)
    "xep_0198",  # stream management
    "xep_0203",  # delayed delivery
    "xep_0297",  # forwarding
    "xep_0280",  # carbons
    "xep_0313",  # archive
    "xep_0359",  # stable stanza ids
    "xep_0085",  # chat states
    "xep_0184",  # receipts
)

_ACK_REQUEST = "<r xmlns='urn:xmpp:sm:3'/>"
_TERMINAL = (ConnectionState.AUTH_FAILED, ConnectionState.CERT_REJECTED, ConnectionState.FAILED)


class Session:
    """One account's connection: connect, stay connected, and translate stanzas into events."""

    def __init__(
        self,
        account: AccountConfig,
        store: Store,
        bus: EventBus,
        *,
        backoff: Backoff | None = None,
        retry: RetryPolicy = FOREVER,
        password: Callable[[], str] | None = None,
        features: Sequence[Callable[[Session], object]] | None = None,
        archive_depth: int = 10_000,
    ) -> None:
        self.config = account
        self.account = account.jid
        self.store = store
        self.bus = bus
        self.retry = retry
        self.backoff = backoff or retry.backoff()
        self._password = password or (lambda: resolve_password(account.password))
        self.state = ConnectionState.DISCONNECTED
        self.reason = ""
        self.client: Any = None
        self.archive: ArchiveSync | None = None
        self.archive_depth = archive_depth
        """How many messages a first sync fetches; older ones come on demand (``fetch_older``)."""
        self.synced = asyncio.Event()
        """Set once the archive catch-up of the current session has finished (or failed)."""
        self.sync_failures: list[str] = []
        """What failed to catch up since the current session started, in words."""
        self.muc_services: set[str] | None = None
        """Our server's group chat services (disco), once known; see ``muc_services``."""
        self._stopping = False
        self._retry: asyncio.TimerHandle | None = None
        self._held: list[Message] | None = None
        """Live messages held back while a fresh stream catches up (see ``_on_session_start``)."""
        self._live = LiveBatch(self._save_and_publish)
        """Live messages received within a frame, stored together (``deliver_live``)."""
        self._inflight: dict[str, tuple[int, str]] = {}
        """Outgoing stanza id → store row id, until the server acks it."""
        self.outbox_watch = OutboxWatch(self.account, store, bus)
        """Which outbox item to blame (and set aside) when the server ends the stream."""
        self.connected = asyncio.Event()
        self.ready = False
        """Connected, caught up and the outbox flushed: a new message may go straight out."""
        self.show = Show.ONLINE
        self.status = ""
        self.features = tuple(FEATURES if features is None else features)
        """Installers run on each new client (``install(session)``): room support and so on."""
        self.extensions: dict[str, Any] = {}
        """What the installed features keep per session (e.g. ``extensions["muc"]``)."""
        self.hooks: list[Callable[[Session, bool], Any]] = []
        """Called as ``hook(session, resumed)`` after each session start (archive sync, rooms)."""

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Resolve the password and start connecting (returns without waiting for the server)."""
        self._stopping = False
        self._set_state(ConnectionState.CONNECTING)
        try:
            password = await asyncio.to_thread(self._password)
        except Exception as exc:  # PasswordError (its stderr detail is never logged), or other
            logged = exc.reason if isinstance(exc, PasswordError) else type(exc).__name__
            self._fail(ConnectionState.FAILED, f"no password: {exc}", f"no password: {logged}")
            return
        if refused := preflight(password, self.config.ca_file):  # fail now, not by time-out
            self._fail(*refused)
            return
        full = f"{self.account}/{self.config.resource}" if self.config.resource else self.account
        self.client = connect.new_client(full, password, PLUGINS)
        connect.configure_tls(self.client, self.config.tls, self.config.ca_file)
        connect.require_tls_before_auth(self.client, self._on_plain_stream)
        connect.on_starttls_refused(self.client, self._on_starttls_refused)
        for event, name in _HANDLERS.items():
            self.client.add_event_handler(event, getattr(self, name))
        self.archive = ArchiveSync(
            self.client,
            self.account,
            self.deliver_many,
            self.bus.publish,
            initial_depth=self.archive_depth,
            to_message=self._chat_message,
        )
        self.hooks.clear()
        roster.install(self)
        for install in self.features:
            install(self)
        self._connect()

    def _connect(self) -> None:
        self._retry = None
        if self._stopping or self.client is None:
            return
        self._set_state(ConnectionState.CONNECTING)
        if self._held is None:
            self._held = []
        connect.connect_now(self.client, *self._address())

    def _address(self) -> tuple[str | None, int | None]:
        return connect.address(self.config.host, self.config.port, self.config.tls)

    async def stop(self) -> None:
        """Say goodbye (unavailable presence) and disconnect; no reconnect after this."""
        self._stopping = True
        self._live.flush()  # nothing received is lost when the store closes right after
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self.client is None:
            return
        if self.state == ConnectionState.CONNECTED:
            self.client.send_presence(ptype="unavailable")
        await connect.close_client(self.client)
        self.connected.clear()
        if self.state not in _TERMINAL:
            self._set_state(ConnectionState.DISCONNECTED, "disconnected")

    def _set_state(
        self, state: ConnectionState, reason: str = "", resumed: bool = False, logged: str = ""
    ) -> None:
        """Publish a new state; ``logged`` replaces a ``reason`` that must not reach the log."""
        if state != ConnectionState.CONNECTED:
            self.ready = False
        if (state, reason) == (self.state, self.reason) and state != ConnectionState.CONNECTED:
            return
        self.state, self.reason = state, reason
        if state == ConnectionState.CONNECTED:
            self.connected.set()
        else:
            self.connected.clear()
        log.info("%s: %s %s", self.account, state.value, logged or reason)
        self.bus.publish(ev.ConnectionStateChanged(self.account, state, reason, resumed))

    def _fail(self, state: ConnectionState, reason: str, logged: str = "") -> None:
        """Stop for good: a wrong password or a bad certificate will not fix itself."""
        self._stopping = True
        if self.client is not None:
            self.client.cancel_connection_attempt()
        self._set_state(state, reason, logged=logged)

    def _schedule_reconnect(self, reason: str) -> None:
        if self._stopping or self._retry is not None:
            return
        if self.retry.gives_up(self.backoff.attempt + 1):  # attempts since the last session
            self._fail(ConnectionState.FAILED, reason)
            return
        delay = self.backoff.next()
        self._set_state(ConnectionState.DISCONNECTED, f"{reason}; retrying in {delay:.0f} s")
        self._retry = asyncio.get_running_loop().call_later(delay, self._connect)

    # -- connection events ----------------------------------------------------------------------

    def _on_plain_stream(self) -> None:
        self._fail(
            ConnectionState.FAILED,
            "the server offers no encryption (STARTTLS); refusing to log in without TLS",
        )

    def _on_starttls_refused(self) -> None:
        self._fail(ConnectionState.FAILED, "the server refused to start TLS")
        self.client.abort()

    def _on_connection_failed(self, error: Any) -> None:
        self.client.cancel_connection_attempt()  # we run the retry schedule, not slixmpp
        if is_certificate_error(error):
            self._fail(ConnectionState.CERT_REJECTED, describe_ssl_error(error))
            return
        where = connect.where(*self._address(), self.account)
        self._schedule_reconnect(describe_connect_error(error, where))

    def _on_invalid_cert(self, error: Any) -> None:
        self._fail(ConnectionState.CERT_REJECTED, describe_ssl_error(error))
        self.client.abort()

    def _on_auth_failed(self, _event: Any) -> None:
        self._fail(ConnectionState.AUTH_FAILED, "the server rejected the JID or password")

    def _on_stream_error(self, error: Any) -> None:
        self.outbox_watch.stream_error(str(error["condition"] or ""), str(error["text"] or ""))

    def _on_disconnected(self, reason: Any) -> None:
        self.connected.clear()
        if set_aside := self.outbox_watch.closed():  # never written again, not even on resume
            for key in set_aside:
                self._inflight.pop(key, None)
            self.outbox_watch.drop_from(self.client.plugin["xep_0198"].unacked_queue, set_aside)
        if self._stopping:
            return
        self._schedule_reconnect(describe_connect_error(reason or None))

    async def _on_session_start(self, _event: Any) -> None:
        # Order matters. Catch up with the archive before announcing presence (Prosody then
        # does not also push the offline queue), catch up once more after it (closing the gap
        # between the two), and only then resend the outbox: a message the server archived
        # before the drop has become acked by its archive copy and is not sent twice. Live
        # messages that arrive meanwhile (Prosody re-routes what the old stream left unacked)
        # are held until the catch-up is stored, so history keeps the server's order.
        self.backoff.reset()
        self.synced.clear()
        self._inflight.clear()  # a fresh stream: nothing of the old one will be acked
        self.sync_failures.clear()
        self.outbox_watch.new_stream()
        if self.archive is not None:
            held = (c.last_timestamp for c in self.store.conversations(self.account))
            self.archive.floor = catch_up_floor(held, utcnow())
        self._set_state(ConnectionState.CONNECTED, "", resumed=False)
        try:
            await self.client.get_roster()
        except Exception as exc:
            log.warning("%s: roster fetch failed: %s", self.account, exc)
        self.extensions["roster"].publish()
        if self.muc_services is None:
            self.muc_services = await muc_services.group_chat_services(self.client, self.account)
        try:
            await self.client.plugin["xep_0280"].enable()
        except Exception as exc:
            log.warning("%s: carbons not enabled: %s", self.account, exc)
        await self.sync_archive()
        self.client.send_presence(**self._presence_args())
        await self.sync_archive(short_gap=True)
        self._release_held()
        self.flush_outbox(resend_sent=True)
        self.ready = self.state == ConnectionState.CONNECTED  # it may have dropped meanwhile
        await self._run_hooks(resumed=False)
        self.synced.set()

    def _chat_message(self, env: parse.Envelope, account: str, **kwargs: Any) -> Message | None:
        """:func:`parse.chat_message` with the rooms we know, asked only when it matters."""
        rooms = muc_services.known_rooms(self) if env.muc_user else ()
        return parse.chat_message(env, account, rooms=rooms, **kwargs)

    async def fetch_older(self, conversation: str, limit: int = 100) -> int:
        """Backfill ``conversation`` from the account's archive, older than what we hold."""
        if self.archive is None or self.state != ConnectionState.CONNECTED:
            return 0
        held = self.store.oldest(self.account, conversation)
        try:
            page = await self.archive.query(
                self.account,
                with_jid=conversation,
                before=(held.stanza_id or True) if held else True,
                end=held.timestamp if held and not held.stanza_id else None,
                max_items=limit,
            )
        except IqError as exc:
            if exc.iq["error"]["condition"] != "item-not-found":
                raise
            # Our oldest message has expired from the archive: nothing older is left there.
            self.bus.publish(ev.HistoryFetched(self.account, conversation, 0, True))
            return 0
        newest_first = self.archive.messages(page)[::-1]
        saved = self.deliver_many(newest_first, announce=False, older=True)
        stored = [m for m in saved if m is not None]
        self.bus.publish(ev.HistoryFetched(self.account, conversation, len(stored), page.complete))
        return len(stored)

    async def sync_archive(self, archive: str | None = None, *, short_gap: bool = False) -> int:
        """Catch up with ``archive`` (default: the account's own) from the stored position."""
        if self.archive is None or self.state != ConnectionState.CONNECTED:
            return 0
        archive = archive or self.account
        key = f"archive-time:{self.account}:{archive}"
        since_text = self.store.get_setting(key)
        position = self.store.archive_position(self.account, archive)
        try:
            newest, stamp, count = await self.archive.catch_up(
                archive,
                position,
                datetime.fromisoformat(since_text) if since_text else None,
                both_ends=not short_gap,
            )
        except Exception as exc:  # IqError, IqTimeout, a dropped stream: try again next time
            log.warning("%s: archive catch-up of %s failed: %s", self.account, archive, exc)
            self.sync_failures.append(f"catch-up of {archive} failed: {failure_words(exc)}")
            self.bus.publish(ev.ErrorReported(self.account, f"archive catch-up failed: {exc}"))
            return 0
        if newest and newest != position:
            self.store.set_archive_position(self.account, archive, newest)
        if stamp:
            self.store.set_setting(key, stamp.isoformat())
        return count

    async def _on_session_resumed(self, _event: Any) -> None:
        self.backoff.reset()
        self._set_state(ConnectionState.CONNECTED, "", resumed=True)
        self._release_held()
        self.synced.set()
        self.flush_outbox(resend_sent=False)  # slixmpp re-sent what the server had not acked
        self.ready = self.state == ConnectionState.CONNECTED  # it may have dropped meanwhile
        await self._run_hooks(resumed=True)

    async def _run_hooks(self, resumed: bool) -> None:
        for hook in self.hooks:
            try:
                result = hook(self, resumed)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("%s: session hook failed", self.account)

    # -- own presence ---------------------------------------------------------------------------

    def _presence_args(self) -> dict[str, str]:
        show = "" if self.show in (Show.ONLINE, Show.OFFLINE) else self.show.value
        return {key: value for key, value in (("pshow", show), ("pstatus", self.status)) if value}

    def set_presence(self, show: Show, status: str) -> None:
        """Set our presence now (when connected) and after every reconnect (so the status
        loses what XMPP cannot carry: one ESC would close every stream)."""
        status = sendable.clean(status).text
        self.show, self.status = show, status
        if self.state == ConnectionState.CONNECTED:
            self.client.send_presence(**self._presence_args())
        self.bus.publish(ev.OwnPresenceChanged(self.account, show, status))

    # -- messages ---------------------------------------------------------------------------------

    def queue_outgoing(
        self,
        conversation: str,
        body: str,
        *,
        kind: ConversationKind = ConversationKind.CHAT,
        sender: str | None = None,
        nick: str | None = None,
    ) -> Message:
        """Store a message we are about to send as pending (one fresh id serves as message id
        and origin-id), announce it, and return the stored row; sending is the caller's.
        A body XMPP cannot carry raises :class:`tuichat.sendable.Unsendable`, storing nothing."""
        sendable.check(body)
        stable = str(uuid.uuid4())
        full = f"{self.account}/{self.config.resource}" if self.config.resource else self.account
        stored = self.store.save_message(
            Message(
                account=self.account,
                conversation=conversation,
                direction=Direction.OUT,
                sender=sender or full,
                body=body,
                kind=kind,
                state=MessageState.PENDING,
                origin_id=stable,
                message_id=stable,
                nick=nick,
            )
        )
        if stored is None:  # cannot happen with a fresh uuid; never lose a message silently
            raise ClientError("the message could not be stored")
        self.bus.publish(ev.MessageQueued(self.account, stored))
        return stored

    def deliver(self, message: Message) -> None:
        """Take a received message: stored and published soon after (see :meth:`deliver_live`),
        or held while a fresh stream catches up."""
        if self._held is not None:
            self._held.append(message)
            return
        self.deliver_live(message)

    def deliver_live(self, message: Message, then: Then | None = None) -> None:
        """Store a live message in one transaction with the others of its frame, then publish
        them in order (:class:`LiveBatch`); ``then(stored)`` runs once it is stored."""
        self._live.add(message, then)

    def _release_held(self) -> None:
        """Store what arrived live during the catch-up, after it: the archive copies came first,
        in the archive's order, so these are mostly duplicates and the rest are newer."""
        held, self._held = self._held or [], None
        if held:
            self.deliver_many(held)

    def deliver_many(
        self, messages: Sequence[Message], *, announce: bool = True, older: bool = False
    ) -> list[Message | None]:
        """Store a batch in one transaction and publish what is new or newly acknowledged.

        Live messages still waiting for their batch are stored first, so the order holds.
        A duplicate that acknowledges one of our outgoing messages (its archive or carbon copy
        carries the server's stanza-id) moves that message to ``acked``.
        """
        self._live.flush()
        return self._save_and_publish(messages, announce=announce, older=older)

    def _save_and_publish(
        self, messages: Sequence[Message], *, announce: bool = True, older: bool = False
    ) -> list[Message | None]:
        outcomes = self.store.save_outcomes(messages, older=older)
        for outcome in outcomes:
            if outcome.stored is not None and announce:
                self.bus.publish(ev.MessageReceived(self.account, outcome.stored))
            elif outcome.updated and outcome.existing is not None:
                row = outcome.existing
                if row.id is not None and row.message_id is not None:
                    self._inflight.pop(row.message_id, None)
                    self.bus.publish(
                        ev.MessageStateChanged(self.account, row.id, row.conversation, row.state)
                    )
        return [o.stored for o in outcomes]

    def _on_message(self, stanza: Any) -> None:
        env = parse.envelope(stanza)
        message = self._chat_message(env, self.account, now=utcnow())
        if message is not None:
            self.deliver(message)
        elif not env.body and env.type == "chat" and env.from_:
            state = stanza.xml.find("{http://jabber.org/protocol/chatstates}*")
            if state is not None:
                name = state.tag.rpartition("}")[2]
                if name in ChatState._value2member_map_:
                    self.bus.publish(ev.ChatStateChanged(self.account, env.from_, ChatState(name)))

    def _on_carbon(self, stanza: Any) -> None:
        if not parse.is_from_own_account(str(stanza["from"]), self.account):
            log.warning("%s: dropped a carbon forged by %s", self.account, stanza["from"])
            return
        received = stanza.xml.find("{urn:xmpp:carbons:2}received") is not None
        inner = stanza["carbon_received"] if received else stanza["carbon_sent"]
        message = self._chat_message(parse.envelope(inner), self.account, now=utcnow())
        if message is not None:
            self.deliver(message)

    def send(self, message: Message) -> None:
        """Put a stored outgoing message on the wire (marks it sent)."""
        if message.id is None or message.message_id is None:
            raise ValueError("only stored messages with an id can be sent")
        stanza = self.client.make_message(
            mto=message.conversation, mbody=message.body, mtype="chat"
        )
        stanza["id"] = message.message_id
        if message.origin_id:
            stanza["origin_id"]["id"] = message.origin_id
        stanza["request_receipt"] = True
        stanza["chat_state"] = "active"
        self._inflight[message.message_id] = (message.id, message.conversation)
        self.outbox_watch.sent(message.message_id, message.id)
        stanza.send()
        # Ask for an ack right behind the message, through the same queue: slixmpp's own
        # request (every `window` stanzas) is written before the stanza that triggered it.
        self.client.send(_ACK_REQUEST, use_filters=False)
        if message.state != MessageState.SENT:
            self._update(message.id, message.conversation, MessageState.SENT)

    def flush_outbox(self, *, resend_sent: bool) -> None:
        """Send every pending message (and, on a fresh session, every unacked one) in order."""
        if self.state != ConnectionState.CONNECTED:
            return
        for message in self.store.outbox(self.account):
            if message.direction != Direction.OUT or message.message_id in self._inflight:
                continue  # sent on this very stream: its ack is still coming
            if message.kind is ConversationKind.GROUPCHAT:
                continue  # the room feature sends these once it has (re)joined the room
            if message.state == MessageState.PENDING or resend_sent:
                self.send(message)

    def _on_acked(self, stanza: Any) -> None:
        if stanza.name == "message":
            self.outbox_watch.acked(stanza["id"])
        entry = self._inflight.pop(stanza["id"], None) if stanza.name == "message" else None
        if entry is not None:
            self._update(entry[0], entry[1], MessageState.ACKED)

    def _update(self, row: int, conversation: str, state: MessageState) -> None:
        self.store.update_state(row, state)
        self.bus.publish(ev.MessageStateChanged(self.account, row, conversation, state))


# slixmpp event name → Session method; every string the session listens to, reviewed in one place.
_HANDLERS: dict[str, str] = {
    "connection_failed": "_on_connection_failed",
    "ssl_invalid_chain": "_on_invalid_cert",
    "failed_all_auth": "_on_auth_failed",
    "stream_error": "_on_stream_error",
    "disconnected": "_on_disconnected",
    "session_start": "_on_session_start",
    "session_resumed": "_on_session_resumed",
    "message": "_on_message",
    "carbon_received": "_on_carbon",
    "carbon_sent": "_on_carbon",
    "stanza_acked": "_on_acked",
}
