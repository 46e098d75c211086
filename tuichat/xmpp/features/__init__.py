"""Provides the protocol features a session installs, one module per XEP family.

Each feature is an ``install(session)`` function: it registers its slixmpp plugins, filters
and stanza handlers on ``session.client`` and keeps its state in a typed attribute of the
session (``session.rooms``, ``session.pacer``); the slixmpp events it follows are listed in
the one table of :mod:`tuichat.xmpp.handlers`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session


def _muc(session: Session) -> object:
    from tuichat.xmpp.features import muc

    return muc.install(session)


def _pacing(session: Session) -> object:
    from tuichat.xmpp import pacing

    return pacing.install(session)


def _blocking(session: Session) -> object:
    from tuichat.xmpp.features import blocking

    return blocking.install(session)


def _upload(session: Session) -> object:
    from tuichat.xmpp.features import upload

    return upload.install(session)


def _disco(session: Session) -> object:
    from tuichat.xmpp.features import disco

    return disco.install(session)


def _feeds(session: Session) -> object:
    from tuichat.xmpp.features import pubsub

    return pubsub.install(session)


def _gateway(session: Session) -> object:
    from tuichat.xmpp.features import gateway

    return gateway.install(session)


def _receipts(session: Session) -> object:
    from tuichat.xmpp.features import receipts

    return receipts.install(session)


def _read_sync(session: Session) -> object:
    from tuichat.xmpp.features import read_sync

    return read_sync.install(session)


def _chat_states(session: Session) -> object:
    from tuichat.xmpp.features import chat_states

    return chat_states.install(session)


def _actions(session: Session) -> object:
    from tuichat.xmpp.features import message_actions

    return message_actions.install(session)


def _avatars(session: Session) -> object:
    from tuichat.xmpp.features import avatars

    return avatars.install(session)


Feature = Callable[["Session"], object]

FEATURES: tuple[Feature, ...] = (
    _pacing,
    _muc,
    _blocking,
    _upload,
    _disco,
    _feeds,
    _gateway,
    _receipts,
    _read_sync,
    _chat_states,
    _actions,
    _avatars,
)
"""The features every session installs, in order."""
