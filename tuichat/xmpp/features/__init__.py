"""Provides the protocol features a session installs, one module per XEP family.

Each feature is an ``install(session)`` function: it registers its slixmpp plugins and
handlers on ``session.client``, keeps its state in ``session.extensions``, and may add
``session.hooks`` that run after every session start (fresh or resumed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FEATURES: tuple[Callable[[Any], object], ...] = ()
"""The features every session installs, in order."""
