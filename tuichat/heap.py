"""Provides the cycle collector's life through start-up: paused, then settled.

CPython's cyclic collector now and then walks every tracked object (a "generation 2" pass).
Start-up makes a few hundred thousand objects (modules, classes, Textual's styles and
widgets, slixmpp's plugins) that nearly all live until the app quits, so walking them while
we start frees nothing: before the first frame that was ~170 passes and ~45 ms. Later, with the
loaded conversations, one full walk blocks the loop for 100-250 ms in the middle of a flood
(measured with ``tests/benchmarks/bench_flood.py``).

So the ``tuichat`` command pauses the collector before its first import
(:func:`pause_collector`, from :mod:`tuichat.launch`), a headless command resumes it once
its parser is built (:func:`resume_collector`), and the app, once start-up is over, collects
once, moves the survivors out of the collector's sight (``gc.freeze``) and resumes it
(:func:`settle_heap`): later passes walk only what came since.
"""

from __future__ import annotations

import gc


def pause_collector() -> None:
    """No cycle collection until :func:`resume_collector` or :func:`settle_heap`
    (refcounting still frees everything that is not in a cycle)."""
    gc.disable()


def resume_collector() -> None:
    """Collect cycles again (a no-op when they were never paused)."""
    gc.enable()


def settle_heap() -> None:
    """Collect what start-up left over, freeze the survivors (refcounting still frees them;
    only the cycle collector stops walking them) and resume collecting. The freeze happens
    once per process: a second app in the same process (tests) would otherwise freeze the
    first one's leftovers for good."""
    if not gc.get_freeze_count():
        gc.collect()
        gc.freeze()
    resume_collector()
