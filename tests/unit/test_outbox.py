"""Table tests of the outgoing-message state machine: every input, every transition."""

from __future__ import annotations

import pytest

from tuichat.model import ConversationKind, MessageState
from tuichat.xmpp.outbox import (
    POISON_REASON,
    POISON_WINDOW,
    Bounced,
    Changed,
    CopyArrived,
    Effect,
    Entry,
    FreshStream,
    Input,
    Outbox,
    Queued,
    Ready,
    Reflected,
    Restored,
    Resumed,
    RoomEntered,
    RoomGone,
    Send,
    StreamAcked,
    StreamLost,
)

BOB = "bob@example.org"
ROOM = "room@muc.example.org"
PM = "room@muc.example.org/carl"
CHAT, GROUP, PRIVATE = ConversationKind.CHAT, ConversationKind.GROUPCHAT, ConversationKind.PRIVATE
PENDING, SENT = MessageState.PENDING, MessageState.SENT
ACKED, FAILED = MessageState.ACKED, MessageState.FAILED


def entry(row: int, conversation: str = BOB, kind: ConversationKind = CHAT, **kw: object) -> Entry:
    """Message number ``row`` (its key is ``k<row>``)."""
    return Entry(row, conversation, kind, f"k{row}", **kw)  # type: ignore[arg-type]


def summary(effects: list[Effect]) -> list[tuple[str, int, str]]:
    """Effects as ``("send", row, "")`` / ``("state", row, state)`` for readable tables."""
    out = []
    for effect in effects:
        if isinstance(effect, Send):
            out.append(("send", effect.entry.row, ""))
        else:
            out.append(("state", effect.row, effect.state.value))
    return out


def run(events: list[Input], outbox: Outbox | None = None) -> tuple[Outbox, list[Effect]]:
    """Feed ``events`` in order; return the machine and every effect."""
    outbox = outbox or Outbox()
    effects: list[Effect] = []
    for event in events:
        effects += outbox.handle(event)
    return outbox, effects


# -- when messages go out -------------------------------------------------------------------

SENDING = [
    pytest.param([Queued(entry(1), 0.0)], [], id="chat queued while not ready waits"),
    pytest.param(
        [Queued(entry(1), 0.0), Ready(0.0)],
        [("send", 1, ""), ("state", 1, "sent")],
        id="ready flushes what waited",
    ),
    pytest.param(
        [Ready(0.0), Queued(entry(1), 0.0)],
        [("send", 1, ""), ("state", 1, "sent")],
        id="queued while ready goes at once",
    ),
    pytest.param(
        [Queued(entry(1), 0.0), Queued(entry(2), 0.0), Ready(0.0)],
        [("send", 1, ""), ("state", 1, "sent"), ("send", 2, ""), ("state", 2, "sent")],
        id="oldest first",
    ),
    pytest.param(
        [Ready(0.0), Queued(entry(1, ROOM, GROUP), 0.0)],
        [],
        id="room message waits for the room, not for ready",
    ),
    pytest.param(
        [Queued(entry(1, ROOM, GROUP), 0.0), RoomEntered(ROOM, 0.0)],
        [("send", 1, ""), ("state", 1, "sent")],
        id="entering the room sends its messages",
    ),
    pytest.param(
        [Queued(entry(1, ROOM, GROUP), 0.0), RoomEntered("other@muc.example.org", 0.0)],
        [],
        id="another room sends nothing of this one",
    ),
    pytest.param(
        [RoomEntered(ROOM, 0.0), Queued(entry(1, ROOM, GROUP), 0.0)],
        [("send", 1, ""), ("state", 1, "sent")],
        id="room message while in the room goes at once",
    ),
    pytest.param(
        [Ready(0.0), Queued(entry(1, PM, PRIVATE), 0.0)],
        [("send", 1, ""), ("state", 1, "sent")],
        id="room private message goes like a chat",
    ),
    pytest.param(
        [Restored((entry(1, state=SENT),)), Ready(0.0)],
        [("send", 1, "")],
        id="sent on an older run: resent, no state change",
    ),
    pytest.param(
        [Ready(0.0), Queued(entry(1), 0.0), Ready(1.0)],
        [("send", 1, ""), ("state", 1, "sent")],
        id="a second ready does not send twice",
    ),
]


@pytest.mark.parametrize(("events", "expected"), SENDING)
def test_when_messages_go_out(events: list[Input], expected: list[tuple[str, int, str]]) -> None:
    """Each input sends exactly what its rule says, in order."""
    assert summary(run(events)[1]) == expected


def test_a_new_message_never_overtakes_an_older_one_of_its_conversation() -> None:
    """Restored rows still waiting keep their place: a new message queues behind them."""
    outbox, _ = run([Restored((entry(1),))])
    outbox.ready = True  # as if ready came while a row was held back (no flush yet)
    assert summary(outbox.handle(Queued(entry(2), 0.0))) == [
        ("send", 1, ""),
        ("state", 1, "sent"),
        ("send", 2, ""),
        ("state", 2, "sent"),
    ]


# -- what becomes of them ---------------------------------------------------------------------

OUTCOMES = [
    pytest.param([StreamAcked("k1")], [("state", 1, "acked")], id="chat acked by the server"),
    pytest.param([CopyArrived("k1")], [("state", 1, "acked")], id="chat acked by its copy"),
    pytest.param(
        [Bounced("k1", "service-unavailable")], [("state", 1, "failed")], id="chat bounced"
    ),
    pytest.param([StreamAcked("k9")], [], id="an ack of something else"),
    pytest.param(
        [StreamAcked("k1"), StreamAcked("k1"), CopyArrived("k1")],
        [("state", 1, "acked")],
        id="acked once, whatever comes after",
    ),
]


