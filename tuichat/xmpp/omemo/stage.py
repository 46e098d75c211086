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
from tuichat.xmpp.omemo.rules import SealedMessage
from tuichat.xmpp.sending import Unwritable

if TYPE_CHECKING:
    from tuichat.xmpp.omemo.engine import OmemoEngine
    from tuichat.xmpp.parse import Envelope
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

OFF_WORDS = "encrypted, and OMEMO is off for this account"


async def install(session: Session) -> OmemoEngine:
    """Build the session's engine (once: the import takes about a second, off the loop) and
    load it on its new client (:class:`EncryptStep` encrypts with it)."""
    engine = session.omemo
    if engine is None:
        module = await asyncio.to_thread(importlib.import_module, "tuichat.xmpp.omemo.engine")
        engine = module.OmemoEngine(session)
        session.omemo = engine
    engine.install(session.client)
    return engine


async def loaded(session: Session) -> OmemoEngine | None:
    """The engine, once loaded on the current client (None for an account without OMEMO);
    the first call on a client starts loading it."""
    if not session.config.omemo or session.client is None:
        return None
    if session.omemo_loading is None:
        session.omemo_loading = asyncio.ensure_future(install(session))
    return await session.omemo_loading


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


def add_step(session: Session) -> None:
    """Make :class:`EncryptStep` the last step of every outgoing message (once): the steps
    before it write what it seals."""
    steps = session.sender.steps
    steps[:] = [s for s in steps if not isinstance(s, EncryptStep)] + [EncryptStep(session)]


async def before_catch_up(session: Session) -> None:
    """Wait for our identity to exist and be published; then hold new one-time keys back while
    we catch up (the library's history-sync mode)."""
    try:
        engine = await loaded(session)
        if engine is not None:
            await engine.before_catch_up()
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
