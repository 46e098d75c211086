"""Provides :class:`OmemoEngine`: one account's OMEMO 0.3 (XEP-0384) work on top of slixmpp-omemo.

Imported only when an account with OMEMO on starts its session (after the first frame):
``slixmpp_omemo`` is heavy. The engine owns:
- the plugin (:class:`TuichatOmemo`, a ``XEP_0384`` whose storage is the store, with BTBV and a
  trust prompt that never blocks: undecided devices are recorded and announced instead);
- one :class:`asyncio.Lock` around every encryption, decryption and trust change of the
  account (slixmpp runs handlers concurrently and the libraries take no lock);
- :meth:`open`: the decryption stage of every incoming path (live, carbons, archive), which
  dedupes before decrypting (a message key works once), and returns what to store together
  with the key writes;
- :meth:`encrypt`: the sending step (elements outside the encryption put back);
- the device, trust and retry requests the manager makes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from omemo.session_manager import NoEligibleDevices, SessionManager, StillUndecided
from omemo.types import DeviceInformation
from slixmpp import JID
from slixmpp.plugins.base import register_plugin
from slixmpp_omemo import XEP_0384

from tuichat import events as ev
from tuichat.errors import ClientError
from tuichat.model import ConversationKind, Device, Direction, Message, Trust
from tuichat.store import KeyWrites
from tuichat.xmpp import parse
from tuichat.xmpp.omemo import group, omemo2, repair, rules, stage
from tuichat.xmpp.omemo.deadlines import Deadlines, Deferred
from tuichat.xmpp.omemo.rules import SealedMessage
from tuichat.xmpp.omemo.storage import StoreStorage, spare_pre_key_work
from tuichat.xmpp.sending import Unwritable

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)


class TuichatOmemo(XEP_0384):
    """slixmpp-omemo with tuichat's storage and a trust prompt that never blocks."""

    name = "xep_0384"
    default_config = {**XEP_0384.default_config, "engine": None}  # noqa: RUF012

    @property
    def storage(self) -> StoreStorage:
        return self.engine.storage  # type: ignore[no-any-return]

    @property
    def _btbv_enabled(self) -> bool:
        return True

    async def _devices_blindly_trusted(
        self, blindly_trusted: frozenset[DeviceInformation], identifier: str | None
    ) -> None:
        await self.engine.blindly_trusted(blindly_trusted)

    async def _prompt_manual_trust(
        self, manually_trusted: frozenset[DeviceInformation], identifier: str | None
    ) -> None:
        await self.engine.undecided(manually_trusted)

    async def _on_device_list_update(self, msg: Any) -> None:
        jid = str(msg["from"].bare) or self.engine.account
        before = await self.engine.known_ids(jid)
        await super()._on_device_list_update(msg)
        await self.engine.device_list_published(jid, before)


@dataclass(frozen=True, slots=True)
class Opened:
    """What the decryption stage made of a batch: the messages to store (in order), the raw
    stanza to keep beside each placeholder, and the key writes to store with them."""

    messages: list[Message]
    sealed: list[str | None]
    keys: KeyWrites
    deferred: bool = False
    """A message could not be decrypted in time: it and those after it are not in
    ``messages`` (the batch must not count as done: an archive page is asked again)."""


