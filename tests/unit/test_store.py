"""Tests for the Store: round trips, ordering and paging, outbox, unread, summaries, meta."""

from __future__ import annotations

import os
import stat
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tuichat.model import Contact, ConversationKind, Direction, Message, MessageState, Subscription
from tuichat.store import ConversationSummary, Store

ME = "me@example.org"
BOB = "bob@example.org"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def msg(n: int, *, conv: str = BOB, direction: Direction = Direction.IN, **kw: object) -> Message:
    """A message numbered ``n`` at T0 + n seconds."""
    fields: dict[str, object] = {
        "account": ME,
        "conversation": conv,
        "direction": direction,
        "sender": f"{conv}/phone" if direction is Direction.IN else f"{ME}/tuichat",
        "body": f"message {n}",
        "timestamp": T0 + timedelta(seconds=n),
        "state": MessageState.RECEIVED if direction is Direction.IN else MessageState.ACKED,
        "stanza_id": f"s{conv}{n}",
    }
    fields.update(kw)
    return Message(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store() -> Store:
    """A fresh in-memory store."""
    return Store.memory()


def bodies(msgs: list[Message]) -> list[str]:
    """The bodies of ``msgs``."""
    return [m.body for m in msgs]


def test_round_trip_keeps_every_field(store: Store) -> None:
    """What goes in comes out field for field, with an aware UTC timestamp."""
    original = Message(
        account=ME,
        conversation="room@muc.example.org",
        direction=Direction.OUT,
        sender="room@muc.example.org/me",
        body="héllo\n\tworld 🎉",
        timestamp=datetime(2024, 5, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2))),
        kind=ConversationKind.GROUPCHAT,
        state=MessageState.SENT,
        stanza_id="sid-1",
        origin_id="oid-1",
        message_id="mid-1",
        nick="me",
        replaces="mid-0",
    )
    stored = store.save_message(original)
    assert stored is not None and stored.id is not None
    loaded = store.get_message(stored.id)
    assert loaded is not None
    assert loaded == stored
    assert loaded.timestamp.tzinfo is UTC
    assert loaded.timestamp == original.timestamp
    assert loaded.timestamp.utcoffset() == timedelta(0)
    for name in ("account", "conversation", "direction", "sender", "body", "kind", "state"):
        assert getattr(loaded, name) == getattr(original, name)
    for name in ("stanza_id", "origin_id", "message_id", "nick", "replaces"):
        assert getattr(loaded, name) == getattr(original, name)


def test_round_trip_of_a_message_without_optional_fields(store: Store) -> None:
    """None ids stay None after a round trip."""
    stored = store.save_message(msg(1, stanza_id=None))
    assert stored is not None and stored.id is not None
    loaded = store.get_message(stored.id)
    assert loaded == stored
    assert loaded is not None and loaded.stanza_id is None and loaded.nick is None


def test_get_message_of_unknown_id_is_none(store: Store) -> None:
    """An unknown id gives None rather than raising."""
    assert store.get_message(12345) is None


def test_out_of_order_inserts_are_read_in_time_order(store: Store) -> None:
    """Backfilled older messages land before newer ones, whatever the insert order."""
    store.save_messages([msg(n) for n in (50, 51, 52)])
    store.save_messages([msg(n) for n in range(10, 20)])  # archive backfill, older
    store.save_message(msg(30))
    got = store.history(ME, BOB)
    assert bodies(got) == [f"message {n}" for n in [*range(10, 20), 30, 50, 51, 52]]


def test_same_timestamp_keeps_arrival_order(store: Store) -> None:
    """Messages with equal timestamps are ordered by arrival (id)."""
    same = T0 + timedelta(seconds=5)
    for n in range(5):
        store.save_message(msg(n, timestamp=same))
    assert bodies(store.history(ME, BOB)) == [f"message {n}" for n in range(5)]


