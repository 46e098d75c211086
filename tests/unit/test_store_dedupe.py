"""Table tests for the store's dedupe rule: nothing is shown twice, nothing is lost."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tuichat.model import ConversationKind, Direction, Message, MessageState
from tuichat.store import Store

ME = "me@example.org"
BOB = "bob@example.org"
ROOM = "room@muc.example.org"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def incoming(**kw: object) -> Message:
    """An incoming chat message from bob with the given fields."""
    fields: dict[str, object] = {
        "account": ME,
        "conversation": BOB,
        "direction": Direction.IN,
        "sender": f"{BOB}/phone",
        "body": "hello",
        "timestamp": T0,
    }
    fields.update(kw)
    return Message(**fields)  # type: ignore[arg-type]


def outgoing(**kw: object) -> Message:
    """An outgoing chat message to bob, pending, with the given fields."""
    base: dict[str, object] = {
        "direction": Direction.OUT,
        "sender": f"{ME}/tuichat",
        "state": MessageState.PENDING,
    }
    base.update(kw)
    return incoming(**base)


@pytest.fixture
def store() -> Store:
    """A fresh in-memory store."""
    return Store.memory()


def test_live_carbon_and_archive_copies_are_stored_once(store: Store) -> None:
    """The same message via live stream, carbon and MAM is one row."""
    live = incoming(stanza_id="S1", origin_id="O1", message_id="M1")
    carbon = incoming(stanza_id="S1", origin_id="O1", message_id="M1", sender=f"{BOB}/laptop")
    archive = incoming(
        stanza_id="S1", origin_id="O1", message_id="M1", timestamp=T0 + timedelta(seconds=1)
    )
    assert store.save_message(live) is not None
    assert store.save_message(carbon) is None
    assert store.save_messages([archive]) == []
    assert len(store.history(ME, BOB)) == 1


def test_own_message_gains_stanza_id_from_archive_and_becomes_acked(store: Store) -> None:
    """Our pending message (origin-id only) merges with its archive copy and is acked."""
    sent = store.save_message(outgoing(origin_id="O1", message_id="O1"))
    assert sent is not None and sent.id is not None
    copy = outgoing(origin_id="O1", stanza_id="S1", message_id="O1", state=MessageState.ACKED)
    outcome = store.save(copy)
    assert outcome.stored is None
    assert outcome.updated
    assert outcome.existing is not None and outcome.existing.id == sent.id
    rows = store.history(ME, BOB)
    assert len(rows) == 1
    assert rows[0].stanza_id == "S1"
    assert rows[0].state is MessageState.ACKED
    assert store.outbox() == []


def test_merge_in_a_batch_is_left_out_of_the_new_list(store: Store) -> None:
    """save_messages returns only new rows even when a merge happened in the batch."""
    store.save_message(outgoing(origin_id="O1", state=MessageState.SENT))
    new = store.save_messages(
        [outgoing(origin_id="O1", stanza_id="S1"), incoming(stanza_id="S2", body="reply")]
    )
    assert [m.body for m in new] == ["reply"]
    assert store.history(ME, BOB)[0].state is MessageState.ACKED


def test_incoming_row_is_not_acked_by_a_merge(store: Store) -> None:
    """Gaining a stanza-id never changes an incoming message's state."""
    store.save_message(incoming(origin_id="O1"))
    store.save_message(incoming(origin_id="O1", stanza_id="S1"))
    [row] = store.history(ME, BOB)
    assert row.stanza_id == "S1" and row.state is MessageState.RECEIVED


def test_failed_outgoing_row_stays_failed(store: Store) -> None:
    """Only pending/sent rows become acked when their archive copy arrives."""
    store.save_message(outgoing(origin_id="O1", state=MessageState.FAILED))
    store.save_message(outgoing(origin_id="O1", stanza_id="S1"))
    [row] = store.history(ME, BOB)
    assert row.state is MessageState.FAILED and row.stanza_id == "S1"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"stanza_id": "S1"}, {"stanza_id": "S2"}),
        ({"origin_id": "O1"}, {"origin_id": "O2"}),
        ({"message_id": "M1"}, {"message_id": "M2"}),
        ({"stanza_id": "S1", "message_id": "M1"}, {"stanza_id": "S2", "message_id": "M1"}),
        ({}, {}),
    ],
)
def test_different_messages_with_the_same_body_are_both_stored(
    store: Store, first: dict[str, str], second: dict[str, str]
) -> None:
    """Equal bodies are not duplicates when the ids say they are different messages."""
    assert store.save_message(incoming(**first)) is not None
    assert store.save_message(incoming(**second)) is not None
    assert len(store.history(ME, BOB)) == 2


def test_same_origin_id_from_a_different_sender_is_not_a_duplicate(store: Store) -> None:
    """Origin-ids only match for the same sender bare JID."""
    store.save_message(incoming(origin_id="O1"))
    assert store.save_message(outgoing(origin_id="O1")) is not None


def test_origin_id_matches_across_resources_of_the_same_sender(store: Store) -> None:
    """The sender is compared by bare JID, so another resource still dedupes."""
    store.save_message(incoming(origin_id="O1"))
    assert store.save_message(incoming(origin_id="O1", sender=f"{BOB}/laptop")) is None


