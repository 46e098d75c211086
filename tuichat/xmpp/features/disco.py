"""Provides :class:`Disco`: service discovery (XEP-0030) for one session, asked once and kept.

Caching, per session (one slixmpp client): an answer is kept by (JID, node) in
:attr:`Disco.cache` until the stream starts afresh (:meth:`Disco.forget`, called by the
session) or the caller asks for a refresh. Before asking a JID's info, the entity
capabilities (XEP-0115) slixmpp learnt from its presence are tried: its cache is keyed by the
verification hash, so every peer running the same software costs one question per run.
:attr:`Disco.asked` counts the questions that went on the wire.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from tuichat.discovery import DiscoInfo, DiscoItem
from tuichat.xmpp.errors import map_exceptions
from tuichat.xmpp.features import disco_parse

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

TIMEOUT = 15.0
MAX_CACHED = 2000
"""Answers kept per session; the oldest go first (a browser can walk a huge service)."""


class Disco:
    """Disco#info and disco#items of one session's client, with the cache described above."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.cache: dict[tuple[str, str], DiscoInfo] = {}
        """(JID, node) → its info, for this stream."""
        self.asked = 0
        """disco#info questions sent on the wire (not answered from a cache)."""

    def forget(self, _event: object = None) -> None:
        """A fresh stream (``session_start``): what entities said may have changed."""
        self.cache.clear()

    async def info(self, jid: str, node: str = "", *, refresh: bool = False) -> DiscoInfo:
        """What ``jid`` (``node``) is: from the cache, the capabilities cache, or asked."""
        key = (jid, node)
        if not refresh and key in self.cache:
            return self.cache[key]
        found = None if node or refresh else await self._from_caps(jid)
        if found is None:
            self.asked += 1
            with map_exceptions(f"discover {jid}" + (f" node {node}" if node else "")):
                iq = await self.client.plugin["xep_0030"].get_info(
                    jid=jid, node=node or None, cached=False, timeout=TIMEOUT
                )
            query = iq.xml.find(f"{{{disco_parse.NS_INFO}}}query")
            found = disco_parse.disco_info(jid, node, query)
        if len(self.cache) >= MAX_CACHED:
            del self.cache[next(iter(self.cache))]
        self.cache[key] = found
        return found

    async def _from_caps(self, jid: str) -> DiscoInfo | None:
        """``jid``'s info from the capabilities it announced, when slixmpp holds them."""
        try:
            caps = await self.client.plugin["xep_0115"].get_caps(jid=jid)
        except Exception:  # a cache backend failure: ask instead
            log.debug("no capabilities cache for %s", jid, exc_info=True)
            return None
        if caps is None:
            return None
        return disco_parse.disco_info(jid, "", caps.xml)

    async def items(self, jid: str, node: str = "") -> list[DiscoItem]:
        """The items of ``jid`` (``node``), capped and cleaned (see :mod:`disco_parse`)."""
        with map_exceptions(f"list the items of {jid}" + (f" node {node}" if node else "")):
            iq = await self.client.plugin["xep_0030"].get_items(
                jid=jid, node=node or None, timeout=TIMEOUT
            )
        return disco_parse.disco_items(iq.xml.find(f"{{{disco_parse.NS_ITEMS}}}query"))


def install(session: Session) -> Disco:
    """Give the session's new client its discovery (``session.disco``)."""
    session.disco = Disco(session.client)
    return session.disco