class OmemoEngine:
    """OMEMO for one account's session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.account = session.account
        self.storage = StoreStorage(session.store, session.account)
        self.lock = asyncio.Lock()
        """Held around every encryption, decryption and trust change of the account."""
        self.waiting: dict[str, tuple[Device, ...]] = {}
        """Per JID, the devices whose trust waits for the user's decision."""
        self.listed: set[str] = set()
        """JIDs whose device list is cached (PEP keeps it current from then on)."""
        self.lazy = False
        """Built after its stream's start (at the first use): the device lists PEP sent at
        our presence never reached it, so each JID's is fetched before the first encryption."""
        self.plugin: Any = None
        self.announced: set[tuple[str, int]] = set()
        """The devices a ``DevicesChanged`` named in ``added`` (each is announced once)."""
        self._spared: SessionManager | None = None
        """The session manager whose backends remove a pre key once (``spare_pre_key_work``)."""
        self.healed: set[tuple[str, int]] = set()
        """The devices whose parted session ``repair.heal`` replaced this run."""
        self.deadlines = Deadlines()
        """Every operation that may wait for the server ends in time, or with the stream."""

    def install(self, client: Any) -> None:
        """Load the plugin on a new client (its identity is made and published at bind)."""
        register_plugin(TuichatOmemo)  # by name, process-wide: ours, whoever registered last
        client.register_plugin("xep_0384", {"engine": self})
        self.plugin = client.plugin["xep_0384"]

    async def manager(self) -> SessionManager:
        """The session manager, once the identity exists and is published."""
        if self.plugin is None:
            raise ClientError(f"OMEMO is not ready for {self.account} (not connected yet)")
        manager: SessionManager = await self.plugin.get_session_manager()
        if manager is not self._spared:
            spare_pre_key_work(manager, self.storage)
            self._spared = manager
        return manager

    @asynccontextmanager
    async def serialised(self) -> AsyncIterator[None]:
        """The account lock, with python-omemo's writes held for the caller to store."""
        async with self.lock:
            with self.storage.holding():
                yield

    # -- history sync --------------------------------------------------------------------

    async def before_catch_up(self) -> None:
        """Tell the library an archive catch-up begins (no new one-time keys meanwhile)."""
        (await self.manager()).before_history_sync()

    async def after_catch_up(self) -> None:
        """Tell the library the catch-up ended (it refills keys, answers key exchanges)."""
        async with self.serialised():
            mark = self.storage.mark()
            try:
                await self.deadlines.run((await self.manager()).after_history_sync())
            except Deferred:
                self.storage.back_to(mark)
            self.storage.flush()

    # -- receiving -------------------------------------------------------------------------

    async def open(self, messages: Sequence[Message]) -> Opened:
        """Decrypt the sealed messages of a batch (the caller holds :meth:`serialised`).

        A duplicate of a stored message (or of one earlier in the batch) is passed on as it is,
        never decrypted: storing it merges its ids (and acks our own). An empty OMEMO message
        is dropped. One that cannot be decrypted becomes a placeholder saying why."""
        out: list[Message] = []
        kept: list[str | None] = []
        seen: set[tuple[str, ...]] = set()
        for message in messages:
            if not isinstance(message, SealedMessage):
                out.append(message)
                kept.append(None)
                continue
            keys = _dedupe_keys(message)
            what = stage.known(self.session, message)
            if what == "applied":
                continue  # an action read again (an archive overlap, our own copy): done once
            if seen & keys or what == "held":
                out.append(message.opened())
                kept.append(None)
                continue
            seen |= keys
            mark = self.storage.mark()
            try:
                opened, stanza = await self._decrypt(message)
            except Deferred:
                self.storage.back_to(mark)
                log.warning(
                    "%s: decrypting took too long; left for the next catch-up", self.account
                )
                return Opened(out, kept, self.storage.take(), deferred=True)
            if opened is not None:
                out.append(opened)
                kept.append(stanza)
        return Opened(out, kept, self.storage.take())

    async def _decrypt(self, message: SealedMessage) -> tuple[Message | None, str | None]:
        """The message decrypted, or its placeholder (and the stanza to keep), or None."""
        stanza = message.stanza
        payload = rules.carries_payload(stanza.xml)
        try:
            changes, device = await self.deadlines.run(self._decrypted(stanza))
        except Deferred:
            raise
        except Exception as exc:
            if not payload:
                return None, None  # a key exchange or heartbeat we could not use: nothing lost
            log.info(
                "%s: could not decrypt a message from %s: %r", self.account, stanza["from"], exc
            )
            words = rules.undecrypted_words(exc)
            if message.direction is Direction.OUT and type(exc).__name__ == "MessageNotForUs":
                words = "encrypted by this device, whose copy of the text was not kept"
            keep = str(stanza) if rules.retried(exc) else None
            if type(exc).__name__ == "DecryptionFailed" and message.direction is Direction.IN:
                await repair.heal(self, stanza)
            # A placeholder is a row, never an action (a correction of nothing would be lost):
            # the retry reads the action again from the kept stanza.
            return message.opened(body="", undecrypted=words, action=None), keep
        if changes is None:
            return None, None  # an empty OMEMO message: key exchange or heartbeat
        trust = await self._blind_trust_on_receipt(device)
        opened = message.opened(**changes, trust=trust)
        if opened.action is not None:
            for key in rules.applied_keys(opened):  # stored with it: known when read again
                await self.storage.store(key, True)
        return opened, None

    async def _decrypted(self, stanza: Any) -> tuple[dict[str, Any] | None, DeviceInformation]:
        """What decrypting a stanza gives its message (None: an empty OMEMO message), and the
        sending device.

        OMEMO 0.3 encrypts the body alone. OMEMO 2 goes to :mod:`~tuichat.xmpp.omemo.omemo2`,
        and its envelope is read as a stanza is (the text, a correction, a reaction, a reply
        are inside it); slixmpp-omemo only ever sees a copy without the ``omemo:2`` element
        (it would spend that key and fail)."""
        manager = await self.manager()
        own, _others = await manager.get_own_device_information()
        sender = group.room_sender(stanza)  # a room's: the real JID we learnt (None: 1:1)
        if omemo2.route(stanza, self.account, own.device_id) != omemo2.NS_OMEMO2:
            if sender is not None:
                body, device = await group.decrypt_room_oldmemo(
                    manager, omemo2.without_omemo2(stanza), sender, self.account
                )
            else:
                decrypted, device = await self.plugin.decrypt_message(omemo2.without_omemo2(stanza))
                body = decrypted["body"]
            return ({"body": body} if body else None), device
        plain = await omemo2.decrypt_omemo2(manager, stanza, self.account, sender_bare_jid=sender)
        if plain.content is None:
            return None, plain.device
        env = parse.envelope(omemo2.decrypted_stanza(stanza, plain.content))
        if not env.body and not parse.has_action(env):
            return None, plain.device
        inside = {"replaces": env.replaces, "action": env.action, "marks": env.marks}
        return {"body": env.body} | {k: v for k, v in inside.items() if v is not None}, plain.device

    async def _blind_trust_on_receipt(self, device: DeviceInformation) -> Trust:
        """The trust in a device a message came from. BTBV: a new device of a JID none of whose
        devices was verified or distrusted is trusted blindly, as when we first encrypt to it
        (and announced); otherwise a new device stays undecided, for the user to decide."""
        trust = rules.trust_of(device.trust_level_name)
        if trust is not Trust.UNDECIDED:
            return trust
        manager = await self.manager()
        known = await manager.get_device_information(device.bare_jid)
        if any(rules.trust_of(i.trust_level_name) in _DECIDED for i in known):
            return trust
        level = rules.LEVEL_BY_TRUST[Trust.BLIND]
        await manager.set_trust(device.bare_jid, device.identity_key, level)
        await self.blindly_trusted(frozenset({device}))
        return Trust.BLIND

    async def retry(self) -> int:
        """Decrypt again the placeholders whose cause may have passed, through the same
        decryption a live message takes (so a reply, a correction, an OMEMO 2 action… are
        recovered, not the body alone); publish each one that opens; return how many did."""
        store = self.session.store
        opened = 0
        for sealed in store.sealed(self.account):
            placeholder = store.get_message(sealed.message)
            if placeholder is None:
                continue
            again = repair.resealed(placeholder, sealed.stanza, self.account)
            async with self.serialised():
                mark = self.storage.mark()
                try:
                    message, _keep = await self._decrypt(again)
                except Deferred:
                    message = again  # not now: still sealed
                    self.storage.back_to(mark)
                if message is not None and message.undecrypted is not None:
                    log.debug("%s: placeholder %s still sealed", self.account, sealed.message)
                    self.storage.flush()
                    continue
                keys = self.storage.take()
                outcome = store.reopen_sealed(sealed.message, message, keys)
                self.storage.committed(keys)
            opened += 1
            if message is None or message.action is not None:  # its row went (store.reopen)
                gone = ev.MessageRemoved(self.account, placeholder.conversation, sealed.message)
                self.session.bus.publish(gone)
            if outcome is not None and outcome.stored is not None:
                self.session.bus.publish(ev.MessageDecrypted(self.account, outcome.stored))
            elif outcome is not None and outcome.changed is not None:
                self.session.bus.publish(ev.MessageChanged(self.account, outcome.changed))
        return opened

    # -- sending ------------------------------------------------------------------------------

    async def encrypt(self, stanza: Any, message: Message) -> Any:
        """``stanza`` encrypted to ``message.conversation`` and our other devices, with what must
        stay outside put back; raises :class:`Unwritable` saying why not."""
        jid = message.conversation
        recipients = [jid]
        if message.kind is ConversationKind.GROUPCHAT and self.session.rooms is not None:
            recipients = await self.session.rooms.members.step_recipients(jid)
        async with self.serialised():
            mark = self.storage.mark()
            try:
                for recipient in recipients:
                    await self._known_devices(recipient)
                encrypted, errors = await self.deadlines.run(
                    self._encrypted(stanza, jid, recipients)
                )
            except Deferred:
                self.storage.back_to(mark)
                raise Unwritable(
                    "not sent yet: the server did not answer", transient=True
                ) from None
            except NoEligibleDevices as exc:
                raise Unwritable(rules.no_device_words(exc.bare_jids)) from None
            except StillUndecided:
                held = [r for r in recipients if r in self.waiting] or [jid]
                waiting = tuple(d for r in held for d in self.waiting.get(r, ()))
                raise Unwritable(rules.undecided_words(held), waiting) from None
            except Exception as exc:
                log.warning("%s: encrypting to %s failed: %r", self.account, jid, exc)
                raise Unwritable(f"not sent: encryption failed ({exc})", transient=True) from None
            finally:
                self.storage.flush()  # before the stanza leaves: the ratchet moved
        for error in errors:
            log.info("%s: a device of %s was left out: %r", self.account, jid, error)
        if encrypted is None:
            raise Unwritable("not sent: nothing to encrypt")
        return encrypted

    async def _encrypted(
        self, stanza: Any, jid: str, recipients: list[str]
    ) -> tuple[Any, frozenset[Any]]:
        """``stanza`` encrypted to ``recipients`` (``jid``'s peer, or a room's members), what
        must stay outside beside it: with OMEMO 2 (and OMEMO 0.3 beside it) when one of their
        devices speaks only OMEMO 2, which slixmpp-omemo would leave out; otherwise with
        slixmpp-omemo (OMEMO 0.3)."""
        jids = {JID(r) for r in recipients}
        await self.plugin.refresh_device_lists(jids)
        manager = await self.manager()
        devices = [d for r in recipients for d in await manager.get_device_information(r)]
        if not omemo2.needs_omemo2(devices):
            encrypted, errors = await self.plugin.encrypt_message(stanza, jids, jid)
            if encrypted is not None:
                rules.put_back_outside(stanza.xml, encrypted.xml)
                group.forget_reflection(self.plugin, encrypted)
            return encrypted, errors
        return await omemo2.encrypt_omemo2(
            manager,
            stanza,
            recipients,
            own_bare_jid=self.account,
            identifier=jid,
            include_oldmemo=True,
        )

    async def _known_devices(self, jid: str) -> None:
        """Download the device list of ``jid`` when none is cached yet, or once when the engine
        is :attr:`lazy` (what is cached may be old). With a mutual subscription slixmpp-omemo
        waits for the PEP notification instead, and a send right after the first connect
        (``tuichat send``) would find no device and be held."""
        if jid in self.listed:
            return
        manager = await self.manager()
        if self.lazy or not await manager.get_device_information(jid):
            await self.deadlines.run(
                self.plugin.refresh_device_lists({JID(jid)}, force_download=True)
            )
        if await manager.get_device_information(jid):
            self.listed.add(jid)

    # -- trust prompts (called by the plugin inside an encryption) ---------------------------

    async def blindly_trusted(self, infos: frozenset[DeviceInformation]) -> None:
        """New devices were trusted blindly (BTBV): announce them."""
        for jid in {info.bare_jid for info in infos}:
            self._publish_devices(jid, await self.devices(jid, refresh=False), infos)

    async def undecided(self, infos: frozenset[DeviceInformation]) -> None:
        """New devices need the user's decision: record and announce them. The trust stays
        undecided, so the encryption raises ``StillUndecided`` and the sender holds the
        message saying why (``EncryptionHeld``): this never blocks."""
        for jid in {info.bare_jid for info in infos}:
            self.waiting[jid] = tuple(self._device(i, None) for i in infos if i.bare_jid == jid)
            self._publish_devices(jid, await self.devices(jid, refresh=False), infos)

    # -- devices and trust -------------------------------------------------------------------

    async def own_device(self) -> Device:
        """This installation's device."""
        own, _others = await (await self.manager()).get_own_device_information()
        return self._device(own, own.device_id)

    async def devices(self, jid: str, *, refresh: bool = True) -> list[Device]:
        """The devices of ``jid`` (ours: this one first, marked), fetched when asked to."""
        manager = await self.manager()
        own, others = await manager.get_own_device_information()
        if jid == self.account:
            infos = [own, *sorted(others, key=lambda i: i.device_id)]
        else:
            if refresh:
                async with self.serialised():
                    mark = self.storage.mark()
                    try:
                        await self.deadlines.run(
                            self.plugin.refresh_device_lists({JID(jid)}, force_download=True)
                        )
                    except Deferred:
                        self.storage.back_to(mark)
                        raise ClientError(f"{jid}'s server did not answer in time") from None
                    finally:
                        self.storage.flush()
            infos = sorted(await manager.get_device_information(jid), key=lambda i: i.device_id)
        return [self._device(info, own.device_id) for info in infos]

    async def set_trust(self, jid: str, fingerprint: str, trust: Trust) -> Device:
        """Set our trust in the device of ``jid`` with that fingerprint; the device after."""
        manager = await self.manager()
        infos = await manager.get_device_information(jid) if jid != self.account else None
        if infos is None:
            _own, infos = await manager.get_own_device_information()
        found = [i for i in infos if _fingerprint(i.identity_key) == fingerprint]
        if not found:
            raise ClientError(f"{jid} has no OMEMO device with the fingerprint {fingerprint}")
        async with self.serialised():
            for info in found:
                await manager.set_trust(jid, info.identity_key, rules.LEVEL_BY_TRUST[trust])
            self.storage.flush()
        self.waiting.pop(jid, None)
        devices = await self.devices(jid, refresh=False)
        self._publish_devices(jid, devices, frozenset())
        return next(d for d in devices if d.fingerprint == fingerprint)

    def _device(self, info: DeviceInformation, own_id: int | None) -> Device:
        return Device(
            jid=info.bare_jid,
            device_id=info.device_id,
            fingerprint=_fingerprint(info.identity_key),
            trust=rules.trust_of(info.trust_level_name),
            active=any(active for _ns, active in info.active),
            label=info.label,
            this_device=info.bare_jid == self.account and info.device_id == own_id,
        )

    def _publish_devices(
        self, jid: str, devices: list[Device], added: frozenset[DeviceInformation]
    ) -> None:
        self._announce(jid, devices, {(i.bare_jid, i.device_id) for i in added})

    def _announce(self, jid: str, devices: list[Device], new: set[tuple[str, int]]) -> None:
        """``DevicesChanged`` for ``jid``; ``added``: those of ``new`` not announced before
        (a device seen in a published list and again when encrypting gets one notice)."""
        new = new - self.announced
        self.announced |= new
        fresh = tuple(d for d in devices if (d.jid, d.device_id) in new and not d.this_device)
        self.session.bus.publish(ev.DevicesChanged(self.account, jid, tuple(devices), fresh))

    async def known_ids(self, jid: str) -> set[int]:
        """The device ids of ``jid`` recorded so far (none if OMEMO is not ready yet)."""
        try:
            return {d.device_id for d in await self.devices(jid, refresh=False)}
        except Exception:
            return set()

    async def device_list_published(self, jid: str, before: set[int]) -> None:
        """A device list was published (ours or a contact's) and recorded by the plugin:
        announce it, naming the devices not in ``before`` as added (none for a JID seen for
        the first time: its devices are not news), and let held messages try again."""
        try:
            devices = await self.devices(jid, refresh=False)
        except Exception:
            log.debug("%s: device list of %s not readable", self.account, jid, exc_info=True)
            return
        new = {(d.jid, d.device_id) for d in devices if before and d.device_id not in before}
        self._announce(jid, devices, new)
        self.session.sender.release()


def _fingerprint(identity_key: bytes) -> str:
    return "".join(SessionManager.format_identity_key(identity_key))


def _dedupe_keys(message: Message) -> set[tuple[str, ...]]:
    keys: set[tuple[str, ...]] = set()
    if message.stanza_id:
        keys.add(("sid", message.stanza_id))
    if message.origin_id:
        keys.add(
            ("oid", message.direction.value, message.sender.partition("/")[0], message.origin_id)
        )
    return keys


_DECIDED = (Trust.VERIFIED, Trust.DISTRUSTED)
"""Once a JID has a device of either trust, its new devices are no longer trusted blindly."""
