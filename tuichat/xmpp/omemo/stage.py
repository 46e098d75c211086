"""Provides the session's end-to-end encryption stage, without importing python-omemo.

The session calls these at fixed points of its one incoming and one outgoing path: installing
the engine on a new client (the heavy import runs off the loop, after the first frame), the
library's history-sync mode around the archive catch-up, sealing an encrypted message as it is
parsed, and :func:`deliver_batch`, where sealed messages are decrypted under the account's lock
and stored in one transaction with the key writes their decryption made.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat.encryption_policy import conversation_encryption, device_list_key, lists_devices
from tuichat.errors import NoAnswer
from tuichat.model import Encryption, Message
from tuichat.xmpp.omemo.rules import (
    DEVICE_LIST_NODES,
    SealedMessage,
    applied_keys,
    listed_devices,
)
from tuichat.xmpp.sending import Unwritable

if TYPE_CHECKING:
    from tuichat.xmpp.omemo.engine import OmemoEngine
    from tuichat.xmpp.parse import Envelope
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

OFF_WORDS = "encrypted, and OMEMO is off for this account"

OWN_DEVICE_KEY = "/own_device_id"
"""Where python-omemo keeps our device id (in the store, read without importing it)."""
LIST_TIMEOUT = 10.0
"""Seconds to wait for our own published device list at a stream's start."""
ITEM_PATH = ".//{http://jabber.org/protocol/pubsub}item"


async def install(session: Session, *, at_start: bool) -> OmemoEngine:
    """Build the session's engine (once: the import takes about a second, off the loop) and
    load it on its new client (:class:`EncryptStep` encrypts with it). Loaded during a
    catch-up, it enters the library's history-sync mode at once (:func:`after_catch_up` ends
    it)."""
    engine = session.omemo
    if engine is None:
        module = await asyncio.to_thread(importlib.import_module, "tuichat.xmpp.omemo.engine")
        engine = module.OmemoEngine(session)
        engine.lazy = not at_start  # it missed the device lists PEP sent at our presence
        session.omemo = engine
    engine.install(session.client)
    if session.catching_up:
        await engine.before_catch_up()
    return engine


async def loaded(session: Session, *, at_start: bool = False) -> OmemoEngine | None:
    """The engine, once loaded on the current client (None for an account without OMEMO);
    the first call on a client starts loading it (``at_start``: before the catch-up)."""
    if not session.config.omemo or session.client is None:
        return None
    if session.omemo_loading is None:
        session.omemo_loading = asyncio.ensure_future(install(session, at_start=at_start))
    return await session.omemo_loading


async def needed_at_start(session: Session) -> bool:
    """Whether a new stream must load the engine before it catches up. Only when: it is loaded
    already (on the stream before; it follows every stream from then on), our identity does
    not exist yet (the first connect makes and publishes it), or our device is missing from a
    list we publish (another client of ours overwrote it: the engine publishes it again).
    Otherwise it loads at the first encrypted message in or out, or the first OMEMO request:
    an account that does not use OMEMO now never pays its import (~1 s, ~35 MiB)."""
    if session.omemo is not None:
        return True
    own = session.store.load_key(session.account, OWN_DEVICE_KEY)
    if own is None or not own.isdigit():
        return True
    pubsub = session.client.plugin["xep_0060"]
    asked = [
        pubsub.get_item(session.account, node, "current", timeout=LIST_TIMEOUT)
        for node in DEVICE_LIST_NODES.values()
    ]
    lists = await asyncio.gather(*asked, return_exceptions=True)
    return any(
        isinstance(iq, BaseException)  # no such list, or no answer: the engine sees to it
        or int(own) not in listed_devices(iq.xml.find(ITEM_PATH), namespace)
        for namespace, iq in zip(DEVICE_LIST_NODES, lists, strict=True)
    )


