"""Imports slixmpp without pygments, which slixmpp loads only to colour XML in debug output.

``slixmpp.xmlstream.tostring`` imports pygments (installed as a dependency of rich) when it is
first imported, to build a highlighter for its debug log: ~20 ms of start-up and ~3 MiB
resident for terminal colour codes that tuichat's log file must not hold anyway. Hidden while
slixmpp is imported, pygments stays importable afterwards (rich's tracebacks use it). The
connection manager imports this module before anything else of the XMPP layer.
"""

from __future__ import annotations

import sys


def import_slixmpp() -> None:
    """Import slixmpp (once) with pygments hidden, unless either is imported already."""
    if "slixmpp" in sys.modules or "pygments" in sys.modules:
        return
    sys.modules["pygments"] = None  # type: ignore[assignment]  # "import pygments" fails
    try:
        import slixmpp  # noqa: F401
    finally:
        del sys.modules["pygments"]


import_slixmpp()
