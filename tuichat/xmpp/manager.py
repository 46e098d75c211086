"""Provides :class:`ConnectionManager`: every enabled account's session, behind one interface.

It implements :class:`tuichat.client.ChatClient`, so the UI and the headless commands share
one code path. It runs on the caller's asyncio loop (Textual's, or ``asyncio.run`` in the
CLI): no thread, no second loop, never slixmpp's ``process()``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat import events as ev
from tuichat.avatars import MAX_BYTES as MAX_AVATAR_BYTES
from tuichat.bus import EventBus
from tuichat.certificates import BadFingerprint, parse_fingerprint
from tuichat.client import FormFiller, Report
from tuichat.config import AccountConfig
from tuichat.errors import ClientError, NotConnected
from tuichat.file_crypto import is_encrypted_url
from tuichat.files import Attachment
from tuichat.model import (
    JID,
    ConnectionState,
    ContactInfo,
    Device,
    Encryption,
    InvalidJID,
    Message,
    Show,
    Trust,
    normal_fingerprint,
)
from tuichat.store import Store
from tuichat.xmpp import (
    library,  # noqa: F401  # first: slixmpp without pygments
    reading,
)
from tuichat.xmpp.actions_api import ActionRequests
from tuichat.xmpp.backoff import FOREVER, RetryPolicy
from tuichat.xmpp.commands_api import CommandRequests
from tuichat.xmpp.errors import map_exceptions
from tuichat.xmpp.features import roster
from tuichat.xmpp.features.blocking import Blocklist
from tuichat.xmpp.gateways_api import GatewayRequests
from tuichat.xmpp.omemo import stage as e2e
from tuichat.xmpp.rooms_api import RoomRequests
from tuichat.xmpp.services_api import ServiceRequests
from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from tuichat.xmpp.omemo.engine import OmemoEngine


class ConnectionManager(
    RoomRequests, ServiceRequests, GatewayRequests, CommandRequests, ActionRequests
):
    """Accounts → sessions; the requests the UI makes, and the events it listens to."""

    def __init__(
        self,
        accounts: Sequence[AccountConfig],
        store: Store,
        bus: EventBus,
        *,
        archive_depth: int = 10_000,
        retry: RetryPolicy = FOREVER,
    ) -> None:
        self.bus = bus
        self.store = store
        self.archive_depth = archive_depth
        self.retry = retry
        """Each session's retry policy: for ever in the app, a few quick tries headless."""
        self.started = False
        self.sessions: dict[str, Session] = {
            a.jid: self._new_session(a) for a in accounts if a.enabled
        }

    def _new_session(self, account: AccountConfig) -> Session:
        return Session(
            account, self.store, self.bus, archive_depth=self.archive_depth, retry=self.retry
        )

    @property
    def accounts(self) -> tuple[str, ...]:
        """Bare JIDs of the enabled accounts, in config order."""
        return tuple(self.sessions)

    def session(self, account: str) -> Session:
        """The session of ``account`` (raises :class:`ClientError` for an unknown account)."""
        try:
            return self.sessions[str(JID.parse(account).bare)]
        except KeyError:
            raise ClientError(f"{account} is not a configured, enabled account") from None

    def state(self, account: str) -> tuple[ConnectionState, str]:
        """The account's connection state and the last reason in words."""
        session = self.session(account)
        return session.state, session.reason

    async def start(self) -> None:
        """Start connecting every account (returns once each has begun)."""
        self.started = True
        await asyncio.gather(*(s.start() for s in self.sessions.values()))

    async def apply_accounts(self, accounts: Sequence[AccountConfig]) -> None:
        """Follow an edited config: connect new or re-enabled accounts, disconnect removed or
        disabled ones, and reconnect those whose connection settings changed. Accounts whose
        changes are local (mute, bell, notify) keep their connection."""
        wanted = {a.jid: a for a in accounts if a.enabled}
        gone = []
        for jid, session in self.sessions.items():
            new = wanted.get(jid)
            if new is not None and new.connects_like(session.config):
                session.config = new  # a local setting (mute, bell…): keep the connection
            else:
                gone.append(session)
        for session in gone:
            del self.sessions[session.account]
        await asyncio.gather(*(s.stop() for s in gone))
        fresh = [self._new_session(a) for jid, a in wanted.items() if jid not in self.sessions]
        for session in fresh:
            self.sessions[session.account] = session
        # Keep config order for `accounts`.
        self.sessions = {jid: self.sessions[jid] for jid in wanted if jid in self.sessions}
        if self.started:
            await asyncio.gather(*(s.start() for s in fresh))

    async def contact_info(self, account: str, jid: str) -> ContactInfo:
        """What ``jid`` tells about itself: vCard, clients, last visit."""
        from tuichat.xmpp.contact_info import contact_info

        session = self._connected(account)
        try:
            target = JID.parse(jid)
        except InvalidJID:
            raise ClientError(f"not a JID: {jid!r}") from None
        return await contact_info(session.client, target)

    # -- files (XEP-0363) ------------------------------------------------------------------------

    async def upload_file(self, account: str, path: str, *, encrypt: bool = False) -> Attachment:
        """Upload the file at ``path`` (encrypted when ``encrypt``: XEP-0454); the shared file
        once it is up."""
        session = self._connected(account)
        if session.uploads is None:
            raise ClientError("file upload is not available on this connection")
        _upload, task = session.uploads.start(Path(path).expanduser(), encrypt=encrypt)
        try:
            return await task
        except asyncio.CancelledError:
            if task.cancelled():  # the user's cancel_upload, not our caller going away
                raise ClientError(f"the upload of {Path(path).name} was cancelled") from None
            raise

    def cancel_upload(self, account: str, upload: str) -> bool:
        """Stop the running upload ``upload``; whether there was one."""
        session = self.session(account)
        return session.uploads is not None and session.uploads.cancel(upload)

    async def publish_avatar(self, account: str, path: str) -> str:
        """Publish the picture at ``path`` as our avatar (XEP-0084); its SHA-1."""
        session = self._connected(account)
        if session.avatars is None:
            raise ClientError("avatars are not available on this connection")
        file = Path(path).expanduser()
        try:
            with file.open("rb") as handle:  # never more than the cap and one byte
                data = await asyncio.to_thread(handle.read, MAX_AVATAR_BYTES + 1)
        except OSError as exc:
            raise ClientError(f"cannot read {file}: {exc.strerror or exc}") from None
        return await session.avatars.publish(data)

    async def share_file(
        self, account: str, to: str, attachment: Attachment, *, encryption: Encryption | None = None
    ) -> Message:
        """Send an uploaded file to ``to`` (a contact, a room, or ``room/nick``) as a message
        whose body is its address; queued in the outbox as every message is. It travels as the
        conversation sends (or as ``encryption`` says): in the clear announced out of band
        (XEP-0066), or OMEMO-encrypted with its ``aesgcm://`` link as the text (XEP-0454, the
        Sender's OOB step leaves it alone). A plain file in an encrypted conversation, or an
        encrypted one (its link holds the key) anywhere else, is refused in words."""
        session = self.session(account)
        try:
            jid = JID.parse(to)
        except InvalidJID:
            raise ClientError(f"not a JID: {to!r}") from None
        bare = str(jid.bare)
        files = (attachment,)
        room = self._is_room(session, bare) and session.rooms is not None
        how = encryption or session.encryption(bare)
        _check_file_fits(attachment, how, bare, private=room and bool(jid.resource))
        if room and session.rooms is not None:
            if jid.resource:
                return session.rooms.queue_private_message(
                    bare, jid.resource, attachment.url, attachments=files
                )
            return session.rooms.queue_room_message(bare, attachment.url, how, attachments=files)
        return session.queue_outgoing(bare, attachment.url, encryption=how, attachments=files)

    async def save_file(self, account: str, attachment: Attachment) -> Path:
        """Fetch a received file (https only) into the downloads folder, never overwriting."""
        from tuichat.files import downloads_dir
        from tuichat.xmpp.features import download

        return await download.save(self.session(account), attachment, downloads_dir())

    async def fetch_preview(self, account: str, attachment: Attachment) -> bytes:
        """A picture for the log, fetched once into the private cache."""
        from tuichat.previews import PreviewCache, default_cache_dir
        from tuichat.xmpp.features import download

        cache = PreviewCache(default_cache_dir())
        return await download.fetch_preview(self.session(account), attachment, cache)

    # -- delivery and read state (chat markers, read sync, chat states) ---------------------

    def mark_read(self, account: str, conversation: str) -> None:
        """The user read ``conversation``: markers and read sync (the store's read marker is
        the caller's, which already moved it)."""
        reading.conversation_read(self.session(account), conversation)

    def draft_changed(self, account: str, conversation: str, *, empty: bool) -> None:
        """The user typed in ``conversation`` (``empty``: the draft is empty now)."""
        reading.draft_changed(self.session(account), conversation, empty=empty)

    # -- the block list (XEP-0191) -------------------------------------------------------------

    def _blocklist(self, account: str) -> Blocklist:
        blocklist = self._connected(account).blocklist
        if blocklist is None:
            raise ClientError("blocking is not available on this connection")
        return blocklist

    async def blocked(self, account: str) -> list[str]:
        """The JIDs the server blocks for ``account``, sorted."""
        return await self._blocklist(account).fetch()

    async def block(self, account: str, jid: str, report: Report | None = None) -> None:
        """Block ``jid`` (and report it as spam or abuse)."""
        await self._blocklist(account).block(jid, report)

    async def unblock(self, account: str, jid: str) -> None:
        """Unblock ``jid``."""
        await self._blocklist(account).unblock(jid)

    # -- end-to-end encryption (OMEMO) ---------------------------------------------------------

    async def _engine(self, account: str) -> OmemoEngine:
        """The OMEMO engine of a connected ``account`` (raises saying why there is none)."""
        session = self.session(account)
        if not session.config.omemo:
            raise ClientError(f"OMEMO is off for {session.account} (omemo = false in the config)")
        if session.state != ConnectionState.CONNECTED:
            raise NotConnected(f"{session.account} is not connected")
        engine = await e2e.loaded(session)
        assert engine is not None
        return engine

    async def own_device(self, account: str) -> Device:
        """This installation's OMEMO device for ``account``."""
        engine = await self._engine(account)
        with map_exceptions("read our OMEMO device"):
            return await engine.own_device()

    async def devices(self, account: str, jid: str) -> list[Device]:
        """The OMEMO devices of ``jid`` (fetched from its server)."""
        engine = await self._engine(account)
        bare = str(JID.parse(jid).bare)
        with map_exceptions(f"fetch the OMEMO devices of {bare}"):
            return await engine.devices(bare)

    async def set_trust(self, account: str, jid: str, fingerprint: str, trust: Trust) -> None:
        """Verify or distrust one of ``jid``'s devices; held messages and placeholders are
        tried again."""
        if trust not in (Trust.VERIFIED, Trust.DISTRUSTED):
            raise ClientError("a device can only be verified or distrusted")
        try:
            wanted = normal_fingerprint(fingerprint)
        except ValueError as exc:
            raise ClientError(str(exc)) from None
        engine = await self._engine(account)
        bare = str(JID.parse(jid).bare)
        with map_exceptions(f"set trust in a device of {bare}"):
            await engine.set_trust(bare, wanted, trust)
        self.session(account).sender.release()
        await engine.retry()

    def encryption(self, account: str, conversation: str) -> Encryption:
        """How ``conversation`` sends now."""
        return self.session(account).encryption(str(JID.parse(conversation).bare))

    async def set_encryption(self, account: str, conversation: str, encryption: Encryption) -> None:
        """Set how ``conversation`` sends (remembered in the store)."""
        session = self.session(account)
        bare = str(JID.parse(conversation).bare)
        if encryption is Encryption.OMEMO and not session.config.omemo:
            raise ClientError(f"OMEMO is off for {session.account} (omemo = false in the config)")
        if encryption is Encryption.OMEMO and session.rooms and self._is_room(session, bare):
            why = await session.rooms.members.check(bare)  # members-only and non-anonymous?
            if why is not None:
                raise ClientError(why)
        self.store.set_conversation_encryption(session.account, bare, encryption.value)
        self.bus.publish(ev.EncryptionChanged(session.account, bare, encryption))
        session.sender.release()

    @staticmethod
    def _is_room(session: Session, jid: str) -> bool:
        return session.rooms is not None and session.rooms.knows(jid)

    async def register_account(
        self, account: AccountConfig, password: str, fill: FormFiller | None = None
    ) -> None:
        """Create ``account`` on its server (XEP-0077, over TLS only; ``fill`` answers the
        server's extra fields); raises ClientError."""
        from tuichat.xmpp.register import register_account

        await register_account(
            account.jid,
            password,
            host=account.host,
            port=account.port,
            tls=account.tls,
            ca_file=account.ca_file,
            fill=fill,
        )

    async def reconnect(self, account: str) -> None:
        """Connect ``account`` again now: skip the wait before a scheduled retry, or try again
        after a failure that stopped the retries (a fixed password, a trusted certificate)."""
        session = self.session(account)
        if session.state == ConnectionState.CONNECTED:
            return
        await session.stop()
        await session.start()

    async def trust_certificate(self, account: str, fingerprint: str) -> None:
        """Trust the certificate ``fingerprint`` for ``account`` for this run, and connect again
        (pinned: it alone is accepted; another one is refused). Raises :class:`ClientError` for
        a malformed fingerprint or an account whose config pins another certificate."""
        session = self.session(account)
        try:
            pin = parse_fingerprint(fingerprint)
        except BadFingerprint as exc:
            raise ClientError(f"cannot trust the certificate: {exc}") from None
        pinned = session.config.cert_fingerprint
        if pinned is not None and pinned != pin:
            raise ClientError(
                f"{session.account} pins another certificate ({pinned}); change cert_fingerprint "
                "in the config instead"
            )
        session.certificates.trusted_once = pin
        await self.reconnect(account)

    async def stop(self) -> None:
        """Disconnect every account cleanly."""
        await asyncio.gather(*(s.stop() for s in self.sessions.values()))

    async def wait_connected(self, timeout: float) -> dict[str, ConnectionState]:
        """Wait until every account is connected or failed for good, or ``timeout`` passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            states = [s.state for s in self.sessions.values()]
            if all(st == ConnectionState.CONNECTED or st.is_terminal for st in states):
                break
            if any(st == ConnectionState.FAILED for st in states):
                break
            await asyncio.sleep(0.05)
        return {a: s.state for a, s in self.sessions.items()}

    async def send_message(
        self, account: str, to: str, body: str, *, encryption: Encryption | None = None
    ) -> Message:
        """Store ``body`` as pending, then send it if connected; return the stored message.

        It travels as the conversation sends (:meth:`encryption`), or as ``encryption`` says
        (the CLI's ``--encrypt``/``--no-encrypt``). An encrypted message never goes out in
        plaintext: if it cannot be encrypted it waits in the outbox (``EncryptionHeld``)."""
        session = self.session(account)
        bare = str(JID.parse(to).bare)
        if encryption is Encryption.OMEMO and not session.config.omemo:
            raise ClientError(f"OMEMO is off for {session.account} (omemo = false in the config)")
        if encryption is None and session.config.omemo:
            await self._first_look(session, bare)
        how = encryption or session.encryption(bare)
        return session.queue_outgoing(bare, body, encryption=how)

    async def _first_look(self, session: Session, bare: str) -> None:
        """A conversation whose encryption was never decided: a contact who publishes OMEMO
        devices gets encrypted messages from now on (like Conversations)."""
        if self.store.conversation_encryption(session.account, bare):
            return
        if session.state == ConnectionState.CONNECTED and not self._is_room(session, bare):
            try:
                engine = await e2e.loaded(session)
                if engine is not None:
                    await engine.devices(bare)
            except Exception as exc:  # no device list, a server that refuses: what we know
                log.info("%s: no OMEMO devices of %s fetched: %r", session.account, bare, exc)
        if session.encryption(bare) is Encryption.OMEMO:
            self.store.set_conversation_encryption(session.account, bare, Encryption.OMEMO.value)
            self.bus.publish(ev.EncryptionChanged(session.account, bare, Encryption.OMEMO))

    async def fetch_older(self, account: str, conversation: str, limit: int = 100) -> int:
        """Backfill a conversation from the server archive (see ``mam.fetch_older``)."""
        from tuichat.xmpp.features.mam import fetch_older

        bare = str(JID.parse(conversation).bare)
        with map_exceptions(f"fetch older history of {bare}"):
            return await fetch_older(self.session(account), bare, limit)

    async def set_presence(self, account: str | None, show: Show, status: str = "") -> None:
        """Set our presence on one account or all."""
        targets = [self.session(account)] if account else list(self.sessions.values())
        for session in targets:
            session.set_presence(show, status)

    def _connected(self, account: str) -> Session:
        session = self.session(account)
        if session.state != ConnectionState.CONNECTED:
            raise NotConnected(f"{session.account} is not connected")
        return session

    async def add_contact(
        self, account: str, jid: str, name: str = "", groups: tuple[str, ...] = ()
    ) -> None:
        """Add ``jid`` to the roster (in ``groups``) and ask for their presence."""
        session = self._connected(account)
        bare = str(JID.parse(jid).bare)
        kept = {"groups": list(groups)} if groups else {}  # adding again keeps its groups
        with map_exceptions(f"add {bare}"):
            await session.client.update_roster(bare, name=name or None, **kept)
        session.client.send_presence(pto=bare, ptype="subscribe")

    async def remove_contact(self, account: str, jid: str) -> None:
        """Remove ``jid`` from the roster (the server cancels both subscriptions)."""
        session = self._connected(account)
        bare = str(JID.parse(jid).bare)
        with map_exceptions(f"remove {bare}"):
            await session.client.del_roster_item(bare)

    async def update_contact(
        self, account: str, jid: str, name: str | None = None, groups: tuple[str, ...] | None = None
    ) -> None:
        """Rename a contact or move it between groups."""
        session = self._connected(account)
        bare = str(JID.parse(jid).bare)
        item = session.client.client_roster[bare]
        with map_exceptions(f"change {bare}"):
            await session.client.update_roster(
                bare,
                name=item["name"] if name is None else name,
                groups=list(item["groups"]) if groups is None else list(groups),
            )

    async def answer_subscription(self, account: str, jid: str, accept: bool) -> None:
        """Accept (and ask back) or deny someone's request to see our presence."""
        session = self._connected(account)
        bare = str(JID.parse(jid).bare)
        if not accept:
            session.client.send_presence(pto=bare, ptype="unsubscribed")
            return
        roster.accept_subscription(session.client, bare)


def _check_file_fits(attachment: Attachment, how: Encryption, bare: str, *, private: bool) -> None:
    """Refuse, in words, a file that would not travel as the conversation sends: a plain one in
    an encrypted conversation, an encrypted one (its link holds its key) in the clear, any in
    an encrypted room's private messages (never encrypted)."""
    encrypted = is_encrypted_url(attachment.url)
    if private and (encrypted or how is Encryption.OMEMO):
        raise ClientError(
            f"private messages in {bare} are not encrypted, and its files must be: not sent"
        )
    if encrypted and how is not Encryption.OMEMO:
        raise ClientError(
            f"{attachment.name} was encrypted for an encrypted conversation, and the one with "
            f"{bare} sends in the clear: not sent (its link holds its key)"
        )
    if how is Encryption.OMEMO and not encrypted:
        raise ClientError(
            f"the conversation with {bare} is encrypted, and {attachment.name} was uploaded "
            "unencrypted: not sent"
        )
