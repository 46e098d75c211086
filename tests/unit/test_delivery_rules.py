"""Unit tests of the delivery and read state rules: the forward-only state order, whom we
confirm to, the chat state rate, the CLI's waiters, and the store's side (never backwards,
read markers moved to a message another device read)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tuichat.errors import ClientError
from tuichat.model import Direction, Message, MessageState, Subscription
from tuichat.store import Store
from tuichat.xmpp import delivery_rules as rules
from tuichat.xmpp import outbox as ob
from tuichat.xmpp.confirmations import Waiters, reached

ME, PEER = "me@example.org", "peer@example.org"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
S = MessageState


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        (S.PENDING, S.SENT, True),
        (S.SENT, S.ACKED, True),
        (S.ACKED, S.DELIVERED, True),
        (S.SENT, S.DELIVERED, True),  # the receipt overtook the server's ack
        (S.DELIVERED, S.DISPLAYED, True),
        (S.ACKED, S.DISPLAYED, True),
        (S.DELIVERED, S.ACKED, False),  # a late ack
        (S.DISPLAYED, S.DELIVERED, False),  # a late receipt
        (S.DISPLAYED, S.DISPLAYED, False),
        (S.DELIVERED, S.FAILED, False),  # a late bounce cannot undo a receipt
        (S.ACKED, S.FAILED, True),
    ],
)
def test_states_only_move_forward(old: MessageState, new: MessageState, ok: bool) -> None:
    assert rules.advances(old, new) is ok


@pytest.mark.parametrize(
    ("subscription", "ok"),
    [
        (Subscription.BOTH, True),
        (Subscription.FROM, True),
        (Subscription.TO, False),
        (Subscription.NONE, False),
        (None, False),  # a stranger: a receipt would tell them we are online
    ],
)
def test_only_who_sees_our_presence_gets_confirmations(
    subscription: Subscription | None, ok: bool
) -> None:
    assert rules.sees_presence(subscription) is ok


def test_only_the_peer_confirms() -> None:
    assert rules.from_peer(PEER, PEER)
    assert not rules.from_peer("mallory@example.org", PEER)
    assert not rules.from_peer("", PEER)


def test_composing_at_most_once_per_period_then_paused_once() -> None:
    typing = rules.Typing()
    sent = [typing.typed(t / 10) for t in range(100)]  # ten seconds, ten keys a second
    assert [s for s in sent if s] == ["composing", "composing"]  # at 0 s and at 8 s
    assert typing.tick(9.9 + rules.PAUSED_AFTER - 0.1) is None
    assert typing.tick(9.9 + rules.PAUSED_AFTER) == "paused"
    assert typing.tick(30.0) is None  # once
    assert typing.typed(31.0) == "composing"  # typing again
    assert typing.typed(31.5, empty=True) == "active"  # the draft was cleared
    assert typing.typed(32.0, empty=True) is None


def test_a_sent_message_resets_the_typing() -> None:
    typing = rules.Typing()
    assert typing.typed(0.0) == "composing"
    typing.sent()  # the message carried "active"
    assert typing.tick(10.0) is None
    assert typing.typed(10.5) == "composing"


def test_the_outbox_machine_counts_confirmed_states_as_final() -> None:
    assert {S.ACKED, S.DELIVERED, S.DISPLAYED, S.FAILED} <= set(ob.FINAL)


async def test_waiters_settle_on_reaching_the_state_or_failing() -> None:
    waiters = Waiters()
    acked = waiters.add("k", S.ACKED)
    delivered = waiters.add("k", S.DELIVERED)
    row = _out("x", state=S.ACKED)
    waiters.settle("k", row)
    assert acked.done() and acked.result() is row
    assert not delivered.done()
    waiters.settle("k", _out("x", state=S.DISPLAYED))  # a displayed marker implies delivery
    assert delivered.result().state is S.DISPLAYED
    failing = waiters.add("f", S.DELIVERED)
    waiters.settle("f", _out("y", state=S.FAILED), "bounced: no such user")
    with pytest.raises(ClientError, match="no such user"):
        failing.result()
    assert reached(S.DISPLAYED, S.ACKED) and not reached(S.ACKED, S.DELIVERED)
    await asyncio.sleep(0)


def _out(key: str, *, state: MessageState = S.ACKED, minutes: int = 0) -> Message:
    return Message(
        account=ME,
        conversation=PEER,
        direction=Direction.OUT,
        sender=f"{ME}/laptop",
        body=key,
        timestamp=T0 + timedelta(minutes=minutes),
        state=state,
        message_id=key,
        origin_id=key,
    )


def _in(key: str, minutes: int) -> Message:
    return Message(
        account=ME,
        conversation=PEER,
        direction=Direction.IN,
        sender=f"{PEER}/phone",
        body=key,
        timestamp=T0 + timedelta(minutes=minutes),
        message_id=key,
        stanza_id=f"sid-{key}",
    )


def test_store_never_moves_a_confirmed_message_back() -> None:
    store = Store.memory()
    row = store.save_message(_out("a", state=S.SENT))
    assert row is not None and row.id is not None
    assert store.update_state(row.id, S.DELIVERED).state is S.DELIVERED  # type: ignore[union-attr]
    assert store.update_state(row.id, S.ACKED).state is S.DELIVERED  # type: ignore[union-attr]
    assert store.update_state(row.id, S.FAILED, failure="late").state is S.DELIVERED  # type: ignore[union-attr]
    assert store.update_state(row.id, S.DISPLAYED).state is S.DISPLAYED  # type: ignore[union-attr]
    assert store.update_state(row.id, S.DELIVERED).state is S.DISPLAYED  # type: ignore[union-attr]
    assert store.outbox(ME) == []


def test_store_finds_our_message_and_those_a_displayed_marker_covers() -> None:
    store = Store.memory()
    rows = [store.save_message(_out(k, minutes=i)) for i, k in enumerate("abc")]
    assert all(r is not None for r in rows)
    found = store.find_outgoing(ME, PEER, "b")
    assert found is not None and found.body == "b"
    assert store.find_outgoing(ME, "mallory@example.org", "b") is None  # another conversation
    covered = store.outgoing_up_to(found, S.DISPLAYED)
    assert [m.body for m in covered] == ["a", "b"]


def test_read_marker_moves_to_a_message_read_elsewhere_and_never_back() -> None:
    store = Store.memory()
    for i, key in enumerate("xyz"):
        store.save_message(_in(key, i))
    assert store.unread_count(ME, PEER) == 3
    assert store.mark_read_up_to(ME, PEER, "sid-y") == 1
    assert store.unread_count(ME, PEER) == 1
    assert store.mark_read_up_to(ME, PEER, "sid-x") == 1  # older: stays
    assert store.mark_read_up_to(ME, PEER, "sid-unknown") is None
    assert store.last_stanza_id(ME, PEER) == "sid-z"
    assert store.stanza_id_of(ME, PEER, "z") == "sid-z"
    store.save_message(_in("w", 10))
    assert store.unread_count(ME, PEER) == 2  # the trigger counts from the moved marker
