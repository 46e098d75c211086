"""Provides room bookmarks: XEP-0402 (PEP native bookmarks), falling back to XEP-0048.

Which store is used is decided once per connection from the account's disco#info: a server
that announces ``urn:xmpp:bookmarks:1#compat`` keeps both in sync, so we use XEP-0402 (one PEP
item per room); otherwise we read and write the whole XEP-0048 list in private XML storage
(XEP-0049). Pure functions build and read the XML; :class:`BookmarkStore` does the I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from tuichat.model import JID, Bookmark, InvalidJID

log = logging.getLogger(__name__)

NS_BOOKMARKS = "urn:xmpp:bookmarks:1"
NS_COMPAT = f"{NS_BOOKMARKS}#compat"
NS_LEGACY = "storage:bookmarks"
NS_PRIVATE = "jabber:iq:private"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_DATA = "jabber:x:data"

_PUBLISH_OPTIONS = {
    "FORM_TYPE": "http://jabber.org/protocol/pubsub#publish-options",
    "pubsub#persist_items": "true",
    "pubsub#max_items": "max",
    "pubsub#send_last_published_item": "never",
    "pubsub#access_model": "whitelist",
}


def _true(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "true")


def _room(text: str | None) -> str | None:
    try:
        jid = JID.parse(text or "")
    except InvalidJID:
        return None
    return str(jid.bare) if jid.local else None


def _child_text(el: Element, ns: str, name: str) -> str:
    child = el.find(f"{{{ns}}}{name}")
    return (child.text or "") if child is not None else ""


def from_conference(room: str, conference: Element) -> Bookmark | None:
    """A bookmark from a XEP-0402 item (``room`` is the item id)."""
    bare = _room(room)
    if bare is None:
        return None
    return Bookmark(
        room=bare,
        name=conference.get("name", ""),
        nick=_child_text(conference, NS_BOOKMARKS, "nick"),
        autojoin=_true(conference.get("autojoin")),
        password=_child_text(conference, NS_BOOKMARKS, "password"),
    )


def to_conference(bookmark: Bookmark) -> Element:
    """The XEP-0402 ``<conference/>`` payload of a bookmark."""
    el = Element(f"{{{NS_BOOKMARKS}}}conference")
    if bookmark.name:
        el.set("name", bookmark.name)
    el.set("autojoin", "true" if bookmark.autojoin else "false")
    if bookmark.nick:
        SubElement(el, f"{{{NS_BOOKMARKS}}}nick").text = bookmark.nick
    if bookmark.password:
        SubElement(el, f"{{{NS_BOOKMARKS}}}password").text = bookmark.password
    return el


def from_legacy(storage: Element) -> list[Bookmark]:
    """Bookmarks from a XEP-0048 ``<storage xmlns='storage:bookmarks'/>``."""
    out = []
    for conf in storage.findall(f"{{{NS_LEGACY}}}conference"):
        room = _room(conf.get("jid"))
        if room is None:
            continue
        out.append(
            Bookmark(
                room=room,
                name=conf.get("name", ""),
                nick=_child_text(conf, NS_LEGACY, "nick"),
                autojoin=_true(conf.get("autojoin")),
                password=_child_text(conf, NS_LEGACY, "password"),
            )
        )
    return out


def to_legacy(bookmarks: Iterable[Bookmark], keep: Element | None = None) -> Element:
    """A XEP-0048 storage element holding ``bookmarks`` (URLs and unknown children of ``keep``
    are kept as they were)."""
    storage = Element(f"{{{NS_LEGACY}}}storage")
    if keep is not None:
        for child in keep:
            if child.tag != f"{{{NS_LEGACY}}}conference":
                storage.append(child)
    for bm in bookmarks:
        conf = SubElement(storage, f"{{{NS_LEGACY}}}conference", jid=bm.room)
        conf.set("name", bm.name or bm.room)
        conf.set("autojoin", "true" if bm.autojoin else "false")
        if bm.nick:
            SubElement(conf, f"{{{NS_LEGACY}}}nick").text = bm.nick
        if bm.password:
            SubElement(conf, f"{{{NS_LEGACY}}}password").text = bm.password
    return storage


def from_items(items: Element) -> list[Bookmark]:
    """Bookmarks from a pubsub ``<items/>`` of the XEP-0402 node."""
    out = []
    for item in items.findall(f"{{{NS_PUBSUB}}}item"):
        conf = item.find(f"{{{NS_BOOKMARKS}}}conference")
        if conf is None:
            continue
        bookmark = from_conference(item.get("id", ""), conf)
        if bookmark is not None:
            out.append(bookmark)
    return out


def publish_options() -> Element:
    """The publish-options form XEP-0402 requires (private, persistent, unlimited items)."""
    form = Element(f"{{{NS_DATA}}}x", type="submit")
    for var, value in _PUBLISH_OPTIONS.items():
        field = SubElement(form, f"{{{NS_DATA}}}field", var=var)
        if var == "FORM_TYPE":
            field.set("type", "hidden")
        SubElement(field, f"{{{NS_DATA}}}value").text = value
    return form


class BookmarkStore:
    """Reads and writes an account's bookmarks on its server (XEP-0402, else XEP-0048)."""

    def __init__(self, client: Any, account: str, timeout: float = 15.0) -> None:
        self.client = client
        self.account = account
        self.timeout = timeout
        self.native: bool | None = None
        """XEP-0402 in use (``None``: not decided yet on this connection)."""

    def reset(self) -> None:
        """Forget what the server supports (call on a fresh session)."""
        self.native = None

    async def _decide(self) -> bool:
        if self.native is None:
            try:
                info = await self.client.plugin["xep_0030"].get_info(
                    jid=self.account, timeout=self.timeout
                )
                features = set(info["disco_info"]["features"])
            except Exception as exc:  # IqError/IqTimeout: assume the old, universal way
                log.info("%s: disco#info failed (%s); using XEP-0048", self.account, exc)
                features = set()
            self.native = NS_COMPAT in features
        return self.native

    async def _iq(self, kind: str, payload: Element) -> Any:
        iq = self.client.make_iq_set() if kind == "set" else self.client.make_iq_get()
        iq.xml.append(payload)
        return await iq.send(timeout=self.timeout)

    async def _legacy(self) -> tuple[list[Bookmark], Element | None]:
        query = Element(f"{{{NS_PRIVATE}}}query")
        SubElement(query, f"{{{NS_LEGACY}}}storage")
        answer = await self._iq("get", query)
        storage = answer.xml.find(f"{{{NS_PRIVATE}}}query/{{{NS_LEGACY}}}storage")
        return (from_legacy(storage) if storage is not None else []), storage

    async def _store_legacy(self, bookmarks: list[Bookmark], keep: Element | None) -> None:
        query = Element(f"{{{NS_PRIVATE}}}query")
        query.append(to_legacy(bookmarks, keep))
        await self._iq("set", query)

    async def load(self) -> list[Bookmark]:
        """Every bookmark of the account (an empty list when there are none)."""
        if not await self._decide():
            return (await self._legacy())[0]
        pubsub = Element(f"{{{NS_PUBSUB}}}pubsub")
        SubElement(pubsub, f"{{{NS_PUBSUB}}}items", node=NS_BOOKMARKS)
        try:
            answer = await self._iq("get", pubsub)
        except Exception as exc:
            if getattr(exc, "condition", "") == "item-not-found":
                return []  # no node yet: nobody bookmarked anything
            raise
        items = answer.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}items")
        return from_items(items) if items is not None else []

    async def add(self, bookmark: Bookmark) -> None:
        """Add or replace the bookmark of ``bookmark.room``."""
        if not await self._decide():
            current, keep = await self._legacy()
            rest = [b for b in current if b.room != bookmark.room]
            await self._store_legacy([*rest, bookmark], keep)
            return
        pubsub = Element(f"{{{NS_PUBSUB}}}pubsub")
        publish = SubElement(pubsub, f"{{{NS_PUBSUB}}}publish", node=NS_BOOKMARKS)
        item = SubElement(publish, f"{{{NS_PUBSUB}}}item", id=bookmark.room)
        item.append(to_conference(bookmark))
        options = SubElement(pubsub, f"{{{NS_PUBSUB}}}publish-options")
        options.append(publish_options())
        await self._iq("set", pubsub)

    async def remove(self, room: str) -> bool:
        """Remove the bookmark of ``room``; whether there was one."""
        if not await self._decide():
            current, keep = await self._legacy()
            rest = [b for b in current if b.room != room]
            if len(rest) == len(current):
                return False
            await self._store_legacy(rest, keep)
            return True
        if room not in {b.room for b in await self.load()}:
            return False
        pubsub = Element(f"{{{NS_PUBSUB}}}pubsub")
        retract = SubElement(pubsub, f"{{{NS_PUBSUB}}}retract", node=NS_BOOKMARKS, notify="true")
        SubElement(retract, f"{{{NS_PUBSUB}}}item", id=room)
        await self._iq("set", pubsub)
        return True
