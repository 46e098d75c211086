"""Provides the safe text renderer that every piece of network text goes through.

Invariants (the security boundary between the network and the terminal):

- Rule 1: network text is never Rich/Textual markup. We build `rich.text.Text` from plain strings
  and style it with spans computed in code; `Text.from_markup` and `console.print(str)` are never
  used on data.
- Rule 2: `sanitize` leaves nothing a terminal could act on and nothing that spoofs the display:
  ESC and other C0 controls (except LF and TAB), DEL, C1 controls (U+0080–U+009F: CSI U+009B,
  OSC U+009D …), bidi controls, invisible format characters, lone surrogates, noncharacters and
  stray tag characters are replaced by a VISIBLE placeholder (a control picture such as `␛`, or
  `⟨U+202E⟩`), so the reader sees that something was there. CR, CRLF, U+2028 and U+2029 become
  LF: lines are never merged. ZWJ/ZWNJ survive only where they join emoji or letters of scripts
  that need them; tag characters only inside emoji flag sequences.
- Rule 3: one message never displays more than `MAX_DISPLAY_CHARS` characters; the rest is
  summarised as "… (N more characters)".
- Rule 4: an OSC 8 link target is exactly the URL text the reader sees, and only plain printable
  ASCII (see `tuichat.ui.links`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from tuichat.ui.links import find_links
from tuichat.ui.styling import SpanKind, parse_styling

MAX_DISPLAY_CHARS = 64 * 1024
"""At most this many characters of one message are displayed."""

PLACEHOLDER_STYLE = Style(reverse=True)
"""Style of the visible stand-ins for neutralised characters."""

TRUNCATION_STYLE = Style(dim=True, italic=True)
"""Style of the "… (N more characters)" note."""

LINK_STYLE = Style(underline=True)
"""Style added to detected links (besides the `link=` target)."""

SPAN_STYLES: dict[SpanKind, Style] = {
    SpanKind.STRONG: Style(bold=True),
    SpanKind.EMPHASIS: Style(italic=True),
    SpanKind.STRIKE: Style(strike=True),
    SpanKind.PRE: Style(color="cyan"),
    SpanKind.PRE_BLOCK: Style(color="cyan"),
    SpanKind.QUOTE: Style(dim=True),
    SpanKind.DIRECTIVE: Style(dim=True),
}
"""How each XEP-0393 span kind is shown. Directives stay visible and are dimmed."""

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Default-ignorable / format characters (category Cf and invisible fillers) that are not bidi.
_INVISIBLE = (
    "\u00ad\u034f\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5"
    "\u180b-\u180f\u200b-\u200d\u2060-\u2065\u206a-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e001f\U000e0080-\U000e0fff"
)
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
_SUSPECT = re.compile(
    "\r\n?|[\U000e0020-\U000e007f]+|[\u200c\u200d]"
    f"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff{_BIDI}{_INVISIBLE}"
    f"{_NONCHARACTERS}]"
)
# Variation selectors are harmless after a visible base character (VS16 makes emoji, VS1–VS14
# select CJK/Mongolian glyph variants); only a selector with no base is suspicious.
_VARIATION_SELECTORS = frozenset(
    map(chr, [0x180B, 0x180C, 0x180D, 0x180F, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])
)
_EMOJI_MODIFIERS = frozenset(map(chr, range(0x1F3FB, 0x1F400)))
_FLAG_BASE = "\U0001f3f4"
_CANCEL_TAG = "\U000e007f"
_JOINING_CATEGORIES = frozenset({"Lo", "Mn", "Mc"})
_MAX_TAGS_SHOWN = 256


@dataclass(frozen=True, slots=True)
class Sanitized:
    """The result of neutralising a string for display.

    `text` is safe for a terminal; `placeholders` are the (start, end) ranges of `text` that
    stand in for neutralised characters; `omitted` counts input characters cut off by a limit.
    """

    text: str
    placeholders: tuple[tuple[int, int], ...] = ()
    omitted: int = 0


def _is_pictographic(ch: str) -> bool:
    if not ch:
        return False
    cp = ord(ch)
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x2190 <= cp <= 0x2BFF
        or cp in (0xA9, 0xAE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299)
    )


def _emoji_base_before(text: str, index: int) -> str:
    """The character a ZWJ at `index` joins from, skipping VS16, skin tones and keycaps."""
    i = index - 1
    floor = max(0, index - 8)  # bounded: a run of selectors must not make this quadratic
    while i >= floor and (
        text[i] in _VARIATION_SELECTORS or text[i] in _EMOJI_MODIFIERS or text[i] == "\u20e3"
    ):
        i -= 1
    return text[i] if i >= floor else ""


def _joins_script(before: str, after: str) -> bool:
    """ZWJ/ZWNJ after a letter or mark (e.g. a virama) and before a letter of a script that
    uses joiners (Arabic, Indic, …); not Latin/Greek/Cyrillic-range letters, not selectors."""
    return (
        bool(before and after)
        and ord(before) >= 0x370 <= ord(after)
        and unicodedata.category(before) in _JOINING_CATEGORIES
        and unicodedata.category(after) == "Lo"
        and _SUSPECT.fullmatch(before) is None
    )


def _placeholder(ch: str) -> str:
    cp = ord(ch)
    if cp < 0x20:
        return chr(0x2400 + cp)  # control pictures: ␀ … ␛ … ␟
    if cp == 0x7F:
        return "\u2421"  # ␡
    return f"⟨U+{cp:04X}⟩"


def _replace(text: str, start: int, end: int) -> tuple[str, bool]:
    """Return (replacement, is_placeholder) for the suspicious match text[start:end]."""
    found = text[start:end]
    first = found[0]
    if first in "\r\u2028\u2029":
        return "\n", False
    if "\U000e0020" <= first <= _CANCEL_TAG:
        if (
            start > 0
            and text[start - 1] == _FLAG_BASE
            and found[-1] == _CANCEL_TAG
            and len(found) > 1
            and _CANCEL_TAG not in found[:-1]
        ):
            return found, False  # an emoji tag sequence such as the flag of Scotland
        # Stray tags can smuggle invisible ASCII; reveal it instead of hiding it.
        shown = "".join(
            chr(ord(c) - 0xE0000) if c != _CANCEL_TAG else "␡" for c in found[:_MAX_TAGS_SHOWN]
        )
        more = f"…(+{len(found) - _MAX_TAGS_SHOWN})" if len(found) > _MAX_TAGS_SHOWN else ""
        return f"⟨tags:{shown}{more}⟩", True
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if first == "\u200d" and (
        (_is_pictographic(_emoji_base_before(text, start)) and _is_pictographic(after))
        or _joins_script(before, after)
    ):
        return found, False
    if first == "\u200c" and _joins_script(before, after):
        return found, False
    if (
        first in _VARIATION_SELECTORS
        and before
        and not before.isspace()
        and _SUSPECT.fullmatch(before) is None
    ):
        return found, False
    return _placeholder(first), True


def _cut(text: str, index: int, floor: int) -> int:
    """Move a cut point back (not below `floor`) so that it does not split a grapheme."""
    floor = max(floor, index - 32)
    while index > floor and (
        unicodedata.category(text[index]).startswith("M")
        or text[index] in _VARIATION_SELECTORS
        or text[index] in _EMOJI_MODIFIERS
        or text[index] == "\u200d"
    ):
        index -= 1
    return index


def neutralise(text: str, limit: int | None = None) -> Sanitized:
    """Sanitise `text` (see `sanitize`), keeping at most about `limit` output characters.

    Placeholders are never split; input beyond the limit is counted in `omitted`.
    """
    out: list[str] = []
    marks: list[tuple[int, int]] = []
    size = 0
    pos = 0
    for match in _SUSPECT.finditer(text):
        start, end = match.span()
        if limit is not None and size + (start - pos) > limit:
            break
        out.append(text[pos:start])
        size += start - pos
        replacement, is_mark = _replace(text, start, end)
        if limit is not None and size + len(replacement) > limit:
            pos = start
            return Sanitized("".join(out), tuple(marks), len(text) - pos)
        if is_mark:
            marks.append((size, size + len(replacement)))
        out.append(replacement)
        size += len(replacement)
        pos = end
    rest = len(text) - pos
    if limit is not None and size + rest > limit:
        stop = _cut(text, pos + (limit - size), pos)
        out.append(text[pos:stop])
        return Sanitized("".join(out), tuple(marks), len(text) - stop)
    out.append(text[pos:])
    return Sanitized("".join(out), tuple(marks), 0)


def sanitize(text: str) -> str:
    """Return `text` with everything that could act on a terminal or spoof the display replaced.

    Controls, bidi overrides, invisible characters, lone surrogates and noncharacters become
    visible placeholders; CR/CRLF/U+2028/U+2029 become LF; LF and TAB are kept; ordinary text,
    combining marks, CJK and emoji (skin tones, VS16, flags, ZWJ sequences) are unchanged.
    """
    return neutralise(text).text


def _finish(text: Text, clean: Sanitized) -> Text:
    for start, end in clean.placeholders:
        text.stylize(PLACEHOLDER_STYLE, start, end)
    if clean.omitted:
        text.append(f" … ({clean.omitted:,} more characters)", style=TRUNCATION_STYLE)
    return text


def safe_text(text: str, style: str | Style = "") -> Text:
    """Return a Rich `Text` of `sanitize(text)` in `style`; never interprets markup.

    Placeholders are shown in reverse video; text longer than `MAX_DISPLAY_CHARS` is cut
    with a visible note.
    """
    clean = neutralise(text, MAX_DISPLAY_CHARS)
    return _finish(Text(clean.text, style=style), clean)


def render_body(body: str, *, base_style: str = "") -> Text:
    """Return a message body as styled, safe Rich `Text`.

    XEP-0393 styling is applied from `tuichat.ui.styling` (directives stay visible, dimmed),
    and URLs get `Style(link=url)` (OSC 8) when their target is plain printable ASCII.
    The displayed characters are exactly those of `safe_text(body)`.
    """
    clean = neutralise(body, MAX_DISPLAY_CHARS)
    text = Text(clean.text, style=base_style)
    for span in parse_styling(clean.text):
        text.stylize(SPAN_STYLES[span.kind], span.start, span.end)
    for link in find_links(clean.text):
        text.stylize(LINK_STYLE + Style(link=link.url), link.start, link.end)
    return _finish(text, clean)


_ESCAPE = re.compile(r"\x1b(?:\[([0-9;]*)m|\]8;([^;\x07\x1b]*);([^\x07\x1b]*)\x1b\\)")
_FORBIDDEN_OUTPUT = re.compile(
    f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff{_BIDI}\ufeff{_NONCHARACTERS}]"
)


def terminal_output_problems(output: str, link_targets: Collection[str]) -> list[str]:
    """Audit text that Rich wrote for a terminal; return a description of each problem.

    Allowed: printable text, LF, TAB, SGR sequences (`ESC [ … m`) and OSC 8 hyperlinks whose
    target is in `link_targets` (or empty, which closes a link). Anything else — another
    escape sequence, a C0/C1 control, a bidi control, a surrogate — is a problem. Used by the
    tests and by anyone who wants to check captured terminal output.
    """
    problems: list[str] = []
    pos = 0
    while (esc := output.find("\x1b", pos)) != -1:
        problems.extend(_plain_problems(output[pos:esc], pos))
        match = _ESCAPE.match(output, esc)
        if match is None:
            problems.append(f"unexpected escape sequence at {esc}: {output[esc : esc + 12]!r}")
            pos = esc + 1
            continue
        target = match.group(3)
        if target is not None and target and target not in link_targets:
            problems.append(f"hyperlink to unexpected target {target!r}")
        pos = match.end()
    problems.extend(_plain_problems(output[pos:], pos))
    return problems


def _plain_problems(chunk: str, offset: int) -> list[str]:
    return [
        f"forbidden character U+{ord(m.group()):04X} at {offset + m.start()}"
        for m in _FORBIDDEN_OUTPUT.finditer(chunk)
    ]
