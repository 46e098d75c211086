"""Provides :func:`install`: Textual's parsed stylesheets, kept between starts.

Why: Textual parses every stylesheet it meets (the app's, each widget class's default CSS)
with a tokenizer written in Python, again at every start, and once more when the theme's
variables are set: ~30 ms before the first frame, the largest single piece of work between
mounting the first screen and painting it. What a parse makes depends only on the CSS, where
it came from and the theme's variables, so the rule sets are kept in the cache folder
(pickled, in a file named for the Python version and the Textual files that make and read
rule sets) and a later start reads them
back in a few milliseconds.

The theme's variables are tokenized for a parse only when it runs: Textual tokenizes all
~170 of them for each stylesheet it makes (twice before the first frame), though a parse read
from the cache needs only their text for its key (:class:`Variables`).

Rules: the cache only saves time. Its key holds everything the parse reads; CSS with errors
is never kept (the parse must run to report them); an unreadable or damaged file means an
empty cache. Textual's stylesheet module calls ``parse`` by its module-level name, which is
the one place this hooks; a Textual without it is left alone.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from textual.css import model as css_model
from textual.css import parse as css_parse
from textual.css import styles as css_styles
from textual.css import stylesheet

from tuichat import startcaches
from tuichat.paths import cache_dir, write_cache

MAX_ENTRIES = 512
"""Above this many kept (old versions' CSS, other themes), a save keeps only this run's."""

Key = tuple[str, str, Any, bool, int, str]


class Variables(dict[str, list[Any]]):
    """A theme's variables as a ``Stylesheet`` keeps them for its parses (name to tokens),
    tokenized when a parse must run (:meth:`make`), not when the stylesheet asks for them."""

    def __init__(self, values: dict[str, str], tokenize: Any) -> None:
        super().__init__()
        self.texts = dict(values)
        self.digest = "values:" + hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
        """What a cache key holds of them."""
        self._tokenize = tokenize
        self.made = False

    def make(self) -> Variables:
        """Tokenize the values (once): from now on this is the dict Textual would have made."""
        if not self.made:
            self.update(self._tokenize(self.texts))
            self.made = True
        return self


class RuleCache:
    """Parsed rule sets by everything their parse reads, loaded from and saved to one file."""

    def __init__(self, file: Path, parse: Any, tokenize: Any = None) -> None:
        self.file = file
        self._parse = parse
        self._tokenize = tokenize
        """Textual's ``tokenize_values``, which :meth:`variables` stands in for (if given)."""
        self._lazy: list[Variables] = []
        """The variables handed out untokenized (tokenized at :meth:`close`)."""
        self.rules: dict[Key, list[Any]] = {}
        self.used: set[Key] = set()
        self.parsed = 0
        """Stylesheets parsed in this process (not found in the file)."""
        self._variables: dict[int, tuple[object, str]] = {}
        self._unsaved = False

    def load(self) -> None:
        """Read the file; anything wrong with it just means an empty cache."""
        try:
            loaded = pickle.loads(self.file.read_bytes())
        except Exception:  # a damaged or foreign pickle can raise nearly anything
            return
        if isinstance(loaded, dict):
            self.rules = loaded

    def parse(
        self,
        scope: str,
        css: str,
        read_from: Any,
        variable_tokens: dict[str, list[Any]] | None = None,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
    ) -> Iterator[Any]:
        """Textual's ``parse``, answered from the cache when the same parse was made before."""
        key = (scope, css, read_from, is_default_rules, tie_breaker, self._digest(variable_tokens))
        rules = self.rules.get(key)
        if not isinstance(rules, list):
            if isinstance(variable_tokens, Variables):
                variable_tokens.make()
            rules = list(
                self._parse(
                    scope,
                    css,
                    read_from,
                    variable_tokens=variable_tokens,
                    is_default_rules=is_default_rules,
                    tie_breaker=tie_breaker,
                )
            )
            self.parsed += 1
            if any(rule.errors for rule in rules):
                return iter(rules)
            self.rules[key] = rules
            self._unsaved = True
        self.used.add(key)
        return iter(rules)

    def _digest(self, variable_tokens: dict[str, list[Any]] | None) -> str:
        """The theme's variables, as text short enough for a key (once per tokens dict,
        which is kept alive here so that its id is not reused by another)."""
        if variable_tokens is None:
            return ""
        if isinstance(variable_tokens, Variables):
            return variable_tokens.digest
        known = self._variables.get(id(variable_tokens))
        if known is None:
            text = repr(
                sorted(
                    (name, [(t.name, t.value) for t in tokens])
                    for name, tokens in variable_tokens.items()
                )
            )
            known = (variable_tokens, hashlib.sha256(text.encode()).hexdigest())
            self._variables[id(variable_tokens)] = known
        return known[1]

    def variables(self, values: dict[str, str]) -> Variables:
        """Textual's ``tokenize_values`` for a stylesheet's variables, tokenized when needed."""
        lazy = Variables(values, self._tokenize)
        self._lazy.append(lazy)
        return lazy

    def save(self) -> None:
        """Write what was parsed since the last save, atomically; quietly give up on errors."""
        if not self._unsaved:
            return
        self._unsaved = False
        rules = dict(self.rules)
        if len(rules) > MAX_ENTRIES:
            rules = {key: rules[key] for key in self.used if key in rules}
        try:
            data = pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # something unpicklable in a newer Textual: no cache, that is all
            return
        write_cache(self.file, data)

    def close(self) -> None:
        """Save, then parse as Textual does: start-up is over, and the rule sets of other
        themes and versions need not stay in memory (Textual keeps those it uses)."""
        self.save()
        if getattr(stylesheet, "parse", None) == self.parse:
            setattr(stylesheet, "parse", self._parse)  # noqa: B010 (see install)
        if getattr(stylesheet, "tokenize_values", None) == self.variables:
            setattr(stylesheet, "tokenize_values", self._tokenize)  # noqa: B010
        for lazy in self._lazy:  # Textual's own parse reads them from now on
            lazy.make()
        self.rules, self.used, self._variables, self._lazy = {}, set(), {}, []


_cache: RuleCache | None = None


def install() -> RuleCache | None:
    """Load the cache and answer Textual's stylesheet parses from it (once per process)."""
    global _cache
    textual_parse = getattr(stylesheet, "parse", None)
    tokenize = getattr(stylesheet, "tokenize_values", None)
    if _cache is None and callable(textual_parse):
        tag = f"{sys.implementation.cache_tag}-{textual_fingerprint()}"
        _cache = RuleCache(cache_dir() / f"css-rules.{tag}.pickle", textual_parse, tokenize)
        _cache.load()
        setattr(stylesheet, "parse", _cache.parse)  # noqa: B010 (not exported: mypy would object)
        if callable(tokenize):
            setattr(stylesheet, "tokenize_values", _cache.variables)  # noqa: B010
        startcaches.register(_cache)
    return _cache


def textual_fingerprint() -> str:
    """Which Textual made the rule sets: its modules that define, parse and hold them, by size
    and time of change (``textual.__version__`` would import ``importlib.metadata``, ~1.5 MiB
    and milliseconds, to read the same)."""
    files = (css_model.__file__, css_parse.__file__, css_styles.__file__, stylesheet.__file__)
    stats = [os.stat(file) for file in files if file]
    text = repr([(s.st_size, s.st_mtime_ns) for s in stats])
    return hashlib.sha256(text.encode()).hexdigest()[:16]
