"""Provides the protocol features a session installs, one module per XEP family.

Each feature is an ``install(session)`` function: it registers its slixmpp plugins and
handlers on ``session.client``, keeps its state in ``session.extensions``, and may add
``session.hooks`` that run after every session start (fresh or resumed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _muc(session: Any) -> object:
    from tuichat.xmpp.features import muc

    muc.install(session)
    return None


def _pacing(session: Any) -> object:
    from tuichat.xmpp import pacing

    return pacing.install(session)


FEATURES: tuple[Callable[[Any], object], ...] = (_pacing, _muc)
"""The features every session installs, in order."""
