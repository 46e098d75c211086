"""Provides :class:`StoreStorage`: python-omemo's key-value storage, kept in tuichat's store,
and :func:`spare_pre_key_work` (a key exchange's pre key removed once, not per message).

python-omemo writes about a dozen keys per message (the ratchet moves, a one-time key is used
up). Each message key works once, so a decrypted message and the writes its decryption made
must reach the disk together. While :meth:`StoreStorage.holding` is active the writes are held
in memory (reads see them); :meth:`StoreStorage.take` hands them over to be written in the
same transaction as the message rows, and :meth:`StoreStorage.committed` makes them the known
state once that transaction committed. If it failed, nothing is kept: the next read comes from
the store again, which still holds the state from before the decryption (and the archive
returns the message on the next catch-up).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from omemo.session_manager import SessionManager
from omemo.storage import Just, Maybe, Nothing, Storage
from omemo.types import JSONType

from tuichat.store import KeyWrites, Store

_ABSENT: Any = object()


class StoreStorage(Storage):
    """One account's python-omemo storage in the ``omemo_kv`` table of the store."""

    def __init__(self, store: Store, account: str) -> None:
        super().__init__(disable_cache=True)  # we cache ourselves: only what is committed
        self._db = store
        self.account = account
        self._known: dict[str, Any] = {}
        """Committed values by key (``_ABSENT``: known not to exist)."""
        self._pending: dict[str, str | None] = {}
        """Writes not stored yet, as JSON text (``None``: delete)."""
        self._holding = 0
        self.spared: set[tuple[str, str, bytes]] = set()
        """Pre-key work done already (see :func:`spare_pre_key_work`): forgotten with the
        writes that did it (:meth:`back_to`)."""

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Hold every write in memory until :meth:`take` (nested uses are fine)."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1

    def take(self) -> KeyWrites:
        """The held writes, to be stored with the messages they belong to (then call
        :meth:`committed`). They are no longer held afterwards."""
        writes, self._pending = self._pending, {}
        return KeyWrites(self.account, writes)

    def mark(self) -> dict[str, str | None]:
        """The held writes now (to go back to with :meth:`back_to`)."""
        return dict(self._pending)

    def back_to(self, mark: dict[str, str | None]) -> None:
        """Forget the writes held since ``mark`` (an operation that did not finish)."""
        self._pending = dict(mark)
        self.spared.clear()

    def committed(self, keys: KeyWrites) -> None:
        """``keys`` were stored: they are the known state now."""
        for key, text in keys.writes.items():
            self._known[key] = _ABSENT if text is None else json.loads(text)

    def flush(self) -> None:
        """Store the held writes on their own (work not tied to a message: trust, encryption)."""
        keys = self.take()
        if keys:
            self._db.write_keys(keys)
            self.committed(keys)

    async def _load(self, key: str) -> Maybe[JSONType]:
        if key in self._pending:
            text = self._pending[key]
            return Nothing() if text is None else Just(json.loads(text))
        value = self._known.get(key, None)
        if value is None and key not in self._known:
            text = self._db.load_key(self.account, key)
            value = _ABSENT if text is None else json.loads(text)
            self._known[key] = value
        return Nothing() if value is _ABSENT else Just(value)

    async def _store(self, key: str, value: JSONType) -> None:
        self._write(key, json.dumps(value, separators=(",", ":")))

    async def _delete(self, key: str) -> None:
        self._write(key, None)

    def _write(self, key: str, text: str | None) -> None:
        self._pending[key] = text
        if not self._holding:
            self.flush()


def spare_pre_key_work(manager: SessionManager, storage: StoreStorage) -> None:
    """Have ``manager``'s backends hide (or delete) the pre key of a key exchange once.

    python-omemo does it for every message that carries the key exchange, which is every
    message of a session whose sender has not heard back yet (a whole catch-up), and each time
    it loads, copies, parses and stores its whole key state (about 30 ms, most of the catch-up).
    Done again it changes nothing. ``storage.spared`` remembers what was done; it is forgotten
    with the writes when they are (``StoreStorage.back_to``)."""
    for backend in manager._SessionManager__backends:  # type: ignore[attr-defined]
        for name in ("hide_pre_key", "delete_pre_key"):
            setattr(backend, name, _once(getattr(backend, name), name, backend.namespace, storage))


def _once(
    work: Callable[[Any], Awaitable[bool]], name: str, namespace: str, storage: StoreStorage
) -> Callable[[Any], Awaitable[bool]]:
    async def once(session: Any) -> bool:
        key = (name, namespace, bytes(session.key_exchange.header.pre_key or b""))
        if key in storage.spared:
            return False  # done before: the bundle did not change
        done = await work(session)
        storage.spared.add(key)
        return done

    return once
