"""The parsed-stylesheet cache: a later start parses nothing, gets the same rules, and a bad
file or bad CSS costs only time."""

from __future__ import annotations

from pathlib import Path

from textual.css.parse import parse
from textual.css.tokenize import tokenize_values

from tests.unit.start_probe import two_starts
from tuichat.ui.css_cache import RuleCache, Variables

CSS = "Static { color: $accent; padding: 0 1; &.-shown { display: block; } }"


def tokens(accent: str) -> dict[str, list[object]]:
    return tokenize_values({"accent": accent})  # type: ignore[return-value]


def parsed(cache: RuleCache, css: str = CSS, accent: str = "red") -> list[str]:
    rules = cache.parse("", css, ("test", "CSS"), variable_tokens=tokens(accent))
    return [rule.css for rule in rules]


def test_rules_parsed_once_are_read_back_by_the_next_start(tmp_path: Path) -> None:
    file = tmp_path / "cache" / "rules.pickle"
    first = RuleCache(file, parse)
    first.load()
    wanted = parsed(first)
    assert first.parsed == 1 and "#FF0000" in " ".join(wanted)
    first.save()

    second = RuleCache(file, parse)
    second.load()
    assert parsed(second) == wanted
    assert second.parsed == 0


def test_other_variables_or_other_css_are_parsed_again(tmp_path: Path) -> None:
    cache = RuleCache(tmp_path / "rules.pickle", parse)
    red = parsed(cache, accent="red")
    blue = parsed(cache, accent="blue")
    assert red != blue and "#0000FF" in " ".join(blue)
    parsed(cache, css=CSS.replace("0 1", "1 2"))
    assert cache.parsed == 3
    parsed(cache, accent="red")
    assert cache.parsed == 3


def test_css_with_errors_is_never_kept(tmp_path: Path) -> None:
    cache = RuleCache(tmp_path / "rules.pickle", parse)
    bad = "Static { colour: red; }"
    for _ in range(2):
        rules = list(cache.parse("", bad, ("test", "CSS")))
        assert any(rule.errors for rule in rules)
    assert cache.parsed == 2


def test_a_damaged_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    file = tmp_path / "rules.pickle"
    for junk in (b"", b"not a pickle", b"\x80\x04K\x01."):  # the last: the int 1
        file.write_bytes(junk)
        cache = RuleCache(file, parse)
        cache.load()
        parsed(cache)
        assert cache.parsed == 1
        cache.save()
        again = RuleCache(file, parse)
        again.load()
        parsed(again)
        assert again.parsed == 0


PROBE = """
import json
from tuichat.ui import css_cache
cache = css_cache.install()
from textual.app import App
from textual.widgets import Footer, Input
app = App()
sheet = app.stylesheet
sheet.set_variables(app.get_css_variables())
for widget in (Footer, Input):
    for read_from, css, tie_breaker, scope in widget()._get_default_css():
        sheet.add_source(css, read_from=read_from, is_default_css=True, tie_breaker=tie_breaker)
sheet.parse()
cache.save()
rules = [
    repr((sorted(rule.selector_names), sorted(rule.styles.get_rules().items())))
    for rule in sheet.rules
]
tokenized = sum(lazy.made for lazy in cache._lazy)
print(json.dumps({"parsed": cache.parsed, "rules": rules, "tokenized": tokenized}))
"""


def test_textual_stylesheets_parsed_from_the_cache_are_the_same(tmp_path: Path) -> None:
    runs = two_starts(PROBE, tmp_path)
    assert runs[0]["parsed"] > 0
    assert runs[1]["parsed"] == 0
    assert runs[1]["rules"] == runs[0]["rules"] and len(runs[0]["rules"]) > 10
    assert runs[0]["tokenized"] > 0 and runs[1]["tokenized"] == 0  # the theme's variables


def test_variables_are_tokenized_only_for_a_parse_that_runs(tmp_path: Path) -> None:
    file = tmp_path / "rules.pickle"
    first = RuleCache(file, parse, tokenize_values)
    red = first.variables({"accent": "red"})
    rules = list(first.parse("", CSS, ("test", "CSS"), variable_tokens=red))
    assert red.made and dict(red) == tokens("red")
    assert [rule.css for rule in rules] == parsed(RuleCache(tmp_path / "other", parse))
    first.save()
    second = RuleCache(file, parse, tokenize_values)
    second.load()
    again = second.variables({"accent": "red"})
    blue = second.variables({"accent": "blue"})
    assert [r.css for r in second.parse("", CSS, ("test", "CSS"), variable_tokens=again)] == [
        rule.css for rule in rules
    ]
    assert not again.made and second.parsed == 0  # read from the file: no token needed
    assert "#0000FF" in " ".join(
        r.css for r in second.parse("", CSS, ("t", "CSS"), variable_tokens=blue)
    )
    assert blue.made and second.parsed == 1


def test_closing_tokenizes_the_variables_handed_out(tmp_path: Path) -> None:
    """A stylesheet keeps its variables: Textual's own parse reads them after start-up."""
    from textual.css import stylesheet

    installed = stylesheet.__dict__["tokenize_values"]
    cache = RuleCache(tmp_path / "rules.pickle", parse, tokenize_values)
    try:
        stylesheet.__dict__["tokenize_values"] = cache.variables
        kept: Variables = stylesheet.tokenize_values({"accent": "red"})
        assert not kept.made
        cache.close()
        assert kept.made and dict(kept) == tokens("red")
        assert stylesheet.__dict__["tokenize_values"] is tokenize_values
        rules = list(parse("", CSS, ("test", "CSS"), variable_tokens=kept))
        assert "#FF0000" in " ".join(rule.css for rule in rules)
    finally:
        stylesheet.__dict__["tokenize_values"] = installed


def test_closing_saves_and_hands_parsing_back_to_textual(tmp_path: Path) -> None:
    from textual.css import stylesheet

    installed = stylesheet.__dict__["parse"]
    cache = RuleCache(tmp_path / "rules.pickle", parse)
    try:
        stylesheet.__dict__["parse"] = cache.parse
        parsed(cache)
        cache.close()
        assert stylesheet.__dict__["parse"] is parse and cache.rules == {}
        again = RuleCache(tmp_path / "rules.pickle", parse)
        again.load()
        assert parsed(again) and again.parsed == 0
    finally:
        stylesheet.__dict__["parse"] = installed