def test_newest_page_and_paging_before(store: Store) -> None:
    """page() walks back through history without gaps or overlaps, oldest first each page."""
    store.save_messages([msg(n) for n in range(250)])
    newest = store.page(ME, BOB, limit=100)
    assert bodies(newest) == [f"message {n}" for n in range(150, 250)]
    older = store.page(ME, BOB, before=newest[0], limit=100)
    assert bodies(older) == [f"message {n}" for n in range(50, 150)]
    oldest = store.page(ME, BOB, before=older[0], limit=100)
    assert bodies(oldest) == [f"message {n}" for n in range(50)]
    assert store.page(ME, BOB, before=oldest[0], limit=100) == []


def test_paging_before_splits_equal_timestamps_by_id(store: Store) -> None:
    """A page boundary inside a run of equal timestamps neither skips nor repeats."""
    same = T0
    store.save_messages([msg(n, timestamp=same) for n in range(10)])
    first = store.page(ME, BOB, limit=4)
    second = store.page(ME, BOB, before=first[0], limit=4)
    third = store.page(ME, BOB, before=second[0], limit=4)
    assert bodies(third + second + first) == [f"message {n}" for n in range(10)]


def test_page_after_and_around(store: Store) -> None:
    """around() centres on a message; page(after=) continues forward."""
    stored = store.save_messages([msg(n) for n in range(100)])
    centre = stored[40]
    page = store.around(centre, limit=11)
    assert bodies(page) == [f"message {n}" for n in range(35, 46)]
    assert page[5] == centre
    after = store.page(ME, BOB, after=page[-1], limit=3)
    assert bodies(after) == ["message 46", "message 47", "message 48"]


def test_history_limit_is_newest_n_oldest_first(store: Store) -> None:
    """history(limit=N) returns the newest N in chronological order."""
    store.save_messages([msg(n) for n in range(20)])
    assert bodies(store.history(ME, BOB, limit=3)) == ["message 17", "message 18", "message 19"]
    assert len(store.history(ME, BOB)) == 20


def test_conversations_are_separate(store: Store) -> None:
    """Pages of one conversation never include another's messages."""
    store.save_messages([msg(n) for n in range(5)] + [msg(n, conv="eve@x.org") for n in range(3)])
    assert len(store.history(ME, BOB)) == 5
    assert len(store.history(ME, "eve@x.org")) == 3
    assert store.history("other@x.org", BOB) == []


def test_outbox_lists_unacked_outgoing_oldest_first(store: Store) -> None:
    """Pending and sent outgoing messages are in the outbox; acked and failed are not."""
    out = Direction.OUT
    store.save_messages(
        [
            msg(3, direction=out, state=MessageState.PENDING, stanza_id=None, origin_id="o3"),
            msg(1, direction=out, state=MessageState.SENT, stanza_id=None, origin_id="o1"),
            msg(2, direction=out, state=MessageState.ACKED, origin_id="o2"),
            msg(4, direction=out, state=MessageState.FAILED, stanza_id=None, origin_id="o4"),
            msg(5, conv="eve@x.org", direction=out, state=MessageState.PENDING, stanza_id=None),
            msg(6),
        ]
    )
    assert bodies(store.outbox()) == ["message 1", "message 3", "message 5"]
    assert bodies(store.outbox(ME)) == ["message 1", "message 3", "message 5"]
    assert store.outbox("nobody@x.org") == []


def test_update_state_acks_and_records_stanza_id(store: Store) -> None:
    """update_state moves a message along and fills a missing stanza-id."""
    stored = store.save_message(
        msg(1, direction=Direction.OUT, state=MessageState.PENDING, stanza_id=None, origin_id="o")
    )
    assert stored is not None and stored.id is not None
    sent = store.update_state(stored.id, MessageState.SENT)
    assert sent is not None and sent.state is MessageState.SENT
    acked = store.update_state(stored.id, MessageState.ACKED, stanza_id="srv-1")
    assert acked is not None and acked.state is MessageState.ACKED
    assert acked.stanza_id == "srv-1"
    assert store.outbox() == []
    assert store.update_state(999, MessageState.ACKED) is None


