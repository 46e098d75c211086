"""The store's OMEMO tables: the migration, keys written with messages in one transaction,
placeholders kept and opened, and per-conversation encryption."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from tuichat.actions import Action, ActionKind, Marks
from tuichat.model import Direction, Encryption, Message, Trust
from tuichat.store import Store, StoreError
from tuichat.store.migrations import (
    Migrations,
    m001_initial,
    m002_fts_queue,
    m003_outbox_failures,
    m004_feed_entries,
    m005_omemo,
)
from tuichat.store.omemo import KeyWrites

ME = "me@example.test"
PEER = "peer@example.test"


def incoming(body: str, stanza_id: str, **kw: object) -> Message:
    return Message(
        account=ME,
        conversation=PEER,
        direction=Direction.IN,
        sender=f"{PEER}/phone",
        body=body,
        stanza_id=stanza_id,
        **kw,  # type: ignore[arg-type]
    )


def test_m005_adds_columns_to_existing_messages(tmp_path: Path) -> None:
    """A store made before OMEMO keeps its messages; they read as plaintext, readable."""
    path = tmp_path / "old.db"
    old = Store.open(
        path,
        migrations=Migrations(
            m001_initial, m002_fts_queue, m003_outbox_failures, m004_feed_entries
        ),
    )
    old._conn.execute(
        "INSERT INTO messages (id, account, conversation, kind, direction, sender, sender_bare,"
        " body, ts, state) VALUES (1, ?, ?, 'chat', 'in', ?, ?, 'old', 1, 'received')",
        (ME, PEER, PEER, PEER),
    )
    old.close()
    store = Store.open(path)
    assert store.migrations_run[0] == m005_omemo.__name__  # then the later ones
    [msg] = store.history(ME, PEER)
    assert (msg.body, msg.encryption, msg.trust, msg.undecrypted) == (
        "old",
        Encryption.NONE,
        None,
        None,
    )
    store.close()


def test_encryption_trust_and_placeholder_round_trip() -> None:
    """The three new message fields are stored and read back."""
    store = Store.memory()
    store.save_message(incoming("hi", "s1", encryption=Encryption.OMEMO, trust=Trust.BLIND))
    store.save_message(
        incoming("", "s2", encryption=Encryption.OMEMO, undecrypted="no session with the sender")
    )
    first, second = store.history(ME, PEER)
    assert (first.encryption, first.trust, first.undecrypted) == (
        Encryption.OMEMO,
        Trust.BLIND,
        None,
    )
    assert (second.body, second.undecrypted) == ("", "no session with the sender")


def test_keys_are_written_with_the_message() -> None:
    """Key writes given with a batch land with it (stores and deletes)."""
    store = Store.memory()
    store.write_keys(KeyWrites(ME, {"/gone": "1"}))
    keys = KeyWrites(ME, {"/ratchet": '{"n":2}', "/gone": None})
    store.save_outcomes([incoming("hi", "s1")], keys=keys)
    assert store.load_key(ME, "/ratchet") == '{"n":2}'
    assert store.load_key(ME, "/gone") is None
    assert store.load_key("other@example.test", "/ratchet") is None


def test_a_failed_insert_rolls_the_key_writes_back(tmp_path: Path) -> None:
    """The ratchet never moves without its message: a failing insert takes the keys with it."""
    store = Store.open(tmp_path / "s.db")
    store.write_keys(KeyWrites(ME, {"/ratchet": '{"n":1}'}))
    store._conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    with pytest.raises((StoreError, sqlite3.Error)):
        store.save_outcomes([incoming("hi", "s1")], keys=KeyWrites(ME, {"/ratchet": '{"n":2}'}))
    assert store.load_key(ME, "/ratchet") == '{"n":1}'
    assert store.history(ME, PEER) == []
    store.close()


def test_placeholder_stanza_is_kept_then_opened() -> None:
    """A placeholder's stanza is kept for a retry; opening it fills the text in place (same
    row) and drops the stanza, with the key writes in the same transaction."""
    store = Store.memory()
    placeholder = incoming("", "s1", encryption=Encryption.OMEMO, undecrypted="distrusted")
    [outcome] = store.save_outcomes([placeholder], sealed=["<message/>"])
    assert outcome.stored is not None and outcome.stored.id is not None
    [kept] = store.sealed(ME)
    assert (kept.message, kept.stanza) == (outcome.stored.id, "<message/>")
    readable = replace(placeholder, body="secret", undecrypted=None, trust=Trust.VERIFIED)
    reopened = store.reopen_sealed(kept.message, readable, KeyWrites(ME, {"/k": "1"}))
    assert reopened is not None and reopened.stored is not None
    opened = reopened.stored
    assert opened.id == outcome.stored.id
    assert (opened.body, opened.trust, opened.undecrypted) == ("secret", Trust.VERIFIED, None)
    assert store.sealed(ME) == []
    assert store.load_key(ME, "/k") == "1"
    assert store.search("secret") == [opened]


def test_a_reopened_placeholder_keeps_its_reply_and_applies_its_correction() -> None:
    """What a live decryption recovers, a retry does too: a reply is recorded with the row; a
    correction is applied to the message it names, and its placeholder row goes."""
    store = Store.memory()
    store.save_message(incoming("first", "s0", origin_id="o0", message_id="o0"))
    reply = incoming("", "s1", encryption=Encryption.OMEMO, undecrypted="no session")
    fix = incoming("", "s2", encryption=Encryption.OMEMO, undecrypted="no session")
    outcomes = store.save_outcomes([reply, fix], sealed=["<message/>", "<message/>"])
    rows = [o.stored.id for o in outcomes if o.stored is not None and o.stored.id is not None]
    answered = replace(reply, body="yes", undecrypted=None, marks=Marks(reply_to="o0"))
    got = store.reopen_sealed(rows[0], answered, None)
    assert got is not None and got.stored is not None and got.stored.marks is not None
    assert got.stored.marks.reply_to == "o0" and got.stored.marks.quoted_id is not None
    corrected = replace(
        fix, body="first!", undecrypted=None, replaces="o0", action=Action(ActionKind.CORRECT, "o0")
    )
    changed = store.reopen_sealed(rows[1], corrected, None)
    assert changed is not None and changed.changed is not None
    assert changed.changed.body == "first!" and changed.changed.marks is not None
    assert changed.changed.marks.edited
    assert [m.body for m in store.history(ME, PEER)] == ["first!", "yes"]
    assert store.sealed(ME) == []


def test_a_duplicate_keeps_no_stanza() -> None:
    """Only a newly stored placeholder keeps its stanza."""
    store = Store.memory()
    store.save_message(incoming("", "s1", undecrypted="x"))
    store.save_outcomes([incoming("", "s1", undecrypted="x")], sealed=["<message/>"])
    assert store.sealed(ME) == []


def test_duplicate_of_finds_by_stanza_and_origin_id() -> None:
    """Asked before decrypting: the stored copy by stanza-id, or ours by origin-id."""
    store = Store.memory()
    store.save_message(incoming("hi", "s1"))
    assert store.duplicate_of(incoming("", "s1")) is not None
    assert store.duplicate_of(incoming("", "s2")) is None
    ours = Message(ME, PEER, Direction.OUT, f"{ME}/tc", "mine", origin_id="o1")
    store.save_message(ours)
    copy = Message(ME, PEER, Direction.OUT, f"{ME}/other", "", origin_id="o1", stanza_id="s9")
    assert store.duplicate_of(copy) is not None


def test_conversation_encryption_is_remembered() -> None:
    """Set, read back, changed; the last incoming message's encryption is known."""
    store = Store.memory()
    assert store.conversation_encryption(ME, PEER) is None
    store.set_conversation_encryption(ME, PEER, "omemo")
    store.set_conversation_encryption(ME, PEER, "none")
    assert store.conversation_encryption(ME, PEER) == "none"
    assert store.last_incoming_encryption(ME, PEER) is None
    store.save_message(incoming("hi", "s1", encryption=Encryption.OMEMO))
    assert store.last_incoming_encryption(ME, PEER) == "omemo"
