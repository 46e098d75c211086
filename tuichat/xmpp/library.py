"""Imports slixmpp without what it loads for nothing tuichat uses: pygments and its metadata.

- ``slixmpp.xmlstream.tostring`` imports pygments (installed as a dependency of rich) to build
  a highlighter for its debug log: ~20 ms of start-up and ~3 MiB resident for terminal colour
  codes that tuichat's log file must not hold anyway. Hidden while slixmpp is imported,
  pygments stays importable afterwards (rich's tracebacks use it).
- ``slixmpp.version`` asks ``importlib.metadata`` for slixmpp's version, which loads the
  ``email``, ``zipfile`` and ``csv`` modules (~1.5 MiB resident, ~13 ms) for one string that
  the installed distribution's folder name (``slixmpp-1.17.0.dist-info``) already says. When
  exactly one such folder is found, ``slixmpp.version`` is made from it; else slixmpp's own runs.

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
    sys.modules["pygments"] = None  # type: ignore[assignment]  # "import pygments" fails
    try:
        import slixmpp
    finally:
        del sys.modules["pygments"]
    if version is not None:
        slixmpp.version = version  # as a real import would


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