def test_a_set_aside_message_keeps_its_reason_and_leaves_the_outbox(store: Store) -> None:
    """count_close counts per row; failed with a reason leaves the outbox, keeps the reason
    across a reopen of the row, and any later state clears it."""
    stored = store.save_message(
        msg(1, direction=Direction.OUT, state=MessageState.PENDING, stanza_id=None, origin_id="o")
    )
    assert stored is not None and stored.id is not None and stored.failure is None
    assert [store.count_close(stored.id), store.count_close(stored.id)] == [1, 2]
    why = "the server closed the connection twice on this message (not-well-formed)"
    failed = store.update_state(stored.id, MessageState.FAILED, failure=why)
    assert failed is not None and (failed.state, failed.failure) == (MessageState.FAILED, why)
    assert store.outbox() == []
    assert store.history(ME, BOB)[-1].failure == why
    assert store.search("message", account=ME)[0].failure == why  # search reads it too
    acked = store.update_state(stored.id, MessageState.ACKED)
    assert acked is not None and acked.failure is None
    assert store.count_close(999) == 0


def test_unread_counts_incoming_after_the_marker(store: Store) -> None:
    """Incoming messages count as unread until mark_read; outgoing never count."""
    store.save_messages([msg(n) for n in range(3)])
    store.save_message(msg(3, direction=Direction.OUT, stanza_id="o3"))
    assert store.unread_count(ME, BOB) == 3
    store.mark_read(ME, BOB)
    assert store.unread_count(ME, BOB) == 0
    store.save_message(msg(10))
    assert store.unread_count(ME, BOB) == 1
    store.save_message(msg(1, stanza_id="backfill-1"))  # older than the marker
    assert store.unread_count(ME, BOB) == 1
    assert store.unread_count(ME, "nobody@x.org") == 0


def test_duplicates_do_not_count_as_unread(store: Store) -> None:
    """A duplicate delivery adds nothing to the unread count."""
    store.save_message(msg(1))
    store.save_message(msg(1))
    assert store.unread_count(ME, BOB) == 1


def test_conversations_summary_most_recent_first(store: Store) -> None:
    """Summaries carry the newest message and unread count, most recent conversation first."""
    store.save_messages([msg(n) for n in range(3)])
    store.save_message(msg(5, conv="eve@x.org", body="latest from eve"))
    store.save_message(msg(1, conv="room@muc.x.org", kind=ConversationKind.GROUPCHAT))
    store.save_message(msg(0, body="old backfill", stanza_id="bf"))  # older: not last
    store.mark_read(ME, "eve@x.org")
    summaries = store.conversations()
    assert [s.conversation for s in summaries] == ["eve@x.org", BOB, "room@muc.x.org"]
    eve, bob, room = summaries
    assert eve == ConversationSummary(
        ME, "eve@x.org", ConversationKind.CHAT, T0 + timedelta(seconds=5), "latest from eve", 0
    )
    assert bob.last_body == "message 2" and bob.unread == 4
    assert bob.last_timestamp.tzinfo is UTC
    assert room.kind is ConversationKind.GROUPCHAT
    assert store.conversations("nobody@x.org") == []
    assert len(store.conversations(ME)) == 3
    # What the first frame reads, no message read: rooms, unread counts, the newest first.
    seen = store.overview(recent=2)
    assert seen.kinds == [(ME, "room@muc.x.org", ConversationKind.GROUPCHAT)]
    assert seen.unread == {(s.account, s.conversation): s.unread for s in summaries if s.unread}
    assert seen.unread[(ME, "room@muc.x.org")] == 1 and (ME, "eve@x.org") not in seen.unread
    assert seen.recent == [(s.account, s.conversation) for s in summaries[:2]]


