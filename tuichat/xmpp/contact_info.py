"""Provides what ``/info`` asks of a JID: its vCard, its clients' software, its last visit.

The readers are pure (an XML element in, plain values out) and bound every value, since each
answer is written by the peer or its server; :func:`contact_info` asks the three questions at
once, and any that goes unanswered is named, not fatal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element

from tuichat.model import JID, ClientSoftware, ContactInfo, utcnow

log = logging.getLogger(__name__)

NS_VCARD = "vcard-temp"
NS_VERSION = "jabber:iq:version"
NS_LAST = "jabber:iq:last"

MAX_TEXT = 1_000
"""Characters kept of one field."""
MAX_ITEMS = 10
"""Addresses, links or clients kept."""
MAX_CLIENTS = 10
TIMEOUT = 10.0
"""Seconds to wait for each answer."""


def _text(value: str | None) -> str:
    """A field, trimmed and cut (the UI renders it as plain text, never as markup)."""
    return (value or "").strip()[:MAX_TEXT]


def _child_text(parent: Element | None, *path: str) -> str:
    node = parent
    for name in path:
        if node is None:
            return ""
        node = node.find(f"{{{NS_VCARD}}}{name}")
    return _text(node.text if node is not None else "")


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        if value and len(seen) < MAX_ITEMS:
            seen.setdefault(value, None)
    return tuple(seen)


def read_vcard(jid: str, vcard: Element) -> ContactInfo:
    """The vCard fields of a ``<vCard xmlns='vcard-temp'/>`` element."""
    name = _child_text(vcard, "FN")
    if not name:
        parts = (_child_text(vcard, "N", p) for p in ("GIVEN", "MIDDLE", "FAMILY"))
        name = " ".join(p for p in parts if p)
    return ContactInfo(
        jid=jid,
        full_name=name,
        nickname=_child_text(vcard, "NICKNAME"),
        emails=_unique(_child_text(e, "USERID") for e in vcard.findall(f"{{{NS_VCARD}}}EMAIL")),
        urls=_unique(_text(u.text) for u in vcard.findall(f"{{{NS_VCARD}}}URL")),
        birthday=_child_text(vcard, "BDAY"),
        organisation=_child_text(vcard, "ORG", "ORGNAME"),
        title=_child_text(vcard, "TITLE") or _child_text(vcard, "ROLE"),
        note=_child_text(vcard, "DESC"),
    )


def read_version(resource: str, query: Element) -> ClientSoftware | None:
    """The software a ``<query xmlns='jabber:iq:version'/>`` answer names (``None``: no name)."""

    def field(name: str) -> str:
        node = query.find(f"{{{NS_VERSION}}}{name}")
        return _text(node.text if node is not None else "")

    name = field("name")
    if not name:
        return None
    return ClientSoftware(resource, name, field("version"), field("os"))


def read_last_seen(query: Element, now: datetime) -> tuple[datetime | None, str]:
    """When a ``<query xmlns='jabber:iq:last' seconds='…'/>`` answer says the JID left, and
    the status it left with (an unreadable or absurd number of seconds is no answer)."""
    try:
        seconds = int(query.get("seconds", ""))
    except ValueError:
        return None, ""
    if not 0 <= seconds <= 100 * 365 * 86_400:
        return None, ""
    return now - timedelta(seconds=seconds), _text(query.text)


async def _ask(client: Any, to: str, namespace: str) -> Element | None:
    """The ``<query/>``/``<vCard/>`` payload of an answer to an empty get, or ``None``."""
    iq = client.make_iq_get(ito=to)
    iq.append(Element(f"{{{namespace}}}{'vCard' if namespace == NS_VCARD else 'query'}"))
    try:
        answer = await iq.send(timeout=TIMEOUT)
    except Exception as exc:  # IqError, IqTimeout, the stream closing: that question is unanswered
        log.info("no %s answer from %s: %s", namespace, to, type(exc).__name__)
        return None
    payload: Element = answer.xml
    for child in payload:
        if child.tag.startswith(f"{{{namespace}}}"):
            return child
    return None


async def contact_info(client: Any, target: JID) -> ContactInfo:
    """Ask ``target`` for its vCard, each online resource for its software, and the server when
    it was last seen (only when no resource is online), all at once. A full JID (a room
    occupant) is asked about that resource alone."""
    roster = client.client_roster
    jid, bare = str(target), str(target.bare)
    if target.resource:
        resources = [target.resource]
    elif roster.has_jid(bare):
        resources = sorted(roster[bare].resources)[:MAX_CLIENTS]
    else:
        resources = []
    asked = [_ask(client, jid, NS_VCARD)]
    asked += [_ask(client, f"{bare}/{r}", NS_VERSION) for r in resources]
    if not resources:
        asked.append(_ask(client, jid, NS_LAST))
    answers = await asyncio.gather(*asked)
    vcard, rest = answers[0], answers[1:]
    info = read_vcard(jid, vcard) if vcard is not None else ContactInfo(jid)
    missing = [] if info != ContactInfo(jid) else ["no vCard"]  # servers answer an empty one
    clients = [
        found
        for resource, query in zip(resources, rest, strict=False)
        if query is not None and (found := read_version(resource, query)) is not None
    ]
    last_seen, last_status = None, ""
    if not resources:
        last = rest[0]
        if last is not None:
            last_seen, last_status = read_last_seen(last, utcnow())
        if last_seen is None:
            missing.append("no answer about the last visit")
    return replace(
        info,
        clients=tuple(clients),
        last_seen=last_seen,
        last_status=last_status,
        unanswered=tuple(missing),
    )
