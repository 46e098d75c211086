"""Table tests of the outgoing-message state machine: every input, every transition."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tuichat.model import ConversationKind, MessageState
from tuichat.xmpp.outbox import (
    MAX_CLOSES,
    Blamed,
    Bounced,
    Changed,
    CopyArrived,
    Effect,
    Entry,
    FreshStream,
    Held,
    Input,
    Outbox,
    Queued,
    Ready,
    Reflected,
    Released,
    Restored,
    Resumed,
    RoomEntered,
    RoomGone,
    Send,
    SetAside,
    StreamAcked,
    StreamLost,
    Unwritten,
    culprit,
    set_aside_reason,
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
        elif isinstance(effect, Blamed):
            out.append(("blamed", effect.entry.row, effect.condition))
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
    pytest.param([Queued(entry(1))], [], id="chat queued while not ready waits"),
    pytest.param(
        [Queued(entry(1)), Ready()],
        [("send", 1, ""), ("state", 1, "sent")],
        id="ready flushes what waited",
    ),
    pytest.param(
        [Ready(), Queued(entry(1))],
        [("send", 1, ""), ("state", 1, "sent")],
        id="queued while ready goes at once",
    ),
    pytest.param(
        [Queued(entry(1)), Queued(entry(2)), Ready()],
        [("send", 1, ""), ("state", 1, "sent"), ("send", 2, ""), ("state", 2, "sent")],
        id="oldest first",
    ),
    pytest.param(
        [Ready(), Queued(entry(1, ROOM, GROUP))],
        [],
        id="room message waits for the room, not for ready",
    ),
    pytest.param(
        [Queued(entry(1, ROOM, GROUP)), RoomEntered(ROOM)],
        [("send", 1, ""), ("state", 1, "sent")],
        id="entering the room sends its messages",
    ),
    pytest.param(
        [Queued(entry(1, ROOM, GROUP)), RoomEntered("other@muc.example.org")],
        [],
        id="another room sends nothing of this one",
    ),
    pytest.param(
        [RoomEntered(ROOM), Queued(entry(1, ROOM, GROUP))],
        [("send", 1, ""), ("state", 1, "sent")],
        id="room message while in the room goes at once",
    ),
    pytest.param(
        [Ready(), Queued(entry(1, PM, PRIVATE))],
        [("send", 1, ""), ("state", 1, "sent")],
        id="room private message goes like a chat",
    ),
    pytest.param(
        [Restored((entry(1, state=SENT),)), Ready()],
        [("send", 1, "")],
        id="sent on an older run: resent, no state change",
    ),
    pytest.param(
        [Ready(), Queued(entry(1)), Ready()],
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
    assert summary(outbox.handle(Queued(entry(2)))) == [
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
    outbox, _ = run([Ready(), Queued(entry(1))])
    assert summary(run(events, outbox)[1]) == expected
    assert len(outbox.waiting()) == (0 if expected else 1)


def test_room_message_is_acked_by_its_reflection_not_by_the_server() -> None:
    """The server's ack of a room message says nothing of the room: wait for the echo."""
    outbox, _ = run([RoomEntered(ROOM), Queued(entry(1, ROOM, GROUP))])
    assert outbox.handle(StreamAcked("k1")) == []
    assert summary(outbox.handle(Reflected("k1"))) == [("state", 1, "acked")]


def test_bounce_carries_its_reason() -> None:
    """A bounce keeps the server's words for the user."""
    outbox, _ = run([Ready(), Queued(entry(1))])
    [changed] = outbox.handle(Bounced("k1", "bob@example.org does not exist"))
    assert changed == Changed(1, BOB, FAILED, "bob@example.org does not exist", "k1")


def test_held_message_waits_pending_until_released() -> None:
    """A message that cannot be encrypted goes back to pending with why, and is not written
    again until something may have changed (released, or a new session is ready)."""
    outbox, _ = run([Ready(), Queued(entry(1))])
    [changed] = outbox.handle(Held("k1", "no device"))
    assert changed == Changed(1, BOB, PENDING, "no device", "k1")
    assert outbox.handle(Queued(entry(2))) == [
        Send(replace(entry(2), on_stream=True, state=SENT)),
        Changed(2, BOB, SENT, key="k2"),
    ]
    assert summary(outbox.handle(Released())) == [("send", 1, ""), ("state", 1, "sent")]
    outbox.handle(Held("k1", "no device"))
    assert summary(run([StreamLost(), FreshStream(), Ready()], outbox)[1]) == [
        ("send", 1, ""),
        ("state", 1, "sent"),
        ("send", 2, ""),
    ]


