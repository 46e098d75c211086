"""XEP-0393 parser tests: the examples from the XEP, blocks, and hostile inputs."""

from __future__ import annotations

import time

import pytest

from tuichat.ui.render import SPAN_STYLES, render_body
from tuichat.ui.styling import SpanKind, StyleSpan, parse_styling

S, E, X, P = SpanKind.STRONG, SpanKind.EMPHASIS, SpanKind.STRIKE, SpanKind.PRE


def styled(text: str) -> list[tuple[str, SpanKind]]:
    """The (covered text, kind) pairs of the non-directive spans of `text`."""
    return [
        (text[s.start : s.end], s.kind) for s in parse_styling(text) if s.kind != SpanKind.DIRECTIVE
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*strong*", [("*strong*", S)]),
        ("plain *strong* plain", [("*strong*", S)]),
        ("*strong* plain *strong*", [("*strong*", S), ("*strong*", S)]),
        ("*strong*plain*", [("*strong*", S)]),
        ("* plain *strong*", [("*strong*", S)]),
        ("_emph_ ~strike~ `pre`", [("_emph_", E), ("~strike~", X), ("`pre`", P)]),
        ("Everyone ~dis~likes cake.", [("~dis~", X)]),
        ("This is `*monospace*`", [("`*monospace*`", P)]),
        ("*`monospace and bold`*", [("*`monospace and bold`*", S), ("`monospace and bold`", P)]),
        ("_emph *strong* more_", [("_emph *strong* more_", E), ("*strong*", S)]),
    ],
)
def test_xep_examples_are_styled(text: str, expected: list[tuple[str, SpanKind]]) -> None:
    """The styled examples of XEP-0393 §6.2 parse as the XEP says."""
    assert styled(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "not strong*",
        "*not strong",
        "*not \n strong*",
        "*not *strong",
        "**",
        "****",
        "a*b*c",
        "snake_case_name",
        "* a *",
        "``",
    ],
)
def test_xep_unstyled_examples_stay_plain(text: str) -> None:
    """The XEP's "nothing would be styled" examples (and word-internal directives) stay plain."""
    assert styled(text) == []


def test_same_directive_does_not_nest() -> None:
    """A span may not contain its own kind; the first valid closer ends it."""
    assert styled("*a *b* c*") == [("*a *b*", S)]


def test_nothing_is_parsed_inside_preformatted_span() -> None:
    """Directives inside `...` are literal."""
    assert styled("`*no* _no_`") == [("`*no* _no_`", P)]


def test_directives_stay_visible_and_are_marked() -> None:
    """Directive characters remain in the text and are reported for dimming."""
    spans = parse_styling("*hi*")
    marks = [(s.start, s.end) for s in spans if s.kind == SpanKind.DIRECTIVE]
    assert marks == [(0, 1), (3, 4)]
    text = render_body("*hi*")
    assert text.plain == "*hi*"


def test_preformatted_block_is_not_styled_and_ends_at_fence() -> None:
    """A ``` block holds no spans; it ends at a line of exactly ```."""
    body = "```py\n*not bold*\n```\n*bold*"
    kinds = {(body[s.start : s.end], s.kind) for s in parse_styling(body)}
    assert ("*not bold*", SpanKind.PRE_BLOCK) in kinds
    assert ("*bold*", S) in kinds
    assert ("*not bold*", S) not in kinds


def test_unclosed_preformatted_block_in_quote_ends_with_the_quote() -> None:
    """XEP-0393 example: an unclosed ``` inside a quote ends with the quote."""
    body = "> ```\n> (println *x*)\n\nplain *after*"
    kinds = [(body[s.start : s.end], s.kind) for s in parse_styling(body)]
    assert ("(println *x*)", SpanKind.PRE_BLOCK) in kinds
    assert ("*after*", S) in kinds
    assert ("*x*", S) not in kinds


def test_nested_quotes() -> None:
    """`>>` nests a quote in a quote, and spans inside quotes are parsed."""
    body = ">> That that is, *is*.\n> Said the hermit.\nWho?"
    spans = parse_styling(body)
    quotes = [body[s.start : s.end] for s in spans if s.kind == SpanKind.QUOTE]
    assert quotes == ["> That that is, *is*.", " Said the hermit.", " That that is, *is*."]
    assert ("*is*", S) in [(body[s.start : s.end], s.kind) for s in spans]
    assert StyleSpan(body.index("Who"), len(body), SpanKind.QUOTE) not in spans


def test_spans_do_not_cross_lines() -> None:
    """Plain blocks are single lines; a span cannot escape its line."""
    assert styled("(but there is no *formatting)\n(as spans* may not escape blocks.)") == []


def test_render_body_applies_styles() -> None:
    """render_body turns parsed spans into the configured Rich styles."""
    text = render_body("a *b* c")
    assert any(
        span.style == SPAN_STYLES[S] and (span.start, span.end) == (2, 5) for span in text.spans
    )


@pytest.mark.parametrize(
    "body",
    [
        "*a " * 30_000,
        "_" * 100_000,
        ">" * 100_000,
        "> " * 50_000,
        "```\n" * 30_000,
        "*_~`" * 25_000,
        "\n".join(["> *x* _y_"] * 10_000),
    ],
)
def test_hostile_styling_input_is_fast(body: str) -> None:
    """Pathological directive soups parse in linear time with bounded recursion.

    Each takes well under 0.2 s here; a quadratic parser would take minutes on 100,000
    characters. The bound is that loose on purpose, so a busy machine cannot make it flake.
    """
    started = time.perf_counter()
    parse_styling(body)
    render_body(body)
    assert time.perf_counter() - started < 15.0
