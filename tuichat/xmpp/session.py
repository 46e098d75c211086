"""Provides :class:`Session`: one account's slixmpp client, as a thin shell around the rules.

The session turns slixmpp's string-named events into typed calls (one reviewed table for the
session and its features, :mod:`tuichat.xmpp.handlers`), asks the pure functions in
:mod:`tuichat.xmpp.parse` what a stanza means, stores what it learns and publishes events. It
owns the reconnect loop (:class:`Backoff`). Every message we send is stored first, then
follows one life cycle (:class:`Sender`, around the pure :mod:`tuichat.xmpp.outbox` machine),
whatever the conversation: the session only reports to it what happened (ready, acked,
bounced, the stream lost or resumed).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat import sendable
from tuichat.actions import Marks
from tuichat.bus import EventBus
from tuichat.config import AccountConfig, PasswordError, resolve_password
from tuichat.errors import ClientError
from tuichat.model import (
    ChatState,
    ConnectionState,
    ConversationKind,
    Direction,
    Encryption,
    Message,
    MessageState,
    Show,
    utcnow,
)
from tuichat.store import Store
from tuichat.xmpp import connect, handlers, parse
from tuichat.xmpp.backoff import FOREVER, Backoff, RetryPolicy
from tuichat.xmpp.certificate_trust import CertificateTrust
from tuichat.xmpp.credentials import preflight
from tuichat.xmpp.errors import (
    describe_connect_error,
    is_certificate_error,
)
from tuichat.xmpp.features import FEATURES, muc_services, roster
from tuichat.xmpp.features.mam import ArchiveSync, failure_words
from tuichat.xmpp.features.message_actions import MessageActions, add_reply
from tuichat.xmpp.live_batch import ArrivalOrder, LiveBatch, Then, report_failure
from tuichat.xmpp.omemo import stage as e2e
from tuichat.xmpp.omemo.rules import SealedMessage
from tuichat.xmpp.sending import Sender

if TYPE_CHECKING:
    from tuichat.files import Attachment
    from tuichat.store.omemo import KeyWrites
    from tuichat.xmpp.features.avatars import Avatars
    from tuichat.xmpp.features.blocking import Blocklist
    from tuichat.xmpp.features.chat_states import ChatStates
    from tuichat.xmpp.features.disco import Disco
    from tuichat.xmpp.features.gateway import Gateways
    from tuichat.xmpp.features.muc import Rooms
    from tuichat.xmpp.features.pubsub import Feeds
    from tuichat.xmpp.features.read_sync import ReadSync
    from tuichat.xmpp.features.receipts import Receipts
    from tuichat.xmpp.features.roster import Roster
    from tuichat.xmpp.features.upload import Uploads
    from tuichat.xmpp.omemo.engine import OmemoEngine
    from tuichat.xmpp.pacing import ReadPacer

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
    "xep_0050",  # ad-hoc commands (we run other entities' commands)
)


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
        """How many messages a first sync fetches; older ones come on demand
        (:func:`tuichat.xmpp.features.mam.fetch_older`)."""
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
        self._live = LiveBatch(self._save_and_publish)  # a frame's live messages, stored together
        self._arrivals = ArrivalOrder()
        self.sender = Sender(self)
        """Every outgoing message's life cycle (queued, written, acked, bounced, set aside)."""
        self.sender.steps.insert(0, add_reply)  # before any step that encrypts the body
        self.actions = MessageActions(self)
        """Corrections, retractions, reactions, replies we send (applied here as received)."""
        self.connected = asyncio.Event()
        self.show = Show.ONLINE
        self.status = ""
        self.features = tuple(FEATURES if features is None else features)
        """Installers run on each new client (``install(session)``): room support and so on."""
        self.roster: Roster | None = None
        """The roster and contacts' presence (installed on every client)."""
        self.rooms: Rooms | None = None
        """Group chat, when the room feature is installed."""
        self.blocklist: Blocklist | None = None
        """The JIDs the server blocks for us (XEP-0191), when installed."""
        self.uploads: Uploads | None = None
        """File uploads (XEP-0363), when installed."""
        self.disco: Disco | None = None
        """Service discovery, cached for the stream (installed on every client)."""
        self.feeds: Feeds | None = None
        """PubSub feeds: reads, subscriptions, notifications (installed on every client)."""
        self.gateways: Gateways | None = None
        """Gateways: contacts' networks and registration, when the feature is installed."""
        self.pacer: ReadPacer | None = None
        """Big network reads fed to slixmpp a slice per loop turn, when installed."""
        self.certificates = CertificateTrust(self, self._fail)
        """The pin in force, the checks before login, and what to do with an untrusted one."""
        self.omemo: OmemoEngine | None = None
        """End-to-end encryption, for an account with ``omemo`` on, built when first needed
        (``stage.needed_at_start``, ``stage.loaded``): its import is heavy."""
        self.omemo_loading: asyncio.Future[OmemoEngine] | None = None
        """The engine being loaded on the current client."""
        self.on_live_stored = self._live.listeners
        """Run with ``(message, stored copy or None)`` once each live message is stored."""
        self.on_started: list[Callable[[bool], Awaitable[object]]] = []
        """Run (``resumed``) after a session start, once caught up (read sync's catch-up)."""
        self.receipts: Receipts | None = None
        """Delivery receipts and chat markers (XEP-0184, XEP-0333), when installed."""
        self.read_sync: ReadSync | None = None
        """Read state shared with our other devices (XEP-0490), when installed."""
        self.chat_states: ChatStates | None = None
        """Our typing notifications (XEP-0085), when installed."""
        self.avatars: Avatars | None = None
        """Contacts' avatars (XEP-0084), when installed."""

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
        self.certificates.secure(self.client, self._on_plain_stream)
        connect.on_starttls_refused(self.client, self._on_starttls_refused)
        self.archive = ArchiveSync(
            self.client,
            self.account,
            self.deliver_batch,
            self.bus.publish,
            initial_depth=self.archive_depth,
            to_message=self._chat_message,
        )
        self.roster = roster.install(self)
        self.omemo_loading = None  # OMEMO loads on this client once connected (e2e.loaded)
        for install in self.features:
            install(self)
        e2e.add_step(self)  # last: the features' steps write what it seals
        handlers.register(self)  # every slixmpp event the session and its features follow
        self.sender.restore()  # what an earlier run left in the outbox
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
        if not self.state.is_terminal:
            self._set_state(ConnectionState.DISCONNECTED, "disconnected")

    def _set_state(
        self, state: ConnectionState, reason: str = "", resumed: bool = False, logged: str = ""
    ) -> None:
        """Publish a new state; ``logged`` replaces a ``reason`` that must not reach the log."""
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
            self.certificates.on_untrusted(error)
            return
        where = connect.where(*self._address(), self.account)
        self._schedule_reconnect(describe_connect_error(error, where))

    def _on_auth_failed(self, _event: Any) -> None:
        self._fail(ConnectionState.AUTH_FAILED, "the server rejected the JID or password")

    def _on_stream_error(self, error: Any) -> None:
        self.sender.stream_error(str(error["condition"] or ""), str(error["text"] or ""))

    def _on_disconnected(self, reason: Any) -> None:
        self.connected.clear()
        self.sender.stream_lost()
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
        self.sync_failures.clear()
        self.sender.fresh_stream()  # nothing written to the old stream will be acked on this one
        if self.rooms is not None:
            self.rooms.on_fresh_stream()  # the server forgot our rooms; so do we
        self._set_state(ConnectionState.CONNECTED, "", resumed=False)  # at once: the rest waits
        try:
            await self.client.get_roster()
        except Exception as exc:
            log.warning("%s: roster fetch failed: %s", self.account, exc)
        if self.roster is not None:
            self.roster.publish()
        if self.muc_services is None and self.disco is not None:
            self.muc_services = await muc_services.group_chat_services(self.disco, self.account)
        try:
            await self.client.plugin["xep_0280"].enable()
        except Exception as exc:
            log.warning("%s: carbons not enabled: %s", self.account, exc)
        await e2e.before_catch_up(self)
        await self.sync_archive()
        self.client.send_presence(**self.presence_args())
        await self.sync_archive(short_gap=True)
        await e2e.after_catch_up(self)
        await self._release_held()
        if self.state == ConnectionState.CONNECTED:  # it may have dropped meanwhile
            self.sender.ready()
        await self._run_hooks(resumed=False)
        self.synced.set()

    def _chat_message(self, env: parse.Envelope, account: str, **kwargs: Any) -> Message | None:
        """:func:`parse.chat_message` with the rooms we know, asked only when it matters. An
        encrypted message comes sealed, to be decrypted by :meth:`deliver_batch` (with OMEMO
        off: a placeholder, never the sender's fallback text)."""
        rooms = muc_services.known_rooms(self) if env.muc_user else ()
        message = parse.chat_message(env, account, rooms=rooms, **kwargs)
        return e2e.sealed(self, message, env)

    async def sync_archive(self, archive: str | None = None, *, short_gap: bool = False) -> int:
        """Catch up with ``archive`` (default: the account's own) from the stored position."""
        if self.archive is None or self.state != ConnectionState.CONNECTED:
            return 0
        archive = archive or self.account
        if archive == self.account:  # what came live since the last one is before this gap
            held = (c.last_timestamp for c in self.store.conversations(self.account))
            self.archive.hold_floor(archive, held)
        try:
            return await self.archive.sync(self.store, archive, both_ends=not short_gap)
        except Exception as exc:  # IqError, IqTimeout, a dropped stream: try again next time
            log.warning("%s: archive catch-up of %s failed: %s", self.account, archive, exc)
            self.sync_failures.append(f"catch-up of {archive} failed: {failure_words(exc)}")
            self.bus.publish(ev.ErrorReported(self.account, f"archive catch-up failed: {exc}"))
            return 0

    async def _on_session_resumed(self, _event: Any) -> None:
        self.backoff.reset()
        self._set_state(ConnectionState.CONNECTED, "", resumed=True)
        await self._release_held()
        self.synced.set()
        if self.state == ConnectionState.CONNECTED:  # it may have dropped meanwhile
            self.sender.resumed()  # slixmpp wrote again what the server had not acked
        await self._run_hooks(resumed=True)

    async def _run_hooks(self, resumed: bool) -> None:
        """After a session start: the features' own start work (rooms rejoin, self-ping)."""
        for hook in self.on_started:  # one feature's failure must not stop the session
            try:
                await hook(resumed)
            except Exception:
                log.exception("%s: a feature failed to start", self.account)
        if self.rooms is None:
            return
        try:
            await self.rooms.started(resumed)
        except Exception:  # one feature's failure must not stop the session
            log.exception("%s: the room feature failed to start", self.account)

    # -- own presence ---------------------------------------------------------------------------

    def presence_args(self) -> dict[str, str]:
        """Our presence as ``send_presence`` arguments (to the server, and to rooms)."""
        return roster.presence_args(self.show, self.status)

    def set_presence(self, show: Show, status: str) -> None:
        """Set our presence now (when connected) and after every reconnect (so the status
        loses what XMPP cannot carry: one ESC would close every stream)."""
        status = sendable.clean(status).text
        self.show, self.status = show, status
        if self.state == ConnectionState.CONNECTED:
            self.client.send_presence(**self.presence_args())
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
        encryption: Encryption = Encryption.NONE,
        marks: Marks | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> Message:
        """Store a message we are about to send as pending (one fresh id serves as message id
        and origin-id), announce it, hand it to the :class:`Sender`, and return the stored row.
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
                encryption=encryption,
                marks=marks,
                attachments=attachments,
            )
        )
        if stored is None:  # cannot happen with a fresh uuid; never lose a message silently
            raise ClientError("the message could not be stored")
        self.bus.publish(ev.MessageQueued(self.account, stored))
        self.sender.queue(stored)  # out as soon as the rules allow
        return stored

    def deliver(self, message: Message) -> None:
        """Take a received message: stored and published soon after (see :meth:`deliver_live`),
        or held while a fresh stream catches up. A sealed one is decrypted first."""
        message = self._arrivals.place(message)
        if self._held is not None:
            self._held.append(message)
        elif isinstance(message, SealedMessage):
            task = asyncio.ensure_future(self.deliver_batch([message]))
            task.add_done_callback(report_failure)
        else:
            self.deliver_live(message)

    def deliver_live(self, message: Message, then: Then | None = None) -> None:
        """Store a live message in one transaction with the others of its frame, then publish
        them in order (:class:`LiveBatch`); ``then(stored)`` runs once it is stored."""
        self._live.add(message, then)

    async def deliver_batch(
        self, messages: Sequence[Message], *, announce: bool = True, older: bool = False
    ) -> list[Message | None]:
        """:meth:`deliver_many`, with encrypted messages decrypted first (see
        :func:`tuichat.xmpp.omemo.stage.deliver_batch`)."""
        return await e2e.deliver_batch(self, messages, announce=announce, older=older)

    def encryption(self, conversation: str) -> Encryption:
        """How ``conversation`` sends now (see :mod:`tuichat.encryption_policy`)."""
        return e2e.encryption(self, conversation)

    @property
    def catching_up(self) -> bool:
        """A fresh stream is catching up (what arrives live is held until it is done)."""
        return self._held is not None

    async def _release_held(self) -> None:
        """Store what arrived live during the catch-up, after it: the archive copies came first,
        in the archive's order, so these are mostly duplicates and the rest are newer."""
        held, self._held = self._held or [], None
        if held:
            await e2e.deliver_held(self, held)

    def deliver_many(
        self,
        messages: Sequence[Message],
        *,
        announce: bool = True,
        older: bool = False,
        keys: KeyWrites | None = None,
        sealed: Sequence[str | None] = (),
    ) -> list[Message | None]:
        """Store a batch in one transaction and publish what is new or newly acknowledged.

        Live messages still waiting for their batch are stored first, so the order holds.
        A duplicate that acknowledges one of our outgoing messages (its archive or carbon copy
        carries the server's stanza-id) moves that message to ``acked``. ``keys``, ``sealed``:
        see :meth:`Store.save_outcomes`."""
        self._live.flush()
        return self._save_and_publish(
            messages, announce=announce, older=older, keys=keys, sealed=sealed
        )

    def _save_and_publish(
        self,
        messages: Sequence[Message],
        *,
        announce: bool = True,
        older: bool = False,
        keys: KeyWrites | None = None,
        sealed: Sequence[str | None] = (),
    ) -> list[Message | None]:
        outcomes = self.store.save_outcomes(messages, older=older, keys=keys, sealed=sealed)
        for outcome in outcomes:
            if outcome.changed is not None:  # an action applied (corrected, retracted…)
                self.bus.publish(ev.MessageChanged(self.account, outcome.changed))
            elif outcome.stored is not None and announce:
                self.bus.publish(ev.MessageReceived(self.account, outcome.stored))
            elif outcome.updated and outcome.existing is not None:
                row = outcome.existing
                if row.message_id is not None:
                    self.sender.copy_arrived(row.message_id)
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