def test_holding_one_message_lets_others_go() -> None:
    """A held message does not stop the messages of other conversations."""
    outbox, _ = run([Ready(), Queued(entry(1)), Held("k1", "no device")])
    assert summary(outbox.handle(Queued(entry(2, "carl@example.org")))) == [
        ("send", 2, ""),
        ("state", 2, "sent"),
    ]
    assert outbox.handle(Held("k9", "unknown")) == []


# -- streams: fresh, resumed, lost -----------------------------------------------------------


def test_fresh_stream_resends_what_was_not_acked_after_ready() -> None:
    """Written to a dead stream and never acked: sent again on the next, once ready."""
    outbox, _ = run([Ready(), Queued(entry(1)), Queued(entry(2)), StreamAcked("k1")])
    outbox.handle(StreamLost())
    assert outbox.handle(FreshStream()) == []
    assert summary(outbox.handle(Ready())) == [("send", 2, "")]


def test_fresh_stream_with_a_room_message_in_flight_resends_it_in_the_room() -> None:
    """A room message that was never reflected goes again once we are back in the room."""
    outbox, _ = run([RoomEntered(ROOM), Queued(entry(1, ROOM, GROUP))])
    run([StreamLost(), FreshStream(), Ready()], outbox)
    assert summary(outbox.handle(RoomEntered(ROOM))) == [("send", 1, "")]


def test_resumed_stream_does_not_send_twice() -> None:
    """After a resume slixmpp writes the unacked stanzas itself; we send only what waited."""
    outbox, _ = run([Ready(), Queued(entry(1))])
    outbox.handle(StreamLost())
    outbox.handle(Queued(entry(2)))  # typed while the stream was down
    assert summary(outbox.handle(Resumed())) == [("send", 2, ""), ("state", 2, "sent")]
    assert summary(outbox.handle(StreamAcked("k1"))) == [("state", 1, "acked")]


def test_resuming_a_stream_cut_before_it_was_ready_waits_for_ready() -> None:
    """Cut during the first catch-up (encryption not loaded yet) and resumed: nothing goes out
    until the catch-up is done, as on the stream before the cut."""
    outbox, _ = run([FreshStream(), Queued(entry(1))])
    outbox.handle(StreamLost())
    assert outbox.handle(Resumed()) == []
    assert summary(outbox.handle(Ready())) == [("send", 1, ""), ("state", 1, "sent")]


def test_a_write_cut_off_by_the_lost_stream_goes_again_in_order_on_resumption() -> None:
    """Encrypting took until after the cut: not written then, sent again (oldest first) once
    the stream is resumed, behind nothing slixmpp resends."""
    outbox, _ = run([Ready(), Queued(entry(1)), Queued(entry(2)), StreamLost()])
    assert outbox.writable("k1") is False
    assert outbox.handle(Unwritten("k1")) == []
    assert outbox.handle(Unwritten("k2")) == []
    assert summary(outbox.handle(Resumed())) == [
        ("send", 1, ""),
        ("state", 1, "sent"),
        ("send", 2, ""),
        ("state", 2, "sent"),
    ]
    assert outbox.writable("k1") and outbox.writable("k2")


def test_a_stream_cut_twice_resumes_ready_if_it_was_ready_before_the_first_cut() -> None:
    outbox, _ = run([Ready(), StreamLost(), StreamLost(), Queued(entry(1))])
    assert summary(outbox.handle(Resumed())) == [("send", 1, ""), ("state", 1, "sent")]


def test_leaving_a_room_holds_its_messages_until_we_are_back() -> None:
    """Kicked before the echo: the message waits, and goes when we are in again."""
    outbox, _ = run([RoomEntered(ROOM), Queued(entry(1, ROOM, GROUP)), RoomGone(ROOM)])
    assert outbox.handle(Queued(entry(2, ROOM, GROUP))) == []
    assert summary(outbox.handle(RoomEntered(ROOM))) == [
        ("send", 1, ""),
        ("send", 2, ""),
        ("state", 2, "sent"),
    ]


