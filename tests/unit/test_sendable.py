"""Table tests of the rule for what a message body may hold (tuichat.sendable)."""

from __future__ import annotations

import pytest

from tuichat.sendable import MAX_BODY_BYTES, Unsendable, check, clean, describe


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("build \x1b[32mOK\x1b[0m", "byte 7: ESC (U+001B) cannot be sent in XMPP"),
        ("\x00", "byte 1: NUL (U+0000) cannot be sent in XMPP"),
        ("bell\x07", "byte 5: BEL (U+0007) cannot be sent in XMPP"),
        ("vt\x0b", "byte 3: VT (U+000B) cannot be sent in XMPP"),
        ("ff\x0c", "byte 3: FF (U+000C) cannot be sent in XMPP"),
        ("us\x1f", "byte 3: US (U+001F) cannot be sent in XMPP"),
        ("é\ufffe", "byte 3: noncharacter (U+FFFE) cannot be sent in XMPP"),
        ("\uffff", "byte 1: noncharacter (U+FFFF) cannot be sent in XMPP"),
        ("ab\ud800", "byte 3: lone surrogate (U+D800) cannot be sent in XMPP"),
        ("€\udfff", "byte 4: lone surrogate (U+DFFF) cannot be sent in XMPP"),
        ("x" * (MAX_BODY_BYTES + 1), f"the message is {MAX_BODY_BYTES + 1:,} bytes; at most"),
        ("é" * (MAX_BODY_BYTES // 2 + 1), "bytes; at most 49,152 can be sent in XMPP"),
    ],
)
def test_check_refuses_what_xml_cannot_carry_and_says_where(body: str, error: str) -> None:
    with pytest.raises(Unsendable) as caught:
        check(body)
    assert error in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        "plain",
        "tab\tline\nfeed\rreturn",
        "C1 \x80\x9b\x9d and DEL \x7f are legal XML",
        "bidi \u202e and zero width \u200b",
        "astral 😀 and U+FFFD \ufffd and U+FFFD-adjacent \ufffc",
        "x" * MAX_BODY_BYTES,
        "&" * MAX_BODY_BYTES,
    ],
)
def test_check_accepts_what_xml_can_carry(body: str) -> None:
    check(body)
    assert clean(body).text == body and clean(body).notice == ""


@pytest.mark.parametrize(
    ("body", "text", "removed"),
    [
        ("build \x1b[32mOK\x1b[0m", "build [32mOK[0m", ("ESC (U+001B) ×2",)),
        ("a\x00b\x07c\ufffe", "abc", ("NUL (U+0000)", "BEL (U+0007)", "noncharacter (U+FFFE)")),
        ("x\ud83dy", "xy", ("lone surrogate (U+D83D)",)),
        ("ok", "ok", ()),
    ],
)
def test_clean_removes_and_names_what_it_removed(
    body: str, text: str, removed: tuple[str, ...]
) -> None:
    cleaned = clean(body)
    assert (cleaned.text, cleaned.removed) == (text, removed)
    check(cleaned.text)
    if removed:
        assert cleaned.notice == "removed what XMPP cannot carry: " + ", ".join(removed)


def test_describe_names_c0_controls() -> None:
    assert [describe(c) for c in "\x00\x1b\x7f"] == [
        "NUL (U+0000)",
        "ESC (U+001B)",
        "'\\x7f' (U+007F)",
    ]
