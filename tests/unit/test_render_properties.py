"""Property tests: for any string at all, the renderer's output is safe for a terminal."""

from __future__ import annotations

import io
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from tuichat.ui.render import render_body, safe_text, sanitize, terminal_output_problems
from tuichat.ui.styling import parse_styling

# Characters that make the interesting cases likely: controls, C1, bidi, joiners, tags,
# emoji parts, styling directives, URL pieces.
SPICE = [
    "\x1b", "\x07", "\x9b", "\x9d", "\x9c", "\x85", "\r", "\n", "\t", "\x7f", "\x00",
    "\u202e", "\u2066", "\u200e", "\u061c", "\u200b", "\u200c", "\u200d", "\ufeff",
    "\u2028", "\ufe0f", "\U0001f3fd", "\U0001f3f4", "\U000e0067", "\U000e007f", "\ud800",
    "\udc00", "👨", "🌈", "中", "ک", "\u094d", "\u0301", "*", "_", "~", "`", "```", ">", " ",
    "http://x.org/", "xmpp:a@b", "[bold]", "[/]", "[@click=app.quit]", "\ufffe", "\u3164",
]  # fmt: skip
ANY_CHAR = st.characters(codec=None, exclude_categories=())
HOSTILE_TEXT = st.lists(st.one_of(ANY_CHAR, st.sampled_from(SPICE)), max_size=60).map("".join)

BIDI_AND_INVISIBLE = set("\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e") | set(
    "\u2066\u2067\u2068\u2069\u2028\u2029\ufeff\u3164\ufff9\ufffa\ufffb"
)


def forbidden_in(clean: str) -> list[str]:
    """Characters of `clean` that sanitize must never let through (independent of its code)."""
    bad = []
    for i, ch in enumerate(clean):
        cp, cat = ord(ch), unicodedata.category(ch)
        prev, nxt = clean[i - 1 : i], clean[i + 1 : i + 2]
        if ch in "\n\t":
            continue
        if cat in ("Cc", "Cs") or ch in BIDI_AND_INVISIBLE:
            bad.append(ch)
        elif (cp & 0xFFFE) == 0xFFFE or 0xFDD0 <= cp <= 0xFDEF:
            bad.append(ch)  # noncharacters
        elif ch in "\u200c\u200d" and (not prev or not nxt or prev.isascii() or nxt.isascii()):
            bad.append(ch)  # joiners only between non-ASCII characters
        elif cat == "Cf" and not ("\U000e0020" <= ch <= "\U000e007f" or ch in "\u200c\u200d"):
            bad.append(ch)
    return bad


def terminal(text: Text) -> str:
    """What Rich writes to a truecolor terminal for `text`."""
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=40)
    console.print(text)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def our_links(text: Text) -> set[str]:
    """Link targets set by our own spans."""
    return {
        span.style.link
        for span in text.spans
        if not isinstance(span.style, str) and span.style.link is not None
    }


@settings(deadline=None, max_examples=300)
@given(HOSTILE_TEXT)
def test_sanitize_output_has_no_forbidden_characters(raw: str) -> None:
    """Whatever arrives, sanitize leaves no control, bidi, surrogate or stray joiner."""
    clean = sanitize(raw)
    assert forbidden_in(clean) == []
    assert sanitize(clean) == clean  # idempotent: placeholders are themselves safe


@settings(deadline=None, max_examples=300)
@given(HOSTILE_TEXT)
def test_rendered_output_is_safe_for_a_terminal(raw: str) -> None:
    """render_body never raises, and its terminal output holds only SGR and our own links."""
    for text in (render_body(raw), safe_text(raw)):
        assert text.plain == safe_text(raw).plain
        out = terminal(text)
        assert terminal_output_problems(out, our_links(text)) == []
        for target in our_links(text):
            assert target.isascii() and target.isprintable() and " " not in target
            assert target in text.plain


@settings(deadline=None, max_examples=300)
@given(HOSTILE_TEXT)
def test_styling_spans_stay_inside_the_text(raw: str) -> None:
    """Parsed XEP-0393 ranges are non-empty and lie within the text."""
    clean = sanitize(raw)
    for span in parse_styling(clean):
        assert 0 <= span.start < span.end <= len(clean)