class EncryptStep:
    """The sending step that encrypts (see ``Sender.steps``): an OMEMO message is encrypted by
    the engine, waiting for it to load if need be; a plaintext one passes unchanged.

    It is a step from the session's start, not from the engine's loading: a message written
    before the engine loaded (a stream resumed before its first catch-up ended) must wait for
    it, never leave in plaintext."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __call__(self, stanza: Any, message: Message) -> Any:
        if message.encryption is not Encryption.OMEMO:
            return stanza
        return self._encrypted(stanza, message)

    async def _encrypted(self, stanza: Any, message: Message) -> Any:
        session = self.session
        if not session.config.omemo:
            raise Unwritable(
                f"not sent: OMEMO is off for {session.account}; it stays in the outbox"
            )
        try:
            engine = await loaded(session)
        except Exception as exc:
            log.warning("%s: OMEMO could not load: %r", session.account, exc)
            engine = None
        if engine is None:
            raise Unwritable("not sent yet: encryption is not ready", transient=True)
        return await engine.encrypt(stanza, message)


def warm(session: Session, conversation: str) -> None:
    """The user types in ``conversation``: if it sends encrypted, load the engine now, so that
    the message does not wait for it."""
    if session.omemo_loading is not None or not session.synced.is_set():
        return
    if encryption(session, conversation) is Encryption.OMEMO:
        task = asyncio.ensure_future(loaded(session))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # EncryptStep reports


def add_step(session: Session) -> None:
    """Make :class:`EncryptStep` the last step of every outgoing message (once): the steps
    before it write what it seals."""
    steps = session.sender.steps
    steps[:] = [s for s in steps if not isinstance(s, EncryptStep)] + [EncryptStep(session)]


async def before_catch_up(session: Session) -> None:
    """If the engine is :func:`needed_at_start`, wait for our identity to exist and be
    published; then hold new one-time keys back while we catch up (the library's history-sync
    mode: :func:`install` enters it)."""
    if not session.config.omemo:
        return
    try:
        if await needed_at_start(session):
            await loaded(session, at_start=True)
    except Exception as exc:  # the server refused a publish, a timeout…
        log.warning("%s: OMEMO could not start: %r", session.account, exc)
        session.bus.publish(ev.ErrorReported(session.account, f"encryption could not start: {exc}"))


async def after_catch_up(session: Session) -> None:
    """Leave history-sync mode (the library refills keys and completes key exchanges)."""
    if session.omemo is None:
        return
    try:
        await session.omemo.after_catch_up()
    except Exception as exc:
        log.warning("%s: OMEMO after the catch-up: %r", session.account, exc)


def sealed(session: Session, message: Message | None, env: Envelope) -> Message | None:
    """A parsed message as the incoming path takes it: an encrypted one sealed with its stanza
    (to be decrypted), or with OMEMO off a placeholder (never the sender's fallback text)."""
    if message is None or env.sealed is None:
        return message
    if not session.config.omemo:
        return replace(message, undecrypted=OFF_WORDS)
    return SealedMessage.of(message, env.sealed)


async def deliver_batch(
    session: Session, messages: Sequence[Message], *, announce: bool, older: bool
) -> list[Message | None]:
    """Store and publish a batch; its sealed messages are deduped, then decrypted, under the
    account's OMEMO lock, and stored in one transaction with the key writes (a message key
    works once: a crash in between must not lose the message)."""
    if not any(isinstance(m, SealedMessage) for m in messages):
        return session.deliver_many(messages, announce=announce, older=older)
    if session.omemo is None:
        found = [known(session, m) for m in messages]
        if None not in found:  # copies of what we hold (our own, an archive overlap)
            kept = [
                m.opened() if isinstance(m, SealedMessage) else m
                for m, what in zip(messages, found, strict=True)
                if what != "applied"
            ]
            return session.deliver_many(kept, announce=announce, older=older)
    omemo = await loaded(session)
    if omemo is None:  # cannot happen: sealed only with OMEMO on
        return session.deliver_many(messages, announce=announce, older=older)
    async with omemo.serialised():
        opened = await omemo.open(messages)
        saved = session.deliver_many(
            opened.messages,
            announce=announce,
            older=older,
            keys=opened.keys,
            sealed=opened.sealed,
        )
        omemo.storage.committed(opened.keys)
    if opened.deferred:  # what was decrypted is stored; the catch-up must not move past the rest
        raise NoAnswer("decrypting waited too long for the server; the rest comes again")
    return saved


def known(session: Session, message: Message) -> str | None:
    """What decrypting ``message`` would be for, if nothing: ``"plain"`` (not encrypted),
    ``"applied"`` (an encrypted action applied already), ``"held"`` (a copy of a stored
    message), or ``None``: it must be decrypted. Asked before decrypting: a key works once."""
    if not isinstance(message, SealedMessage):
        return "plain"
    store = session.store
    if any(store.load_key(session.account, k) is not None for k in applied_keys(message)):
        return "applied"
    return "held" if store.duplicate_of(message) is not None else None


async def deliver_held(session: Session, messages: Sequence[Message]) -> None:
    """Store the live messages held during a catch-up (see :func:`deliver_batch`); those left
    undecrypted for want of an answer come again with the next catch-up."""
    try:
        await deliver_batch(session, messages, announce=True, older=False)
    except NoAnswer as exc:
        log.warning("%s: %s", session.account, exc)


def encryption(session: Session, conversation: str) -> Encryption:
    """How ``conversation`` sends now (see :mod:`tuichat.encryption_policy`)."""
    store, account = session.store, session.account
    return conversation_encryption(
        omemo_on=session.config.omemo,
        chosen=store.conversation_encryption(account, conversation),
        last_incoming=store.last_incoming_encryption(account, conversation),
        publishes=session.config.omemo and publishes_devices(session, conversation),
    )


def publishes_devices(session: Session, jid: str) -> bool:
    """Whether ``jid`` is known to publish OMEMO devices (from python-omemo's records in the
    store: known before the engine is loaded, e.g. by ``tuichat send``)."""
    return lists_devices(session.store.load_key(session.account, device_list_key(jid)))
