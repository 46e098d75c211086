"""A record (``tuichat.records``) is its dataclass from its first instance on, however made,
and every record of the package is a sound one."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import tuichat
from tuichat.records import finish_all, is_record, record


def _classes() -> tuple[Any, Any, Any]:
    """New classes each test: a frozen base, a record deriving from it, a plain subclass."""

    @record(frozen=True)
    class Base:
        account: str

    @record(frozen=True)
    class Sub(Base):
        count: int
        tags: tuple[str, ...] = ()
        seen: list[str] = dataclasses.field(default_factory=list, hash=False)

    class Plain(Base):
        pass

    return Base, Sub, Plain


def _made(cls: type) -> bool:
    return dataclasses.is_dataclass(cls)


def test_a_record_waits_for_its_first_instance() -> None:
    base, sub, _ = _classes()
    assert is_record(sub) and not _made(sub)
    made = sub("me@example.org", 2)
    assert _made(sub) and _made(base)
    assert repr(made).endswith(".Sub(account='me@example.org', count=2, tags=(), seen=[])")
    assert made == sub("me@example.org", 2) and made != sub("me@example.org", 3)
    assert hash(made) == hash(sub("me@example.org", 2))
    assert [f.name for f in dataclasses.fields(made)] == ["account", "count", "tags", "seen"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.count = 3


def test_a_record_is_matched_and_replaced_like_a_dataclass() -> None:
    _, sub, _ = _classes()
    made = sub("me@example.org", 2)
    match made:
        case sub("me@example.org", 2, tags=()):
            pass
        case _:
            pytest.fail("the positional pattern did not match")
    assert dataclasses.replace(made, count=5).count == 5


def test_a_plain_subclass_makes_its_bases() -> None:
    base, _, plain = _classes()
    made = plain("me@example.org")
    assert _made(base)
    assert repr(made).endswith(".Plain(account='me@example.org')")


def test_copy_makes_the_class_of_an_object_it_rebuilds() -> None:
    _, sub, _ = _classes()
    made = sub("me@example.org", 1)
    twin = copy.deepcopy(made)
    assert twin == made and twin is not made


def test_an_object_unpickled_where_its_record_waits_is_whole(tmp_path: Path) -> None:
    """The receiving process has never made one: unpickling makes the class, then the object."""
    module = tmp_path / "shapes.py"
    module.write_text(
        "from tuichat.records import record\n"
        "@record(frozen=True)\n"
        "class Shape:\n"
        "    name: str\n"
        "    sides: int = 3\n",
        encoding="utf-8",
    )
    env_path = f"{tmp_path}:{Path(tuichat.__file__).parents[1]}"
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pickle,sys,shapes; sys.stdout.buffer.write("
            "pickle.dumps(shapes.Shape('square', 4)))",
        ],
        capture_output=True,
        check=True,
        env={"PYTHONPATH": env_path},
    ).stdout
    read = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pickle,sys,dataclasses,shapes\n"
            "assert not dataclasses.is_dataclass(shapes.Shape)\n"
            "s = pickle.loads(sys.stdin.buffer.read())\n"
            "print(s, s == shapes.Shape('square', 4), hash(s) == hash(shapes.Shape('square', 4)))",
        ],
        input=made,
        capture_output=True,
        check=True,
        env={"PYTHONPATH": env_path},
    )
    assert read.stdout.decode().strip() == "Shape(name='square', sides=4) True True"


def test_threads_making_the_first_instances_at_once_agree() -> None:
    _, sub, _ = _classes()
    made: list[object] = []
    start = threading.Barrier(8)

    def make(n: int) -> None:
        start.wait()
        made.append(sub("me@example.org", n))

    threads = [threading.Thread(target=make, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(m.count for m in made) == list(range(8))  # type: ignore[attr-defined]


def test_a_record_refuses_slots() -> None:
    with pytest.raises(TypeError, match="a record has no slots"):

        @record(frozen=True, slots=True)
        class Slotted:
            name: str


def test_a_dataclass_deriving_from_a_record_is_named() -> None:
    base, _, _ = _classes()

    @dataclasses.dataclass(frozen=True)
    class Wrong(base):  # type: ignore[valid-type,misc]
        extra: int = 0

    failures: list[str] = []
    finish_all([Wrong], failures.append)
    assert failures == [f"{__name__}.{Wrong.__qualname__} derives from a record: make it one"]


def test_every_record_of_the_package_is_sound() -> None:
    """Each one is made now (a bad declaration fails here, not at some first instance), and
    no plain dataclass derives from one."""
    root = Path(tuichat.__file__).parent
    classes: list[type] = []

    def collect(cls: type, module: str) -> None:
        if cls.__module__ == module and cls not in classes:
            classes.append(cls)
            for _, inner in inspect.getmembers(cls, inspect.isclass):
                collect(inner, module)

    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for _, value in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            collect(value, name)
    failures: list[str] = []
    finish_all(classes, failures.append)
    assert failures == []
    records = [c for c in classes if is_record(c)]
    assert len(records) > 30 and all(dataclasses.is_dataclass(c) for c in records)
