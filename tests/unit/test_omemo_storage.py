"""python-omemo's storage in the store: held writes, one transaction with the message, no
state that the store does not hold."""

from __future__ import annotations

import asyncio

from tuichat.model import Direction, Message
from tuichat.store import KeyWrites, Store
from tuichat.xmpp.omemo.storage import StoreStorage, spare_pre_key_work

ME = "me@example.test"


def test_writes_go_through_unless_held() -> None:
    """Outside a held section each write is stored at once."""
    store = Store.memory()
    storage = StoreStorage(store, ME)
    asyncio.run(storage.store("/a", {"n": 1}))
    assert store.load_key(ME, "/a") == '{"n":1}'
    assert asyncio.run(StoreStorage(store, ME).load("/a")).from_just() == {"n": 1}


def test_held_writes_are_read_back_and_stored_with_the_message() -> None:
    """While held, reads see the writes, the store does not; then both land together."""
    store = Store.memory()
    storage = StoreStorage(store, ME)

    async def decrypt() -> None:
        with storage.holding():
            await storage.store("/ratchet", 2)
            await storage.delete("/prekey")
            assert (await storage.load("/ratchet")).from_just() == 2
            assert (await storage.load("/prekey")).is_nothing

    store.write_keys(KeyWrites(ME, {"/prekey": "1"}))
    asyncio.run(decrypt())
    assert store.load_key(ME, "/ratchet") is None
    assert store.load_key(ME, "/prekey") == "1"
    keys = storage.take()
    message = Message(
        ME, "bob@example.test", Direction.IN, "bob@example.test/a", "hi", stanza_id="s"
    )
    store.save_outcomes([message], keys=keys)
    storage.committed(keys)
    assert store.load_key(ME, "/ratchet") == "2"
    assert store.load_key(ME, "/prekey") is None


def test_writes_not_stored_are_forgotten() -> None:
    """An operation that did not finish (or whose transaction failed) leaves no trace: the
    next read comes from the store."""
    store = Store.memory()
    storage = StoreStorage(store, ME)

    async def half() -> None:
        await storage.store("/ratchet", 1)
        with storage.holding():
            mark = storage.mark()
            await storage.store("/ratchet", 2)
            storage.back_to(mark)
        assert (await storage.load("/ratchet")).from_just() == 1
        with storage.holding():
            await storage.store("/ratchet", 3)
        storage.take()  # the message transaction failed: never committed
        assert (await storage.load("/ratchet")).from_just() == 1

    asyncio.run(half())


class _Backend:
    """A python-omemo backend's pre-key calls, counted."""

    namespace = "eu.siacs.conversations.axolotl"

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def hide_pre_key(self, session: object) -> bool:
        self.calls.append("hide")
        return True

    async def delete_pre_key(self, session: object) -> bool:
        self.calls.append("delete")
        return True


class _Manager:
    def __init__(self, backend: _Backend) -> None:
        self._SessionManager__backends = [backend]


def _session(pre_key: bytes) -> object:
    class _Header:
        def __init__(self) -> None:
            self.pre_key = pre_key

    class _KeyExchange:
        header = _Header()

    class _Session:
        key_exchange = _KeyExchange()

    return _Session()


def test_a_key_exchanges_pre_key_is_hidden_once_until_its_writes_are_forgotten() -> None:
    """Every message of an unanswered session carries the key exchange: its pre key is hidden
    (or deleted) once, not per message; forgetting the writes forgets that too."""
    storage = StoreStorage(Store.memory(), "me@example.test")
    backend = _Backend()
    spare_pre_key_work(_Manager(backend), storage)  # type: ignore[arg-type]

    async def run() -> list[bool]:
        hide, delete = backend.hide_pre_key, backend.delete_pre_key
        first = [await hide(_session(b"k1")), await hide(_session(b"k1"))]
        other = [await hide(_session(b"k2")), await delete(_session(b"k1"))]
        storage.back_to({})
        again = [await hide(_session(b"k1"))]
        return first + other + again

    assert asyncio.run(run()) == [True, False, True, True, True]
    assert backend.calls == ["hide", "hide", "delete", "hide"]
