"""Hostile-text tests for the safe renderer: nothing from the network reaches the terminal raw."""

from __future__ import annotations

import io
import subprocess
import sys
import unicodedata

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from tuichat.ui.links import find_links, safe_link_target
from tuichat.ui.render import (
    MAX_DISPLAY_CHARS,
    PLACEHOLDER_STYLE,
    neutralise,
    render_body,
    safe_text,
    sanitize,
    terminal_output_problems,
)

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

HOSTILE = [
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
    "\x9b31m",
    "\x9d0;t\x9c",
    "\x90qpayload\x9c",
    "\x85next line",
    "\u202eevil\u202c",
    "\u2066iso\u2069",
    "pay\u200bpal",
    "\ufeffbom",
    "\ud800",
    "\udfff\ud83d",
    "a\x00b\x07c\x08d\x7fe",
    "\U000e0068\U000e0069 hidden tags",
    "\ufffe\uffff\ufdd0\U0010ffff",
    "\ufff9annotated\ufffa\ufffb",
    "\u3164",
]


def render(text: Text, width: int = 80) -> str:
    """What Rich writes to a truecolor terminal for `text`."""
    console = Console(
        file=io.StringIO(), force_terminal=True, color_system="truecolor", width=width
    )
    console.print(text)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def link_targets(text: Text) -> set[str]:
    """The OSC 8 targets our own spans put on `text`."""
    return {
        span.style.link
        for span in text.spans
        if not isinstance(span.style, str) and span.style.link is not None
    }


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_emits_only_sgr_and_our_links(hostile: str) -> None:
    """Escape/C1/bidi/surrogate input must never reach the terminal as a control sequence."""
    for text in (safe_text(hostile), render_body(hostile), render_body(f"*{hostile}* `x`")):
        out = render(text)
        assert terminal_output_problems(out, link_targets(text)) == []


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_leaves_a_visible_trace(hostile: str) -> None:
    """A neutralised character must leave a visible placeholder, never vanish silently."""
    clean = neutralise(hostile)
    assert clean.placeholders or "\n" in clean.text
    for start, end in clean.placeholders:
        assert cell_len(clean.text[start:end]) >= 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x1b[2Jb", "a␛[2Jb"),
        ("x\x9b31m", "x⟨U+009B⟩31m"),
        ("\x9d0;t\x9c", "⟨U+009D⟩0;t⟨U+009C⟩"),
        ("\u202eevil", "⟨U+202E⟩evil"),
        ("pay\u200bpal", "pay⟨U+200B⟩pal"),
        ("\ud800", "⟨U+D800⟩"),
        ("a\x7fb", "a␡b"),
        ("a\x00b", "a␀b"),
        ("hi\U000e0068\U000e0069", "hi⟨tags:hi⟩"),
        ("\ufeff", "⟨U+FEFF⟩"),
        ("\u3164", "⟨U+3164⟩"),
        ("\ufe0fx", "⟨U+FE0F⟩x"),
    ],
)
def test_sanitize_replaces_with_named_placeholders(raw: str, expected: str) -> None:
    """Each dangerous character becomes a specific, recognisable placeholder."""
    assert sanitize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\u2028b\u2029c", "a\nb\nc"),
        ("keep\ttab\nand newline", "keep\ttab\nand newline"),
    ],
)
def test_line_breaks_are_never_merged(raw: str, expected: str) -> None:
    """CR, CRLF and Unicode separators become LF, so lines can neither merge nor overwrite."""
    assert sanitize(raw) == expected


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("plain ASCII", 11),
        ("中文字", 6),
        ("e\u0301", 1),
        ("👨\u200d👩\u200d👧\u200d👦", 2),
        ("🏳\ufe0f\u200d🌈", 2),
        ("🧑🏽\u200d💻", 2),
        ("❤\ufe0f\u200d🔥", 2),
        ("👍🏽", 2),
        ("🇫🇷", 2),
        ("1\ufe0f\u20e3", 2),
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 2),
        ("کتاب\u200cها", None),
        ("क्\u200dष", None),
    ],
)
def test_legitimate_text_is_unchanged_and_keeps_its_width(text: str, width: int | None) -> None:
    """Emoji sequences, CJK, marks and script joiners must survive untouched, same width."""
    assert sanitize(text) == text
    if width is not None:
        assert cell_len(sanitize(text)) == width


def test_zero_width_joiner_outside_emoji_is_made_visible() -> None:
    """A ZWJ between Latin letters is a spoofing trick, not an emoji sequence."""
    assert sanitize("a\u200db") == "a⟨U+200D⟩b"
    assert sanitize("👍\u200d") == "👍⟨U+200D⟩"
    assert sanitize("pay\u200cpal") == "pay⟨U+200C⟩pal"


def test_every_format_character_is_handled() -> None:
    """Every Unicode Cf/Cc/Cs character must be replaced unless it is a known-safe joiner."""
    allowed_in_context = {"\u200c", "\u200d"} | {chr(c) for c in range(0xE0020, 0xE0080)}
    missed = []
    for cp in range(0x110000):
        ch = chr(cp)
        if ch in "\n\t" or ch in allowed_in_context:
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs") and sanitize(f"x{ch}x") == f"x{ch}x":
            missed.append(f"U+{cp:04X}")
    assert missed == []


