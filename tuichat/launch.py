"""Provides the ``tuichat`` command's entry point (and ``python -m tuichat``'s).

A module of its own, importing little at its top, so that the cycle collector is paused
(:mod:`tuichat.heap`) and the import cache serves (:mod:`tuichat.importcache`) before the
first import of a start.
"""

from __future__ import annotations

from tuichat import importcache
from tuichat.heap import pause_collector


def main() -> int:
    """Run the ``tuichat`` command with ``sys.argv``; return its exit code."""
    pause_collector()
    importcache.install()
    from tuichat.cli import main as run

    return run()