def test_a_stream_ended_on_our_data_blames_the_oldest_unacked_and_set_aside_lets_the_rest_go() -> (
    None
):
    """The server ended the stream with not-well-formed: the oldest message it had not acked
    is blamed (the shell counts it in the store); set aside, the one behind it goes out."""
    outbox, _ = run([Ready(), Queued(entry(1)), Queued(entry(2))])
    assert summary(outbox.handle(StreamLost("not-well-formed"))) == [
        ("blamed", 1, "not-well-formed")
    ]
    run([FreshStream()], outbox)
    assert summary(outbox.handle(Ready())) == [("send", 1, ""), ("send", 2, "")]
    outbox.handle(StreamLost("not-well-formed"))
    [failed] = outbox.handle(SetAside("k1", "the server closed the connection twice"))
    assert failed.state is FAILED and failed.reason == "the server closed the connection twice"
    run([FreshStream()], outbox)
    assert summary(outbox.handle(Ready())) == [("send", 2, "")]
    assert summary(outbox.handle(StreamAcked("k2"))) == [("state", 2, "acked")]


@pytest.mark.parametrize(
    "condition",
    [None, "system-shutdown", "conflict", "connection-timeout", "reset", "see-other-host"],
)
def test_a_stream_lost_for_another_reason_blames_nothing(condition: str | None) -> None:
    """A network loss, a shutdown or a login elsewhere says nothing about our messages."""
    outbox, _ = run([Ready(), Queued(entry(1))])
    assert outbox.handle(StreamLost(condition)) == []


def test_a_bounce_after_the_servers_ack_still_fails_the_message() -> None:
    """Our server acks what it read; the recipient's server may refuse it afterwards."""
    outbox, _ = run([Ready(), Queued(entry(1)), StreamAcked("k1")])
    [failed] = outbox.handle(Bounced("k1", "nobody@example.org does not exist"))
    assert (failed.row, failed.state) == (1, FAILED)


@pytest.mark.parametrize(
    ("keys", "condition", "blamed"),
    [
        ([7, 8, 9], "not-well-formed", 7),  # the oldest unacked: the server stopped there
        ([8], "policy-violation", 8),  # stanza too big
        ([8], "invalid-xml", 8),
        ([8], "restricted-xml", 8),
        ([8], "xml-not-well-formed", 8),
        ([], "not-well-formed", None),  # nothing of ours on the wire
        ([7], None, None),  # the network dropped: no stream error
        ([7], "system-shutdown", None),
        ([7], "conflict", None),  # logged in elsewhere with our resource
        ([7], "connection-timeout", None),
        ([7], "reset", None),
        ([7], "see-other-host", None),
        ([7], "internal-server-error", None),
        ([7], "undefined-condition", None),
    ],
)
def test_culprit_is_the_oldest_unacked_item_on_errors_about_our_data(
    keys: list[int], condition: str | None, blamed: int | None
) -> None:
    """Only stream errors about what we sent blame a message, and then the oldest."""
    found = culprit([entry(k) for k in keys], condition)
    assert (found.row if found else None) == blamed


@pytest.mark.parametrize(
    ("closes", "condition", "text", "reason"),
    [
        (1, "not-well-formed", "", None),
        (
            2,
            "not-well-formed",
            "",
            "the server closed the connection twice on this message (not-well-formed)",
        ),
        (
            2,
            "policy-violation",
            "XML stanza is too big",
            "the server closed the connection twice on this message "
            "(policy-violation: XML stanza is too big)",
        ),
        (
            3,
            "invalid-xml",
            "",
            "the server closed the connection 3 times on this message (invalid-xml)",
        ),
    ],
)
def test_an_item_is_set_aside_at_the_second_close(
    closes: int, condition: str, text: str, reason: str | None
) -> None:
    """The count is the store's (it survives restarts); the second close sets it aside."""
    assert MAX_CLOSES == 2
    assert set_aside_reason(closes, condition, text) == reason


def test_acked_and_failed_messages_are_forgotten() -> None:
    """Final states leave the machine: nothing is ever resent after them."""
    outbox, _ = run([Ready(), Queued(entry(1)), Queued(entry(2))])
    run([StreamAcked("k1"), Bounced("k2", "no")], outbox)
    run([StreamLost(), FreshStream()], outbox)
    assert outbox.handle(Ready()) == []
    assert outbox.waiting() == ()
