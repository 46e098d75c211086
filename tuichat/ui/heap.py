"""Provides :func:`settle_heap`: keep the garbage collector's full passes short.

CPython's cyclic collector now and then walks every tracked object (a "generation 2" pass).
With Textual, slixmpp and the loaded conversations that is a few hundred thousand objects,
and the walk blocks the loop for 100-250 ms in the middle of a flood (measured with
``tests/benchmarks/bench_flood.py``). Almost all of them are made at start-up and live until
the app quits, so once start-up is over they are collected once and moved out of the
collector's sight (``gc.freeze``); later passes walk only what came since.
"""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Collect what start-up left over, then freeze the survivors (refcounting still frees
    them; only the cycle collector stops walking them). Once per process: a second app in the
    same process (tests) would otherwise freeze the first one's leftovers for good."""
    if gc.get_freeze_count():
        return
    gc.collect()
    gc.freeze()
