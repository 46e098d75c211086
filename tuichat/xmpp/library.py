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

The connection manager imports this module before anything else of the XMPP layer.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


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
