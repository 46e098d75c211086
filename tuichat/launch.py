"""Provides the ``tuichat`` command's entry point (and ``python -m tuichat``'s).

A module of its own, importing only :mod:`tuichat.heap` at its top, so that the cycle collector is
paused before the first import of a start (see :mod:`tuichat.heap`).
"""

from __future__ import annotations

from tuichat.heap import pause_collector


def main() -> int:
    """Run the ``tuichat`` command with ``sys.argv``; return its exit code."""
    pause_collector()
    from tuichat.cli import main as run

    return run()
