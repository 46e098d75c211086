"""Provides :class:`Avatars`: contacts' avatars (XEP-0084 User Avatar) fetched and kept.

We ask for avatar metadata with ``+notify`` in our entity capabilities (slixmpp's ``xep_0084``
registers the PEP interest), so the server sends each contact's metadata when it changes and
its last item when we come online. A notification is taken only from a bare JID in our roster
(or our own); its best ``<info/>`` (:func:`tuichat.avatars.choose`) is fetched from the data
node by its SHA-1 id, unless the store already holds that hash for the contact, so a restart
fetches nothing again. The bytes must hash to that id and stay within the size cap
(:func:`tuichat.avatars.checked`); then they are stored and :class:`~tuichat.events.AvatarChanged`
is published. An empty metadata item takes the avatar down.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import TYPE_CHECKING, Any

from tuichat import avatars as rules
from tuichat import events as ev
from tuichat.avatars import Announced, AvatarRefused
from tuichat.errors import ClientError
from tuichat.model import JID, InvalidJID
from tuichat.xmpp.errors import map_exceptions
from tuichat.xmpp.parse import is_from_own_account

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

NS_METADATA = "urn:xmpp:avatar:metadata"
FETCH_TIMEOUT = 20.0
"""Seconds to wait for a contact's avatar data."""


def announced(item: Any) -> list[Announced]:
    """The ``<info/>`` elements of a metadata item, as plain values (bad numbers are 0)."""
    metadata = item.xml.find(f"{{{NS_METADATA}}}metadata")
    if metadata is None:
        return []
    offered: list[Announced] = []
    for info in metadata.findall(f"{{{NS_METADATA}}}info")[:16]:
        try:
            size = int(info.get("bytes") or 0)
        except ValueError:
            size = -1
        offered.append(
            Announced(
                sha1=str(info.get("id") or ""),
                mime=str(info.get("type") or ""),
                size=size,
                url=str(info.get("url") or ""),
            )
        )
    return offered


class Avatars:
    """One session's side of contacts' avatars."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._fetching: dict[str, str] = {}
        """By JID: the hash being fetched now (a repeated notification waits for it)."""
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def account(self) -> str:
        """The account's bare JID."""
        return self.session.account

    def _may_speak(self, sender: str) -> bool:
        """A bare JID whose avatar we follow: our own, or one in our roster."""
        if is_from_own_account(sender, self.account):
            return bool(sender)
        client = self.session.client
        roster = client.client_roster if client is not None else None
        return roster is not None and roster.has_jid(sender)

    def on_metadata(self, msg: Any) -> None:
        """A metadata notification (``avatar_metadata_publish``): fetch what changed."""
        try:
            sender = JID.parse(str(msg["from"]))
        except InvalidJID:
            return
        if not sender.is_bare or not self._may_speak(str(sender)):
            log.info("%s: dropped avatar metadata from %s", self.account, sender)
            return
        items = list(msg["pubsub_event"]["items"].iterables)  # a copy: see read_sync
        if items:
            self.announce(str(sender), announced(items[-1]))

    def announce(self, jid: str, offered: list[Announced]) -> None:
        """``jid`` announced ``offered``: drop, keep, or fetch its avatar."""
        store = self.session.store
        if not offered:
            if store.set_avatar(self.account, jid, None):
                self.session.bus.publish(ev.AvatarChanged(self.account, jid, None))
            return
        chosen = rules.choose(offered)
        if chosen is None:
            log.info("%s: no avatar of %s we can fetch", self.account, jid)
            return
        held = store.avatar(self.account, jid)
        if (held is not None and held.sha1 == chosen.sha1) or self._fetching.get(jid) == (
            chosen.sha1
        ):
            return
        self._fetching[jid] = chosen.sha1
        task = asyncio.ensure_future(self._fetch(jid, chosen))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fetch(self, jid: str, chosen: Announced) -> None:
        try:
            plugin = self.session.client.plugin["xep_0084"]
            iq = await plugin.retrieve_avatar(jid, chosen.sha1, timeout=FETCH_TIMEOUT)
            items = list(iq["pubsub"]["items"].iterables)
            item = next((i for i in items if str(i["id"]) == chosen.sha1), None)
            if item is None:
                raise AvatarRefused(f"{jid} has no avatar data under the id announced")
            if len(item["avatar_data"].xml.text or "") > rules.MAX_BYTES * 4 // 3 + 4:
                raise AvatarRefused(f"the avatar of {jid} is too big")  # before decoding it
            avatar = rules.checked(jid, chosen, item["avatar_data"]["value"])
        except AvatarRefused as exc:
            log.warning("%s: %s", self.account, exc)
            return
        except Exception as exc:  # no answer, an error, bad base64: no avatar this time
            log.info("%s: the avatar of %s could not be fetched: %s", self.account, jid, exc)
            return
        finally:
            if self._fetching.get(jid) == chosen.sha1:
                del self._fetching[jid]
        if self.session.store.set_avatar(self.account, jid, avatar):
            self.session.bus.publish(ev.AvatarChanged(self.account, jid, avatar))

    async def publish(self, data: bytes) -> str:
        """Publish ``data`` as our own avatar (data node, then metadata); its SHA-1."""
        try:
            mime = rules.publishable(data)
        except AvatarRefused as exc:
            raise ClientError(str(exc)) from None
        plugin = self.session.client.plugin["xep_0084"]
        sha1 = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        with map_exceptions("publish the avatar"):
            await plugin.publish_avatar(data, timeout=FETCH_TIMEOUT)
            info = {"id": sha1, "type": mime, "bytes": len(data)}
            await plugin.publish_avatar_metadata(info, timeout=FETCH_TIMEOUT)
        return sha1


def install(session: Session) -> Avatars:
    """Avatars of ``session``'s new client (handlers in :mod:`tuichat.xmpp.handlers`)."""
    session.client.register_plugin("xep_0084")
    if session.avatars is None:  # made once per session
        session.avatars = Avatars(session)
    return session.avatars