@pytest.mark.parametrize(
    "markup",
    ["[bold red]x[/]", "[link=http://evil]y[/link]", "[@click=app.quit]z[/]", "[/]", "[/foo]"],
)
def test_markup_is_shown_literally_without_spans(markup: str) -> None:
    """Markup-looking text must display as typed and create no style, link or action."""
    for text in (safe_text(markup), render_body(markup)):
        assert text.plain == markup
        assert text.spans == []
        assert render(text) == markup + "\n"


def test_style_argument_is_ours_not_the_texts() -> None:
    """safe_text applies the caller's style and nothing from the data."""
    text = safe_text("[red]x", style="bold")
    assert text.plain == "[red]x"
    assert str(text.style) == "bold"
    assert text.spans == []


def test_placeholders_are_highlighted() -> None:
    """Placeholders are styled so they cannot be mistaken for typed text."""
    text = safe_text("a\x1bb")
    assert [(s.start, s.end, s.style) for s in text.spans] == [(1, 2, PLACEHOLDER_STYLE)]


def test_long_message_is_capped_with_a_note() -> None:
    """A 100 kB line must render quickly, capped, saying how much was left out."""
    body = "x" * 100_000
    for text in (safe_text(body), render_body(body)):
        assert text.plain.startswith("x" * MAX_DISPLAY_CHARS)
        assert text.plain.endswith(f"… ({100_000 - MAX_DISPLAY_CHARS:,} more characters)")
        out = render(text)
        assert terminal_output_problems(out, set()) == []


def test_cap_counts_placeholders_and_never_splits_one() -> None:
    """Expanded placeholders count toward the cap, and a placeholder is never cut in half."""
    text = safe_text("\x9b" * 100_000)
    shown = text.plain.split(" … ")[0]
    assert len(shown) <= MAX_DISPLAY_CHARS
    assert shown.endswith("⟨U+009B⟩")
    count = shown.count("⟨U+009B⟩")
    assert text.plain.endswith(f"({100_000 - count:,} more characters)")


def test_cap_does_not_split_an_emoji_sequence() -> None:
    """Cutting a long message must not leave a dangling skin-tone modifier or joiner."""
    body = "a" * (MAX_DISPLAY_CHARS - 1) + "👍🏽" + "b" * 10
    shown = safe_text(body).plain.split(" … ")[0]
    assert shown == "a" * (MAX_DISPLAY_CHARS - 1)


def test_links_get_osc8_with_exactly_the_visible_target() -> None:
    """A URL becomes an OSC 8 hyperlink whose target is the text the reader sees."""
    text = render_body("see https://example.org/a_(b)). and xmpp:romeo@montague.lit?join")
    targets = link_targets(text)
    assert targets == {"https://example.org/a_(b)", "xmpp:romeo@montague.lit?join"}
    out = render(text, width=200)
    assert "\x1b]8;id=" in out
    assert terminal_output_problems(out, targets) == []
    assert terminal_output_problems(out, set()) != []  # the audit notices unknown targets


@pytest.mark.parametrize(
    "body",
    [
        "http://evil.example/\x1b]52;c;x\x07",
        "http://evil.example/\x9b31m",
        "http://ex\u202eample.org",
        "http://exämple.com",
        "http://evil\u200b.example",
        "[link=http://evil]y[/link]",
        "http://a\\b",
        "https://",
    ],
)
def test_odd_urls_are_not_linked(body: str) -> None:
    """If a URL holds controls, placeholders, non-ASCII or markup, it is not linked at all."""
    text = render_body(body)
    assert link_targets(text) == set()
    assert "\x1b]8" not in render(text)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/path?q=1#frag", True),
        ("http://[::1]:5280/", True),
        ("aesgcm://host/file#key", False),  # holds a file's key: never a link
        ("AESGCM://host/file#key", False),
        (" \taesgcm://host/file#key", False),
        ("mailto:juliet@capulet.lit", True),
        ("geo:37.786971,-122.399677", True),
        ("javascript:alert(1)", False),
        ("http://a b", False),
        ("http://a\x1bb", False),
        ("http://a\x07", False),
        ("https://x/" + "a" * 5000, False),
    ],
)
def test_safe_link_target(url: str, ok: bool) -> None:
    """Only allowed schemes with RFC 3986 characters may become hyperlink targets."""
    assert (safe_link_target(url) == url) is ok


def test_url_inside_a_word_is_not_detected() -> None:
    """`foohttp://x` is not a link start; links are only found at word boundaries."""
    assert find_links("foohttp://x.org") == []
    assert [link.url for link in find_links("(https://x.org)")] == ["https://x.org"]


def test_renderer_modules_do_not_import_textual() -> None:
    """The renderer stays pure Rich so it is fast to import and test (layer rule)."""
    code = (
        "import sys, tuichat.ui.render, tuichat.ui.nickcolor;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'slixmpp')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
