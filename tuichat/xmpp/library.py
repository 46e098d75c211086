"""Imports slixmpp without what it loads for nothing tuichat uses (pygments and its metadata),
or before it needs it (aiodns).

- ``slixmpp.xmlstream.tostring`` imports pygments (installed as a dependency of rich) to build
  a highlighter for its debug log: ~20 ms of start-up and ~3 MiB resident for terminal colour
  codes that tuichat's log file must not hold anyway. Hidden while slixmpp is imported,
  pygments stays importable afterwards (rich's tracebacks use it).
- ``slixmpp.version`` asks ``importlib.metadata`` for slixmpp's version, which loads the
  ``email``, ``zipfile`` and ``csv`` modules (~1.5 MiB resident, ~13 ms) for one string that
  the installed distribution's folder name (``slixmpp-1.17.0.dist-info``) already says. When
  exactly one such folder is found, ``slixmpp.version`` is made from it; else slixmpp's own runs.
- ``slixmpp.xmlstream.resolver`` imports ``aiodns`` (and c-ares, ~1.8 MiB resident) for DNS
  SRV lookups, which only an account without ``host`` makes: hidden while slixmpp is
  imported, it is loaded by :func:`resolve_srv` when such an account connects (an account
  with a ``host`` resolves it with the system's resolver, as slixmpp does without aiodns).

Two fixes to its SCRAM login, applied once slixmpp is imported (:func:`fix_scram`):

- The salted password (PBKDF2, RFC 5802's ``Hi``) is derived by ``hashlib.pbkdf2_hmac`` in C
  instead of slixmpp's loop of Python HMACs: ~50 ms of CPU at each login against Prosody's
  10,000 iterations, against ~5 ms. Same bytes (a unit test compares them).
- The client nonce comes from the system's secure source (``secrets``) instead of
  ``random.random()``, whose Mersenne Twister output an observer can predict.

The connection manager imports this module before anything else of the XMPP layer.
"""

from __future__ import annotations

import hashlib
import importlib.util
import secrets
import sys
from pathlib import Path
from types import ModuleType
from typing import Any


def import_slixmpp() -> None:
    """Import slixmpp (once) with pygments hidden, unless either is imported already."""
    if "slixmpp" in sys.modules or "pygments" in sys.modules:
        return
    version = _installed_version()
    if version is not None:
        sys.modules["slixmpp.version"] = version
    hidden = [name for name in ("pygments", "aiodns") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import pygments" fails
    try:
        import slixmpp
    finally:
        for name in hidden:
            del sys.modules[name]
    if version is not None:
        slixmpp.version = version  # as a real import would


def fix_scram() -> None:
    """Make slixmpp's SCRAM derive the salted password in C and draw its nonce securely."""
    from slixmpp.util import bytes as utf8
    from slixmpp.util.sasl import mechanisms

    def salted_password(mech: Any, text: str | bytes, salt: bytes, iterations: int) -> bytes:
        return hashlib.pbkdf2_hmac(mech.hash().name, utf8(text), salt, iterations)

    setattr(mechanisms.SCRAM, "Hi", salted_password)  # noqa: B010  # a method, replaced
    setattr(mechanisms, "random", secrets.SystemRandom())  # noqa: B010  # ``random.random()``


def resolve_srv() -> None:
    """Let slixmpp look up DNS SRV records (aiodns), for an account that names no ``host``."""
    from slixmpp.xmlstream import resolver

    if resolver.AIODNS_AVAILABLE:
        return
    try:
        import aiodns
    except ImportError:  # slixmpp then resolves the domain's own address, as it would
        return
    resolver.aiodns = aiodns  # type: ignore[attr-defined]
    resolver.AIODNS_AVAILABLE = True


def _installed_version() -> ModuleType | None:
    """``slixmpp.version`` made from the distribution's folder name, or None if unsure."""
    spec = importlib.util.find_spec("slixmpp")
    if spec is None or spec.origin is None:
        return None
    found = list(Path(spec.origin).parent.parent.glob("slixmpp-*.dist-info"))
    if len(found) != 1:
        return None
    text = found[0].name.removeprefix("slixmpp-").removesuffix(".dist-info")
    try:
        info = tuple(int(part) for part in text.split("."))
    except ValueError:
        return None
    if len(info) != 3:
        return None
    module = ModuleType("slixmpp.version")
    module.__version__ = text  # type: ignore[attr-defined]
    module.__version_info__ = info  # type: ignore[attr-defined]
    return module


import_slixmpp()
fix_scram()