def test_roster_cache_replaces_per_account(store: Store) -> None:
    """save_roster replaces an account's roster and leaves other accounts alone."""
    alice = Contact("alice@x.org", "Alice", ("Friends", "Work"), Subscription.BOTH, False)
    carol = Contact("carol@x.org", "", (), Subscription.NONE, True)
    store.save_roster(ME, [carol, alice])
    store.save_roster("other@x.org", [alice])
    assert store.roster(ME) == [alice, carol]
    store.save_roster(ME, [carol])
    assert store.roster(ME) == [carol]
    assert store.roster("other@x.org") == [alice]
    assert store.roster("nobody@x.org") == []


def test_archive_positions_and_settings(store: Store) -> None:
    """Archive positions and settings are stored per key and overwritten."""
    assert store.archive_position(ME, ME) is None
    store.set_archive_position(ME, ME, "s1")
    store.set_archive_position(ME, "room@muc.x.org", "r1")
    store.set_archive_position(ME, ME, "s2")
    assert store.archive_position(ME, ME) == "s2"
    assert store.archive_position(ME, "room@muc.x.org") == "r1"
    assert store.get_setting("theme") is None
    store.set_setting("theme", "dark")
    store.set_setting("theme", "light")
    assert store.get_setting("theme") == "light"


def test_open_creates_private_file_and_folder(tmp_path: Path) -> None:
    """The store file is 0600 and its folder 0700, and WAL is on."""
    path = tmp_path / "data" / "tuichat" / "messages.sqlite3"
    store = Store.open(path)
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
        store.save_message(msg(1))
        mode = store._conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert store._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        wal = path.with_name(path.name + "-wal")
        assert stat.S_IMODE(os.stat(wal).st_mode) == 0o600
    finally:
        store.close()


def test_reopen_keeps_data(tmp_path: Path) -> None:
    """Messages survive closing and reopening the file."""
    path = tmp_path / "s.sqlite3"
    store = Store.open(path)
    store.save_messages([msg(n) for n in range(3)])
    store.close()
    again = Store.open(path)
    try:
        assert bodies(again.history(ME, BOB)) == ["message 0", "message 1", "message 2"]
    finally:
        again.close()


def test_reads_from_worker_threads_while_writing(store: Store) -> None:
    """Concurrent readers in threads and a writer do not corrupt or raise."""
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(50):
                store.page(ME, BOB, limit=20)
                store.conversations()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for n in range(200):
        store.save_message(msg(n))
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.history(ME, BOB)) == 200


def test_lone_surrogates_from_the_network_are_stored_replaced(store: Store) -> None:
    """A body with a lone surrogate cannot crash the store; it is kept with U+FFFD."""
    stored = store.save_message(msg(1, body="bad \ud800 text", nick="n\udfff"))
    assert stored is not None and stored.id is not None
    loaded = store.get_message(stored.id)
    assert loaded is not None
    assert loaded.body == "bad \ufffd text" and loaded.nick == "n\ufffd"
    ok = store.save_message(msg(2, body="pair \U0001f389 kept"))
    assert ok is not None and ok.body == "pair \U0001f389 kept"


def test_older_history_of_the_same_second_sorts_before_what_was_stored() -> None:
    """Backfilled messages (saved newest first) sort before stored ones of the same stamp."""
    from datetime import UTC, datetime

    from tuichat.model import Direction, Message

    store = Store.memory()
    second = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)

    def msg(n: int) -> Message:
        return Message("me@x.test", "p@x.test", Direction.IN, "p@x.test/r", f"m{n}", second,
                       stanza_id=f"s{n}")  # fmt: skip

    store.save_messages([msg(3), msg(4)])  # the newest page came first
    store.save_outcomes([msg(2), msg(1)], older=True)  # then older history, newest first
    store.save_messages([msg(5)])  # and a new one
    assert [m.body for m in store.history("me@x.test", "p@x.test")] == [
        f"m{i}" for i in range(1, 6)
    ]
    oldest = store.oldest("me@x.test", "p@x.test")
    assert oldest is not None and oldest.body == "m1"
