"""Table tests of the rule that sets aside an outbox item that keeps closing the stream."""

from __future__ import annotations

import pytest

from tuichat.xmpp.outbox_guard import MAX_CLOSES, culprit, set_aside_reason


@pytest.mark.parametrize(
    ("unacked", "condition", "blamed"),
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
    unacked: list[int], condition: str | None, blamed: int | None
) -> None:
    assert culprit(unacked, condition) == blamed


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
    assert MAX_CLOSES == 2
    assert set_aside_reason(closes, condition, text) == reason
