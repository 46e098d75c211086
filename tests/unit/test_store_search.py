"""Tests for full-text search: safe with hostile input, prefix words, filters, order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tuichat.model import Direction, Message
from tuichat.store import Store
from tuichat.store import search as search_module
from tuichat.store.search import fts_query

ME = "me@example.org"
BOB = "bob@example.org"
EVE = "eve@example.org"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def msg(
    n: int, body: str, *, conv: str = BOB, account: str = ME, nick: str | None = None
) -> Message:
    """An incoming message at T0 + n seconds."""
    return Message(
        account=account,
        conversation=conv,
        direction=Direction.IN,
        sender=f"{conv}/r",
        body=body,
        timestamp=T0 + timedelta(seconds=n),
        stanza_id=f"{account}{conv}{n}",
        nick=nick,
    )


@pytest.fixture
def store() -> Store:
    """A store with a few messages in two conversations and two accounts."""
    s = Store.memory()
    s.save_messages(
        [
            msg(3, "the quick brown fox"),
            msg(1, "a quick reply"),  # stored after n=3 but older
            msg(2, "Quicksilver is fast", conv=EVE),
            msg(4, "nothing to see"),
            msg(5, "quick on another account", account="other@example.org"),
            msg(6, "café au lait"),
            msg(7, "hello from the room", nick="Zebediah"),
        ]
    )
    return s


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unbalanced',
        "*",
        "quick*",
        "-quick",
        "body:quick",
        "nick:",
        "(quick",
        "quick)",
        "AND",
        "OR",
        "NOT",
        "NEAR",
        "quick AND OR NOT brown",
        "NEAR(quick brown)",
        "^quick",
        "{body}: x",
        "'; DROP TABLE messages; --",
        "\x00",
        "",
        "   ",
        "🎉",
        "a" * 5000,
    ],
)
def test_hostile_queries_do_not_raise(store: Store, query: str) -> None:
    """Any user text is a valid search; FTS syntax in it is plain text."""
    result = store.search(query)
    assert isinstance(result, list)
    assert len(store.history(ME, BOB)) == 5


def test_words_are_prefixes_and_all_must_match(store: Store) -> None:
    """'qui' finds quick and Quicksilver; two words must both match."""
    assert [m.body for m in store.search("qui")] == [
        "quick on another account",
        "the quick brown fox",
        "Quicksilver is fast",
        "a quick reply",
    ]
    assert [m.body for m in store.search("quick bro")] == ["the quick brown fox"]


def test_syntax_characters_around_words_still_find_them(store: Store) -> None:
    """Punctuation is a separator, so '"quick" -brown*' searches quick and brown."""
    assert [m.body for m in store.search('"quick" -brown*')] == ["the quick brown fox"]
    assert [m.body for m in store.search("fox OR nothing")] == []  # all words must match


def test_results_are_newest_first_by_timestamp(store: Store) -> None:
    """Ordering follows message time, not insert order."""
    found = store.search("quick", account=ME, conversation=BOB)
    assert [m.body for m in found] == ["the quick brown fox", "a quick reply"]


def test_filters_by_account_and_conversation(store: Store) -> None:
    """The account and conversation filters narrow the results."""
    assert {m.account for m in store.search("quick", account="other@example.org")} == {
        "other@example.org"
    }
    assert [m.body for m in store.search("qui", conversation=EVE)] == ["Quicksilver is fast"]
    assert store.search("quick", account="nobody@example.org") == []


def test_diacritics_are_folded(store: Store) -> None:
    """'cafe' finds 'café'."""
    assert [m.body for m in store.search("cafe")] == ["café au lait"]


def test_nick_is_searchable(store: Store) -> None:
    """A room nick matches like a word of the body."""
    assert [m.body for m in store.search("zebed")] == ["hello from the room"]


def test_limit_is_respected(store: Store) -> None:
    """limit caps the number of results."""
    assert len(store.search("qui", limit=2)) == 2
    assert store.search("qui", limit=0) == []


def test_search_result_can_be_jumped_to(store: Store) -> None:
    """A search hit has an id and around() centres a page on it."""
    [hit] = store.search("brown")
    page = store.around(hit, limit=3)
    assert hit in page
    assert [m.body for m in page] == ["a quick reply", "the quick brown fox", "nothing to see"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", '"hello"*'),
        ('say "hi"', '"say"* "hi"*'),
        ("AND or", '"AND"* "or"*'),
        ("a-b:c", '"a"* "b"* "c"*'),
        ("snake_case", '"snake"* "case"*'),
        ("-- ** ()", None),
    ],
)
def test_fts_query_quotes_every_word(text: str, expected: str | None) -> None:
    """Each word becomes a quoted prefix term; no input survives as syntax."""
    assert fts_query(text) == expected


def test_index_follows_body_updates_and_deletes(store: Store) -> None:
    """The triggers keep the external-content index in step with edits and deletions."""
    [hit] = store.search("brown")
    conn = store._conn
    conn.execute("BEGIN")
    conn.execute("UPDATE messages SET body = 'the slow green turtle' WHERE id = ?", (hit.id,))
    conn.execute("COMMIT")
    assert store.search("brown") == []
    assert [m.id for m in store.search("turtle")] == [hit.id]
    conn.execute("BEGIN")
    conn.execute("DELETE FROM messages WHERE id = ?", (hit.id,))
    conn.execute("COMMIT")
    assert store.search("turtle") == []
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")


def test_index_queue_is_empty_after_every_write(store: Store) -> None:
    """New messages are searchable as soon as save returns; nothing stays queued."""
    store.save_message(msg(20, "zanzibar"))
    assert [m.body for m in store.search("zanz")] == ["zanzibar"]
    assert store._conn.execute("SELECT COUNT(*) FROM fts_pending").fetchone()[0] == 0


def test_deleting_a_queued_row_leaves_a_sound_index(store: Store) -> None:
    """A row deleted before its transaction drains the queue is never indexed."""
    conn = store._conn
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO messages (id, account, conversation, kind, direction, sender, sender_bare,"
        " body, ts, state) VALUES (1, 'a', 'b', 'chat', 'in', 's', 's', 'ghost', 0, 'received')"
    )
    conn.execute("DELETE FROM messages WHERE id = 1")
    conn.execute("COMMIT")
    assert store.search("ghost") == []
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")


def test_search_count_counts_every_match_up_to_the_cap() -> None:
    """The count says how many match beyond the listed ones, and stops at its cap."""
    s = Store.memory()
    s.save_messages([msg(n, f"needle number {n}") for n in range(150)])
    s.save_messages([msg(1000 + n, f"needle elsewhere {n}", conv=EVE) for n in range(30)])
    assert s.search_count("needle") == 180
    assert s.search_count("needle", conversation=EVE) == 30
    assert s.search_count("needle", account="other@example.org") == 0
    assert s.search_count("needle", cap=100) == 100
    assert s.search_count("") == 0 and s.search_count("(*)") == 0


@pytest.mark.parametrize(
    ("query", "shown", "total", "words"),
    [
        ("", 0, 0, "type to search"),
        ("fox", 2, 2, "2 found"),
        ("fox", 100, 100, "100 found"),
        ("the", 100, 2000, "100 of 2,000 (newest first; add words to narrow)"),
        ("the", 100, 10_000, "100 of 10,000+ (newest first; add words to narrow)"),
    ],
)
def test_search_count_words(query: str, shown: int, total: int, words: str) -> None:
    """The line above the results never says "100 found" when more match."""
    from tuichat.ui.dialogs.search import count_words

    assert count_words(query, shown, total) == words


@pytest.mark.parametrize(
    "query", ["quick", "qu", "cafe", "CAFÉ", "zebediah", "the fox", "nothing", '"', "missing"]
)
def test_conversation_search_finds_what_the_store_wide_search_finds(
    store: Store, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small conversation searched in its own rows gives what the whole index gives."""
    own = store.search(query, account=ME, conversation=BOB)
    own_any_account = store.search(query, conversation=BOB)
    own_count = store.search_count(query, conversation=BOB)
    monkeypatch.setattr(search_module, "SMALL_CONVERSATION", -1)  # never "small"
    assert own == store.search(query, account=ME, conversation=BOB)
    assert own_any_account == store.search(query, conversation=BOB)
    assert own_count == store.search_count(query, conversation=BOB)


def sqlite_steps(store: Store, run: Callable[[], object]) -> int:
    """How many thousand SQLite VM steps ``run`` takes on the store's connection."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    store._conn.set_progress_handler(count, 1000)
    try:
        run()
    finally:
        store._conn.set_progress_handler(None, 1000)
    return steps


def test_conversation_search_costs_what_the_conversation_costs() -> None:
    """Searching a small chat for a word common elsewhere does not walk the other chats."""
    s = Store.memory()
    s.save_messages([msg(n, f"common word {n}") for n in range(100)])
    s.save_messages([msg(1000 + n, "common", conv=EVE) for n in range(300)])
    before = sqlite_steps(s, lambda: s.search("common", conversation=BOB, limit=500))
    s.save_messages([msg(2000 + n, "common", conv=EVE) for n in range(20_000)])
    after = sqlite_steps(s, lambda: s.search("common", conversation=BOB, limit=500))
    assert len(s.search("common", conversation=BOB, limit=500)) == 100
    assert after <= before * 1.5 + 5, (before, after)
