"""The compiled-dataclass cache: a later process compiles nothing, and a bad file costs only
time."""

from __future__ import annotations

import marshal
import stat
from pathlib import Path

from tests.unit.start_probe import two_starts
from tuichat.codecache import CodeCache

SOURCE = "def __create_fn__(x):\n def twice(self):\n  return x * 2\n return twice"


def test_code_compiled_once_is_run_from_the_file_by_the_next_process(tmp_path: Path) -> None:
    file = tmp_path / "cache" / "code.marshal"
    first = CodeCache(file)
    first.load()
    ns: dict[str, object] = {}
    first.exec(SOURCE, {}, ns)
    assert first.compiled == 1
    first.save()
    assert stat.S_IMODE(file.stat().st_mode) == 0o600

    second = CodeCache(file)
    second.load()
    ns2: dict[str, object] = {}
    second.exec(SOURCE, {}, ns2)
    assert second.compiled == 0
    make = ns2["__create_fn__"]
    assert callable(make)
    assert make(21)(None) == 42


def test_a_second_save_keeps_what_the_first_wrote(tmp_path: Path) -> None:
    file = tmp_path / "code.marshal"
    cache = CodeCache(file)
    cache.exec(SOURCE, {}, {})
    cache.save()
    other = SOURCE.replace("x * 2", "x * 3")
    cache.exec(other, {}, {})
    cache.save()
    again = CodeCache(file)
    again.load()
    for source in (SOURCE, other):
        again.exec(source, {}, {})
    assert again.compiled == 0


def test_a_damaged_or_foreign_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    file = tmp_path / "code.marshal"
    truncated = b"{" + (1 << 20).to_bytes(8, "little")  # an index longer than the file
    an_int = marshal.dumps(5) + len(marshal.dumps(5)).to_bytes(8, "little")  # not a dict
    older = b"\x05\x00\x00\x00\x00\x00\x00\x00\xe9\x01\x00\x00\x00"  # index first
    for junk in (b"", b"\x00garbage\xff" * 10, truncated, an_int, older):
        file.write_bytes(junk)
        cache = CodeCache(file)
        cache.load()
        ns: dict[str, object] = {}
        cache.exec(SOURCE, {}, ns)
        assert cache.compiled == 1
        cache.save()
        again = CodeCache(file)
        again.load()
        again.exec(SOURCE, {}, {})
        assert again.compiled == 0


def test_an_unwritable_folder_only_costs_the_compile(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    cache = CodeCache(blocker / "code.marshal")
    cache.exec(SOURCE, {}, {})
    cache.save()  # no exception: the next start compiles again, that is all
    assert not (blocker / "code.marshal").exists()


PROBE = """
import json, sys
from dataclasses import FrozenInstanceError
import tuichat.model, tuichat.events
from tuichat import codecache
from tuichat.events import ConnectionStateChanged
from tuichat.model import ConnectionState
event = ConnectionStateChanged("a@example.org", ConnectionState.CONNECTED, reason="ok")
try:
    event.reason = "changed"  # type: ignore[misc]
    frozen = False
except FrozenInstanceError:
    frozen = True
json.dump({
    "compiled": codecache.install().compiled,
    "repr": repr(event),
    "equal": event == ConnectionStateChanged("a@example.org", ConnectionState.CONNECTED, "ok"),
    "frozen": frozen,
}, sys.stdout)
"""


def test_dataclasses_made_from_the_cache_behave_as_compiled_ones(tmp_path: Path) -> None:
    runs = two_starts(PROBE, tmp_path)
    assert runs[0]["compiled"] > 50  # tuichat's records and events, compiled and saved at exit
    assert runs[1]["compiled"] == 0
    for run in runs:
        assert run["frozen"] and run["equal"]
        assert run["repr"] == runs[0]["repr"]
        assert run["repr"].startswith("ConnectionStateChanged(account='a@example.org'")


def test_closing_saves_and_hands_compiling_back_to_python(tmp_path: Path) -> None:
    """Once start-up is over the cache is written and let go: dataclasses compile again."""
    import dataclasses

    installed = dataclasses.__dict__.get("exec")
    cache = CodeCache(tmp_path / "code.marshal")
    try:
        dataclasses.exec = cache.exec  # type: ignore[attr-defined]
        dataclasses.make_dataclass("Made", [("a", int)])
        assert cache.compiled > 0
        cache.close()
        assert "exec" not in dataclasses.__dict__ and cache.new == {}
        dataclasses.make_dataclass("Later", [("b", int)])  # compiled by Python, not kept
        again = CodeCache(tmp_path / "code.marshal")
        again.load()
        dataclasses.exec = again.exec  # type: ignore[attr-defined]
        dataclasses.make_dataclass("Made", [("a", int)])
        assert again.compiled == 0
    finally:
        if installed is not None:
            dataclasses.exec = installed  # type: ignore[attr-defined]
