"""The compiled-pattern cache: a later process compiles no pattern it has seen, what it builds
from the file matches as a compiled one does, and a bad file costs only the compiles."""

from __future__ import annotations

import marshal
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.start_probe import two_starts
from tuichat import blobfile
from tuichat.patterncache import PatternCache, _compiler

PATTERNS: list[tuple[str | bytes, int]] = [
    (r"(?P<user>[^@/]+)@(?P<host>[^/]+)(?:/(?P<resource>.*))?", 0),
    (r"hello\s+(world|there)", re.IGNORECASE),
    (rb"\x1b\[(\d+)m", 0),
    ("[\u200b-\u200f]+|é", re.VERBOSE | re.MULTILINE),
    (r"(?x) a  b # a comment", 0),  # an inline flag: the kept program carries it
]


@pytest.fixture
def hooked() -> Iterator[None]:
    """``re``'s own compile put back after each test (and ``re``'s memory of patterns cleared,
    so each compile below reaches the cache)."""
    installed = _compiler.compile
    re.purge()
    try:
        yield
    finally:
        _compiler.compile = installed
        re.purge()


def same(a: re.Pattern[str] | re.Pattern[bytes], b: re.Pattern[str] | re.Pattern[bytes]) -> None:
    assert a == b  # same pattern, flags and program
    assert (a.flags, a.groups, dict(a.groupindex)) == (b.flags, b.groups, dict(b.groupindex))


def test_a_pattern_compiled_once_is_built_from_the_file_by_the_next_cache(
    tmp_path: Path, hooked: None
) -> None:
    file = tmp_path / "cache" / "patterns.index"
    first = PatternCache(file)
    first.load()
    made = [first.compile(p, f) for p, f in PATTERNS]
    assert first.compiled == len(PATTERNS)
    first.save()
    assert stat.S_IMODE(file.stat().st_mode) == 0o600

    second = PatternCache(file)
    second.load()
    for (pattern, flags), compiled in zip(PATTERNS, made, strict=True):
        built = second.compile(pattern, flags)
        same(built, compiled)
        same(built, re.compile(pattern, flags))  # re's own, the hook not installed here
    assert second.compiled == 0
    jid = second.compile(*PATTERNS[0]).match("alice@example.org/phone")
    assert jid is not None and jid.group("host", "resource") == ("example.org", "phone")


def test_the_same_text_as_str_and_as_bytes_or_with_other_flags_is_another_pattern(
    tmp_path: Path, hooked: None
) -> None:
    cache = PatternCache(tmp_path / "patterns.index")
    text = cache.compile("abc", 0)
    binary = cache.compile(b"abc", 0)
    folded = cache.compile("abc", re.IGNORECASE)
    assert cache.compiled == 3
    assert isinstance(text.pattern, str) and isinstance(binary.pattern, bytes)
    assert folded.match("ABC") and not text.match("ABC")


def test_a_damaged_entry_is_compiled_again_not_run(tmp_path: Path, hooked: None) -> None:
    """The C engine refuses a program that is not sound; a wrong shape is refused as well."""
    file = tmp_path / "patterns.index"
    cache = PatternCache(file)
    cache.compile(r"(a+)+b", 0)
    cache.close()
    kept = blobfile.BlobFile(file)
    kept.load()
    ((key, _),) = kept.index.items()
    flags, code, groups, names, numbers = kept.loads(key)
    kept.close()
    for damaged in ((flags, [*code[:-3], 999, 999], groups, names, numbers), ("x", 1, 2)):
        blobfile.write(file, [(key, marshal.dumps(damaged))])
        again = PatternCache(file)
        again.load()
        pattern = again.compile(r"(a+)+b", 0)
        assert again.compiled == 1  # compiled by re, and kept sound for the next start
        assert pattern.match("aaab") and not pattern.match("aaa")
        again.close()


def test_a_foreign_or_missing_file_is_ignored_and_an_unwritable_one_costs_only_time(
    tmp_path: Path, hooked: None
) -> None:
    file = tmp_path / "patterns.index"
    for junk in (b"", b"\x00garbage\xff" * 10):
        file.write_bytes(junk)
        cache = PatternCache(file)
        cache.load()
        assert cache.compile("x+", 0).match("xx")
        assert cache.compiled == 1
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    cache = PatternCache(blocker / "patterns.index")
    cache.compile("y", 0)
    cache.save()  # no exception: the next start compiles again, that is all
    assert not (blocker / "patterns.index").exists()


def test_debug_patterns_and_str_subclasses_go_to_re(tmp_path: Path, hooked: None) -> None:
    class Text(str):
        pass

    cache = PatternCache(tmp_path / "patterns.index")
    assert cache.compile(Text("a|b"), 0).match("b")
    assert cache.compiled == 0


def test_closing_saves_and_hands_compiling_back_to_re(tmp_path: Path, hooked: None) -> None:
    cache = PatternCache(tmp_path / "patterns.index")
    _compiler.compile = cache.compile
    assert re.compile("hooked[0-9]").match("hooked1")
    assert cache.compiled == 1
    cache.close()
    assert _compiler.compile is cache.compile_now
    assert re.compile("later[0-9]").match("later2")  # compiled by re, not kept
    again = PatternCache(tmp_path / "patterns.index")
    again.load()
    assert again.compile("hooked[0-9]", 0).match("hooked3")
    assert again.compiled == 0


PROBE = """
import json, re, sys
import tuichat
from tuichat import patterncache
import textual.css.tokenizer, rich.markup
cache = patterncache.install()
jid = re.compile(r"(?P<local>[^@]+)@(?P<domain>[a-z.]+)$")
json.dump({
    "compiled": cache.compiled,
    "match": jid.match("bob@example.org").groupdict(),
    "markup": [m.group(0) for m in rich.markup.RE_TAGS.finditer("[b]x[/b]")],
}, sys.stdout)
"""


def test_patterns_built_from_the_cache_match_as_compiled_ones(tmp_path: Path) -> None:
    runs = two_starts(PROBE, tmp_path)
    assert runs[0]["compiled"] > 20  # Textual's, Rich's and the standard library's at import
    assert runs[1]["compiled"] == 0
    for run in runs:
        assert run["match"] == {"local": "bob", "domain": "example.org"}
        assert run["markup"] == ["[b]", "[/b]"]