@pytest.mark.parametrize(("events", "expected"), OUTCOMES)
def test_outcomes_of_a_chat_message(
    events: list[Input], expected: list[tuple[str, int, str]]
) -> None:
    """A sent chat message ends acked or failed, once."""
    outbox, _ = run([Ready(0.0), Queued(entry(1), 0.0)])
    assert summary(run(events, outbox)[1]) == expected
    assert len(outbox.waiting()) == (0 if expected else 1)


def test_room_message_is_acked_by_its_reflection_not_by_the_server() -> None:
    """The server's ack of a room message says nothing of the room: wait for the echo."""
    outbox, _ = run([RoomEntered(ROOM, 0.0), Queued(entry(1, ROOM, GROUP), 0.0)])
    assert outbox.handle(StreamAcked("k1")) == []
    assert summary(outbox.handle(Reflected("k1"))) == [("state", 1, "acked")]


def test_bounce_carries_its_reason() -> None:
    """A bounce keeps the server's words for the user."""
    outbox, _ = run([Ready(0.0), Queued(entry(1), 0.0)])
    [changed] = outbox.handle(Bounced("k1", "bob@example.org does not exist"))
    assert changed == Changed(1, BOB, FAILED, "bob@example.org does not exist")


# -- streams: fresh, resumed, lost -----------------------------------------------------------


def test_fresh_stream_resends_what_was_not_acked_after_ready() -> None:
    """Written to a dead stream and never acked: sent again on the next, once ready."""
    outbox, _ = run([Ready(0.0), Queued(entry(1), 0.0), Queued(entry(2), 0.0), StreamAcked("k1")])
    outbox.handle(StreamLost(100.0))
    assert outbox.handle(FreshStream()) == []
    assert summary(outbox.handle(Ready(101.0))) == [("send", 2, "")]


def test_fresh_stream_with_a_room_message_in_flight_resends_it_in_the_room() -> None:
    """A room message that was never reflected goes again once we are back in the room."""
    outbox, _ = run([RoomEntered(ROOM, 0.0), Queued(entry(1, ROOM, GROUP), 0.0)])
    run([StreamLost(100.0), FreshStream(), Ready(101.0)], outbox)
    assert summary(outbox.handle(RoomEntered(ROOM, 102.0))) == [("send", 1, "")]


def test_resumed_stream_does_not_send_twice() -> None:
    """After a resume slixmpp writes the unacked stanzas itself; we send only what waited."""
    outbox, _ = run([Ready(0.0), Queued(entry(1), 0.0)])
    outbox.handle(StreamLost(100.0))
    outbox.handle(Queued(entry(2), 0.0))  # typed while the stream was down
    assert summary(outbox.handle(Resumed(101.0))) == [("send", 2, ""), ("state", 2, "sent")]
    assert summary(outbox.handle(StreamAcked("k1"))) == [("state", 1, "acked")]


def test_leaving_a_room_holds_its_messages_until_we_are_back() -> None:
    """Kicked before the echo: the message waits, and goes when we are in again."""
    outbox, _ = run([RoomEntered(ROOM, 0.0), Queued(entry(1, ROOM, GROUP), 0.0), RoomGone(ROOM)])
    assert outbox.handle(Queued(entry(2, ROOM, GROUP), 0.0)) == []
    assert summary(outbox.handle(RoomEntered(ROOM, 5.0))) == [
        ("send", 1, ""),
        ("send", 2, ""),
        ("state", 2, "sent"),
    ]


def test_a_message_that_closes_the_stream_twice_is_set_aside_and_the_rest_flows() -> None:
    """The oldest unacked message, twice right before the stream closed: failed, with why;
    the one behind it then goes out."""
    outbox, _ = run([Ready(0.0), Queued(entry(1), 0.0), Queued(entry(2), 0.0)])
    assert outbox.handle(StreamLost(0.5)) == []
    run([FreshStream()], outbox)
    assert summary(outbox.handle(Ready(1.0))) == [("send", 1, ""), ("send", 2, "")]
    [failed] = outbox.handle(StreamLost(1.2))
    assert failed == Changed(1, BOB, FAILED, POISON_REASON)
    run([FreshStream()], outbox)
    assert summary(outbox.handle(Ready(2.0))) == [("send", 2, "")]
    assert summary(outbox.handle(StreamAcked("k2"))) == [("state", 2, "acked")]


def test_a_network_drop_long_after_the_write_does_not_count_against_the_message() -> None:
    """Only a close right after the write points at the message; a later drop does not."""
    outbox, _ = run([Ready(0.0), Queued(entry(1), 0.0)])
    for n in range(5):
        start = 1000.0 * (n + 1)
        assert outbox.handle(StreamLost(start + POISON_WINDOW + 1)) == []
        run([FreshStream(), Ready(start + POISON_WINDOW + 2)], outbox)
    assert [e.state for e in outbox.waiting()] == [SENT]


def test_acked_and_failed_messages_are_forgotten() -> None:
    """Final states leave the machine: nothing is ever resent after them."""
    outbox, _ = run([Ready(0.0), Queued(entry(1), 0.0), Queued(entry(2), 0.0)])
    run([StreamAcked("k1"), Bounced("k2", "no")], outbox)
    run([StreamLost(5.0), FreshStream()], outbox)
    assert outbox.handle(Ready(6.0)) == []
