"""Provides a XEP-0393 (Message Styling) parser that returns styled ranges, not markup.

The parser never changes the text: styling directives (`*`, `_`, `~`, `` ` ``, ```` ``` ````
fences and `>` quote markers) stay visible and are reported as `SpanKind.DIRECTIVE` ranges so the
renderer can dim them, as XEP-0393 §6 recommends. Rules implemented (XEP-0393 v1.1):

- Blocks: a line starting with ```` ``` ```` opens a preformatted block that ends at a line that is
  exactly ```` ``` ```` or at the end of the parent block; nothing inside is styled. Lines starting
  with `>` form a quotation whose children (the lines without `>` and one leading whitespace
  character) are parsed as blocks again, so quotes nest. Other lines are plain blocks.
- Spans: an opening directive is at the start of the line, after whitespace, or right after a
  different opening directive; it is followed by a character that is neither whitespace nor the
  same directive. The span closes at the first same directive not preceded by whitespace, at
  least one character later on the same line. Spans of a kind do not nest in themselves;
  nothing nests inside `` `preformatted` ``.

Every step is linear in the input (closing directives are looked up by bisection), and quote
nesting deeper than `MAX_QUOTE_DEPTH` is shown as plain text, so hostile input cannot make the
parser slow or recurse without bound.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from enum import StrEnum

MAX_QUOTE_DEPTH = 16
"""Quotations nested deeper than this are not parsed further."""


class SpanKind(StrEnum):
    """What a styled range means."""

    STRONG = "strong"
    EMPHASIS = "emphasis"
    STRIKE = "strike"
    PRE = "pre"
    PRE_BLOCK = "pre_block"
    QUOTE = "quote"
    DIRECTIVE = "directive"


@dataclass(frozen=True, slots=True)
class StyleSpan:
    """A styled range `[start, end)` of the parsed text."""

    start: int
    end: int
    kind: SpanKind


_DIRECTIVES = {
    "*": SpanKind.STRONG,
    "_": SpanKind.EMPHASIS,
    "~": SpanKind.STRIKE,
    "`": SpanKind.PRE,
}
_FENCE = "```"


def _is_space(ch: str) -> bool:
    """XEP-0393 whitespace: the White_Space property or Unicode category Z."""
    return ch.isspace() or unicodedata.category(ch).startswith("Z")


@dataclass(frozen=True, slots=True)
class _Line:
    offset: int  # where `text` starts in the whole message
    text: str


class _Spans:
    """Span parsing of one line (closing directives indexed once per line)."""

    def __init__(self, line: _Line, out: list[StyleSpan], marks: list[StyleSpan]) -> None:
        self.line = line
        self.out = out
        self.marks = marks
        text = line.text
        self.closers: dict[str, list[int]] = {
            ch: [k for k in range(1, len(text)) if text[k] == ch and not _is_space(text[k - 1])]
            for ch in _DIRECTIVES
            if ch in text
        }

    def parse(self, start: int, end: int, active: frozenset[str]) -> None:
        text = self.line.text
        i = start
        while i < end:
            ch = text[i]
            close = self._closer(i, start, end, active) if ch in _DIRECTIVES else None
            if close is None:
                i += 1
                continue
            base = self.line.offset
            self.out.append(StyleSpan(base + i, base + close + 1, _DIRECTIVES[ch]))
            self.marks.append(StyleSpan(base + i, base + i + 1, SpanKind.DIRECTIVE))
            self.marks.append(StyleSpan(base + close, base + close + 1, SpanKind.DIRECTIVE))
            if ch != "`":
                self.parse(i + 1, close, active | {ch})
            i = close + 1

    def _closer(self, i: int, start: int, end: int, active: frozenset[str]) -> int | None:
        text = self.line.text
        ch = text[i]
        if ch in active or i + 1 >= end:
            return None
        if i != start and not _is_space(text[i - 1]):
            return None
        following = text[i + 1]
        if following == ch or _is_space(following):
            return None
        closers = self.closers.get(ch, [])
        k = bisect_left(closers, i + 2)
        if k < len(closers) and closers[k] < end:
            return closers[k]
        return None


def _parse_blocks(
    lines: list[_Line], out: list[StyleSpan], marks: list[StyleSpan], depth: int
) -> None:
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.text.startswith(_FENCE):
            j = i + 1
            while j < len(lines) and lines[j].text != _FENCE:
                j += 1
            marks.append(StyleSpan(line.offset, line.offset + len(line.text), SpanKind.DIRECTIVE))
            for inner in lines[i + 1 : j]:
                if inner.text:
                    end = inner.offset + len(inner.text)
                    out.append(StyleSpan(inner.offset, end, SpanKind.PRE_BLOCK))
            if j < len(lines):
                fence = lines[j]
                marks.append(StyleSpan(fence.offset, fence.offset + 3, SpanKind.DIRECTIVE))
            i = j + 1
        elif line.text.startswith(">") and depth < MAX_QUOTE_DEPTH:
            children: list[_Line] = []
            while i < len(lines) and lines[i].text.startswith(">"):
                quoted = lines[i]
                marks.append(StyleSpan(quoted.offset, quoted.offset + 1, SpanKind.DIRECTIVE))
                if len(quoted.text) > 1:
                    end = quoted.offset + len(quoted.text)
                    out.append(StyleSpan(quoted.offset + 1, end, SpanKind.QUOTE))
                skip = 2 if len(quoted.text) > 1 and _is_space(quoted.text[1]) else 1
                children.append(_Line(quoted.offset + skip, quoted.text[skip:]))
                i += 1
            _parse_blocks(children, out, marks, depth + 1)
        else:
            _Spans(line, out, marks).parse(0, len(line.text), frozenset())
            i += 1


def parse_styling(text: str) -> list[StyleSpan]:
    """Return the XEP-0393 styled ranges of `text`, outer ranges before inner ones.

    Directive ranges (`SpanKind.DIRECTIVE`) come last, so applying the spans in order dims the
    directives on top of the style they delimit.
    """
    lines: list[_Line] = []
    offset = 0
    for raw in text.split("\n"):
        lines.append(_Line(offset, raw))
        offset += len(raw) + 1
    out: list[StyleSpan] = []
    marks: list[StyleSpan] = []
    _parse_blocks(lines, out, marks, 0)
    return out + marks