def test_same_stanza_id_in_another_conversation_is_kept(store: Store) -> None:
    """Ids are scoped to one (account, conversation)."""
    store.save_message(incoming(stanza_id="S1"))
    assert store.save_message(incoming(stanza_id="S1", conversation="eve@x.org")) is not None
    assert store.save_message(incoming(stanza_id="S1", account="other@x.org")) is not None


def test_message_id_fallback_when_one_side_has_no_stable_ids(store: Store) -> None:
    """A copy with only a message id matches by message id and sender."""
    store.save_message(incoming(message_id="M1"))
    assert store.save_message(incoming(message_id="M1")) is None
    # The archive copy brings a stanza-id; the stored row had none, so it gains it.
    outcome = store.save(incoming(message_id="M1", stanza_id="S1"))
    assert outcome.stored is None and outcome.updated
    [row] = store.history(ME, BOB)
    assert row.stanza_id == "S1"
    # Now a copy with no stanza/origin id still matches it by message id.
    assert store.save_message(incoming(message_id="M1")) is None


def test_message_id_fallback_needs_the_same_sender(store: Store) -> None:
    """Equal message ids from different senders are different messages."""
    store.save_message(incoming(message_id="M1"))
    assert store.save_message(outgoing(message_id="M1")) is not None


def test_message_id_is_not_compared_when_both_have_stable_ids(store: Store) -> None:
    """Clients reuse message ids; with stanza-ids on both sides they decide."""
    store.save_message(incoming(message_id="M1", stanza_id="S1"))
    assert store.save_message(incoming(message_id="M1", stanza_id="S2")) is not None


def test_room_reflection_of_our_message_merges(store: Store) -> None:
    """In a room, our message and its reflection (room stanza-id) are one row."""
    ours = Message(
        account=ME,
        conversation=ROOM,
        direction=Direction.OUT,
        sender=f"{ROOM}/me",
        body="hi all",
        timestamp=T0,
        kind=ConversationKind.GROUPCHAT,
        state=MessageState.SENT,
        origin_id="O1",
        nick="me",
    )
    store.save_message(ours)
    reflection = replace(ours, stanza_id="room-S1", state=MessageState.RECEIVED)
    assert store.save_message(reflection) is None
    [row] = store.history(ME, ROOM)
    assert row.stanza_id == "room-S1" and row.state is MessageState.ACKED


def test_room_origin_id_from_another_occupant_is_not_a_duplicate(store: Store) -> None:
    """In a room the sender identity is the occupant, so another nick cannot shadow us."""
    base = Message(
        account=ME,
        conversation=ROOM,
        direction=Direction.IN,
        sender=f"{ROOM}/alice",
        body="x",
        timestamp=T0,
        kind=ConversationKind.GROUPCHAT,
        origin_id="O1",
    )
    store.save_message(base)
    assert store.save_message(replace(base, sender=f"{ROOM}/mallory")) is not None


def test_many_messages_in_one_microsecond_all_get_ids(store: Store) -> None:
    """More messages than id slots at one instant are still all stored, in arrival order."""
    batch = [incoming(stanza_id=f"S{n}", body=f"b{n}") for n in range(1005)]
    stored = store.save_messages(batch)
    assert len(stored) == 1005
    assert len({m.id for m in stored}) == 1005
    assert [m.body for m in store.history(ME, BOB)] == [f"b{n}" for n in range(1005)]


def test_our_room_private_message_and_its_archive_copy_are_one(store: Store) -> None:
    """Our PM is stored under our room nick; the archive has it from our full JID: one row."""
    from tuichat.model import ConversationKind, Direction, Message, MessageState

    occupant = "lounge@conference.x.test/Bob"
    sent = Message(
        ME,
        occupant,
        Direction.OUT,
        "lounge@conference.x.test/Me",
        "psst",
        kind=ConversationKind.PRIVATE,
        state=MessageState.SENT,
        origin_id="o-pm",
        message_id="o-pm",
    )
    stored = store.save_message(sent)
    assert stored is not None
    archived = Message(
        ME,
        occupant,
        Direction.OUT,
        f"{ME}/laptop",
        "psst",
        kind=ConversationKind.PRIVATE,
        state=MessageState.ACKED,
        stanza_id="arch-1",
        origin_id="o-pm",
        message_id="o-pm",
    )
    assert store.save_message(archived) is None
    [row] = store.history(ME, occupant)
    assert (row.stanza_id, row.state) == ("arch-1", MessageState.ACKED)


def test_someone_else_cannot_suppress_our_message_by_reusing_its_origin_id(store: Store) -> None:
    """An incoming message with our origin-id is a different message, stored as such."""
    from tuichat.model import ConversationKind, Direction, Message, MessageState

    room = "lounge@conference.x.test"
    mine = Message(
        ME,
        room,
        Direction.OUT,
        f"{room}/Me",
        "mine",
        kind=ConversationKind.GROUPCHAT,
        state=MessageState.SENT,
        origin_id="same",
    )
    theirs = Message(
        ME,
        room,
        Direction.IN,
        f"{room}/Eve",
        "theirs",
        kind=ConversationKind.GROUPCHAT,
        origin_id="same",
    )
    assert store.save_message(mine) is not None
    assert store.save_message(theirs) is not None
    assert [m.body for m in store.history(ME, room)] == ["mine", "theirs"]
