"""Unit tests of the rule that says which nick of ours a room message is checked against."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tuichat.model import ConversationKind, Direction, Message
from tuichat.ui.widgets.message_lines import nicks_when_they_came

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ROOM = "lobby@conference.example.org"


def at(minutes: int, nick: str, *, ours: bool = False, kind: str = "groupchat") -> Message:
    """A room message at T0 + ``minutes`` by ``nick`` (``ours``: we sent it)."""
    return Message(
        account="me@example.org",
        conversation=ROOM,
        direction=Direction.OUT if ours else Direction.IN,
        sender=f"{ROOM}/{nick}",
        body="…",
        timestamp=T0 + timedelta(minutes=minutes),
        kind=ConversationKind(kind),
        nick=nick,
    )


def when(minutes: int) -> datetime:
    """T0 + ``minutes``."""
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("messages", "now", "changes", "expected"),
    [
        # nothing tells us more: every message is checked against our nick now
        ([at(1, "a"), at(2, "b")], "mia", [], ["mia", "mia"]),
        # a message we sent as "mia" tells what we were called before it (our own messages
        # are never checked, so what they get themselves does not matter)
        ([at(1, "a"), at(2, "mia", ours=True), at(3, "b")], "selma", [], ["mia", "selma", "selma"]),
        # a change seen in the session tells the nick before it
        ([at(1, "a"), at(5, "b")], "selma", [(when(3), "mia")], ["mia", "selma"]),
        # the nearest fact after the message wins: our message as "x", then a change from "y"
        (
            [at(1, "a"), at(2, "x", ours=True), at(3, "b"), at(6, "c")],
            "z",
            [(when(4), "y")],
            ["x", "y", "y", "z"],
        ),
        # a message at the very time of a change came after it
        ([at(3, "a")], "selma", [(when(3), "mia")], ["selma"]),
        # an outgoing private message's nick is the peer's, not ours: it tells nothing
        ([at(1, "a"), at(2, "bob", ours=True, kind="private")], "mia", [], ["mia", "mia"]),
    ],
)
def test_nick_when_each_message_came(
    messages: list[Message],
    now: str,
    changes: list[tuple[datetime, str]],
    expected: list[str],
) -> None:
    """Each message gets the nick the next fact after it tells, else our nick now."""
    assert nicks_when_they_came(messages, now, changes) == expected
