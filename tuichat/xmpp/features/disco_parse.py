"""Provides the pure reading of service discovery and feed payloads: disco#info and
disco#items answers (XEP-0030, with XEP-0128 forms) and Atom entries (RFC 4287, as XEP-0277
carries them in PubSub items) into :mod:`tuichat.discovery` values.

Rule: every input is hostile. Counts are capped (``MAX_*``), names cleaned to one bounded
line, dates that do not parse become "when we got it", and nothing here raises on odd XML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from types import MappingProxyType
from xml.etree.ElementTree import Element

from tuichat.discovery import (
    MAX_FEATURES,
    MAX_IDENTITIES,
    MAX_ITEMS,
    MAX_NAME,
    MAX_SUMMARY,
    MAX_TITLE,
    DiscoInfo,
    DiscoItem,
    FeedEntry,
    Identity,
    clean_name,
    clean_text,
)

NS_INFO = "http://jabber.org/protocol/disco#info"
NS_ITEMS = "http://jabber.org/protocol/disco#items"
NS_DATA = "jabber:x:data"
NS_ATOM = "http://www.w3.org/2005/Atom"
MAX_FORMS = 8
MAX_FIELDS = 64
MAX_VALUES = 32
MAX_JID = 3071
"""The longest JID (three parts of 1023 bytes and two separators)."""

_TAG = re.compile(r"<[^>]*>")


def _first(elements: Iterable[Element], limit: int) -> list[Element]:
    out: list[Element] = []
    for element in elements:
        if len(out) >= limit:
            break
        out.append(element)
    return out


def disco_info(jid: str, node: str, query: Element | None) -> DiscoInfo:
    """A disco#info ``<query/>`` (``None``: an empty answer) as :class:`DiscoInfo`."""
    if query is None:
        return DiscoInfo(jid, node)
    identities = tuple(
        dict.fromkeys(
            Identity(
                clean_name(i.get("category")), clean_name(i.get("type")), clean_name(i.get("name"))
            )
            for i in _first(query.iterfind(f"{{{NS_INFO}}}identity"), MAX_IDENTITIES)
        )
    )
    features = tuple(
        dict.fromkeys(
            clean_name(f.get("var"), MAX_NAME)
            for f in _first(query.iterfind(f"{{{NS_INFO}}}feature"), MAX_FEATURES)
            if f.get("var")
        )
    )
    forms: dict[str, MappingProxyType[str, tuple[str, ...]]] = {}
    for x in _first(query.iterfind(f"{{{NS_DATA}}}x"), MAX_FORMS):
        fields: dict[str, tuple[str, ...]] = {}
        for f in _first(x.iterfind(f"{{{NS_DATA}}}field"), MAX_FIELDS):
            var = f.get("var")
            if not var:
                continue
            values = _first(f.iterfind(f"{{{NS_DATA}}}value"), MAX_VALUES)
            fields[clean_name(var)] = tuple(clean_name(v.text) for v in values)
        form_type = fields.pop("FORM_TYPE", ("",))[0] if "FORM_TYPE" in fields else ""
        if form_type and form_type not in forms:
            forms[form_type] = MappingProxyType(fields)
    return DiscoInfo(jid, node, identities, features, MappingProxyType(forms))


def disco_items(query: Element | None) -> list[DiscoItem]:
    """A disco#items ``<query/>`` as items, at most ``MAX_ITEMS``, each (jid, node) once; an
    item without a usable JID is left out."""
    if query is None:
        return []
    seen: dict[tuple[str, str], DiscoItem] = {}
    for item in _first(query.iterfind(f"{{{NS_ITEMS}}}item"), MAX_ITEMS):
        jid = clean_name(item.get("jid"), MAX_JID)
        if not jid or " " in jid:
            continue
        node = clean_name(item.get("node"), MAX_NAME)
        seen.setdefault((jid, node), DiscoItem(jid, node, clean_name(item.get("name"))))
    return list(seen.values())


def _text(parent: Element, name: str) -> str:
    element = parent.find(f"{{{NS_ATOM}}}{name}")
    return _plain(element) if element is not None else ""


def _plain(element: Element) -> str:
    """An Atom text construct as plain text (``html`` unescaped and untagged, ``xhtml`` its
    text)."""
    if element.get("type") == "xhtml":
        return "".join(element.itertext())
    text = element.text or ""
    if element.get("type") == "html":
        text = html.unescape(_TAG.sub(" ", text))
    return text


def _date(text: str, now: datetime) -> datetime:
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return now
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def atom_entry(
    service: str, node: str, item_id: str, item: Element, now: datetime
) -> FeedEntry | None:
    """The Atom ``<entry/>`` inside a PubSub ``<item/>`` as a :class:`FeedEntry`, or ``None``
    when the item carries no entry (another payload) or has no id."""
    entry = item.find(f"{{{NS_ATOM}}}entry")
    item_id = clean_name(item_id, MAX_NAME)
    if entry is None or not item_id:
        return None
    author = entry.find(f"{{{NS_ATOM}}}author")
    name = _text(author, "name") or _text(author, "uri") if author is not None else ""
    link = ""
    for candidate in entry.iterfind(f"{{{NS_ATOM}}}link"):
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            link = clean_name(candidate.get("href"), 2000)
            break
    summary = _text(entry, "summary") or _text(entry, "content")
    title = clean_name(_text(entry, "title"), MAX_TITLE) or clean_name(summary, 80)
    return FeedEntry(
        service=service,
        node=node,
        item_id=item_id,
        title=title,
        author=clean_name(name),
        published=_date(_text(entry, "published") or _text(entry, "updated"), now),
        summary=clean_text(summary, MAX_SUMMARY),
        link=link,
    )
