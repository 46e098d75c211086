"""Provides what we know of group chat: our server's chat services and the rooms we know.

A message that carries a MUC ``<x/>`` is a room private message only when it comes from an
occupant of a room we know, or of a group chat service we know (a service hosts nothing but
rooms, so any full JID on it is an occupant). Anyone else can add an empty ``<x/>`` to an
ordinary message; it stays an ordinary message from a non-contact.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from tuichat.model import JID, ConversationKind

if TYPE_CHECKING:
    from tuichat.xmpp.features.disco import Disco
    from tuichat.xmpp.session import Session


log = logging.getLogger(__name__)


async def group_chat_services(disco: Disco, account: str) -> set[str] | None:
    """The domains of ``account``'s server's group chat services (``None`` when not known).

    Two round trips (disco#items of the server, then disco#info of each item, in parallel),
    through the session's discovery cache: the disco browser and the gateway labels find the
    answers there.
    """

    async def is_group_chat(jid: str) -> bool:
        return (await disco.info(jid)).has_identity("conference")

    try:
        items = await disco.items(JID.parse(account).domain)
        jids = sorted({item.jid for item in items})
        found = await asyncio.gather(*(is_group_chat(j) for j in jids), return_exceptions=True)
    except Exception as exc:  # ClientError, a dropped stream: asked again on the next session
        log.info("%s: could not list the server's services: %s", account, exc)
        return None
    return {jid for jid, chat in zip(jids, found, strict=True) if chat is True}


def known_rooms(session: Session) -> set[str]:
    """The rooms ``session``'s account knows (bare JIDs) and its server's chat services.

    Rooms come from the store (every group chat we hold) and from the rooms we are in now.
    """
    known = {
        c.conversation
        for c in session.store.conversations(session.account)
        if c.kind is ConversationKind.GROUPCHAT
    }
    if session.rooms is not None:
        known.update(session.rooms.rooms)
    known.update(session.muc_services or ())
    return known
