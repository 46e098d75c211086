"""Provides :func:`record`: ``@dataclass`` for the classes most starts never make one of.

Why: ``dataclasses`` writes a class's methods when it decorates it, ~0.2 ms a class even with
their code cached (:mod:`tuichat.codecache`). About a hundred of ours are defined on the way to
the first frame and none is made in it (most bus events, results and requests of features not
yet used): ~20 ms of a start. A ``record`` becomes its dataclass when its first instance is
made, which most of them never are in a short session.

Rules: to a type checker ``record`` *is* :func:`dataclasses.dataclass`. At run time it takes
the same options but ``slots`` (a slotted dataclass is a new class, which cannot wait: keep
``@dataclass(slots=True)`` for what is held by the thousand). The first instance, made by a
call, ``copy`` or ``pickle`` alike, turns the class into that very dataclass in place, its
records among the bases first. Until then it has nothing class-level of a dataclass
(``dataclasses.fields``, ``__match_args__``): a class read that way stays a ``dataclass``. A
dataclass deriving from a record must be a record itself, since ``dataclasses`` finds a base's
fields only on a base already made; :func:`finish_all` checks that and makes every record of a
module now (the unit tests run it on the whole package).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

__all__ = ["finish_all", "is_record", "record"]

_PENDING = "__record_options__"
"""In a record's own namespace until its first instance: the options it was declared with."""
_MARK = "__record__"
"""In a record's own namespace for good (what :func:`finish_all` checks)."""
_making = threading.Lock()
"""Held while records are made (two threads may make the first instance at once)."""


def is_record(cls: type) -> bool:
    """Whether ``cls`` itself was declared with :func:`record`."""
    return _MARK in vars(cls)


def _finish(cls: type) -> None:
    """Make every record of ``cls``'s MRO still waiting a dataclass, the bases first."""
    with _making:
        for klass in reversed(cls.__mro__):
            options = vars(klass).get(_PENDING)
            if options is not None:
                del klass.__init__  # type: ignore[misc]  # dataclasses keeps a class's own
                del klass.__setstate__  # type: ignore[attr-defined]
                dataclasses.dataclass(klass, **options)
                delattr(klass, _PENDING)


def _declare(cls: type, options: dict[str, Any]) -> type:
    """Mark ``cls`` a record to make on its first instance: until then its ``__init__`` (a
    call) and ``__setstate__`` (``copy``, ``pickle``) make it, then do their work."""
    if "slots" in options:
        raise TypeError(f"{cls.__qualname__}: a record has no slots; use @dataclass(slots=True)")

    def __init__(self: object, *args: object, **kwargs: object) -> None:
        _finish(type(self))
        cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

    def __setstate__(self: object, state: object) -> None:
        _finish(type(self))
        _restore(self, state)

    cls.__record__ = True  # type: ignore[attr-defined]
    if "__init__" in vars(cls) or "__setstate__" in vars(cls):
        _finish(cls)  # its bases: its own methods are not to be replaced and deleted
        return dataclasses.dataclass(cls, **options)
    setattr(cls, _PENDING, options)
    cls.__init__ = __init__  # type: ignore[misc]
    cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
    return cls


def _restore(obj: object, state: object) -> None:
    """What ``pickle`` and ``copy`` do with a state when the class has no ``__setstate__``."""
    values, slots = state if isinstance(state, tuple) else (state, None)
    if values:
        vars(obj).update(values)
    for name, value in (slots or {}).items():
        object.__setattr__(obj, name, value)


def _record(cls: type | None = None, /, **options: Any) -> Any:
    """:func:`dataclasses.dataclass`, made on the first instance (see the module's rules)."""

    def wrap(cls: type) -> type:
        return _declare(cls, options)

    return wrap if cls is None else wrap(cls)


if TYPE_CHECKING:
    from dataclasses import dataclass as record
else:
    record = _record


def finish_all(classes: Iterable[type], fail: Callable[[str], None]) -> None:
    """Make every record among ``classes`` now; ``fail`` with the reason for each dataclass
    that derives from a record without being one (its fields would be wrong)."""
    for cls in classes:
        plain = "__dataclass_fields__" in vars(cls) and not is_record(cls)
        if plain and any(is_record(base) for base in cls.__mro__[1:]):
            fail(f"{cls.__module__}.{cls.__qualname__} derives from a record: make it one")
        if is_record(cls):
            _finish(cls)
