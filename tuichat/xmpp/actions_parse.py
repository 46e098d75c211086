"""Provides the reading of message actions out of a ``<message/>``: pure, no I/O.

What a stanza says it does to another message (correct, retract, react, moderate), whether it is
itself a tombstone (an archive keeps a retracted or moderated message as one), and what it
replies to, with the XEP-0428 fallback quote cut out of its body. Who may do what is decided
where the message it refers to is known: :func:`authorised`, applied by the store's caller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from xml.etree.ElementTree import Element

from tuichat.actions import Action, ActionKind, Marks, clean_reactions

NS_CORRECT = "urn:xmpp:message-correct:0"
NS_RETRACT = "urn:xmpp:message-retract:1"
NS_RETRACT_0 = "urn:xmpp:message-retract:0"
NS_FASTEN = "urn:xmpp:fasten:0"
NS_MODERATE = "urn:xmpp:message-moderate:1"
NS_MODERATE_0 = "urn:xmpp:message-moderate:0"
NS_REACTIONS = "urn:xmpp:reactions:0"
NS_REPLY = "urn:xmpp:reply:0"
NS_FALLBACK = "urn:xmpp:fallback:0"
NS_OCCUPANT_ID = "urn:xmpp:occupant-id:0"

MAX_REASON = 500
"""Characters of a moderator's reason kept (the rest is cut)."""


@dataclass(frozen=True, slots=True)
class Read:
    """What a ``<message/>`` says beyond its own text."""

    body: str
    """The body, with a reply's fallback quote cut out."""
    action: Action | None = None
    marks: Marks | None = None
    """A reply's target, or that this message is a tombstone."""
    occupant_id: str | None = None


def _text(el: Element | None) -> str:
    return (el.text or "") if el is not None else ""


def action_of(xml: Element, replaces: str | None) -> Action | None:
    """The action ``xml`` carries, if any (one per message; the first found wins)."""
    retract = xml.find(f"{{{NS_RETRACT}}}retract")
    if retract is not None and retract.get("id"):
        moderated = retract.find(f"{{{NS_MODERATE}}}moderated")
        reason = _text(retract.find(f"{{{NS_RETRACT}}}reason"))[:MAX_REASON]
        kind = ActionKind.MODERATE if moderated is not None else ActionKind.RETRACT
        return Action(kind, retract.get("id", ""), reason=reason)
    apply_to = xml.find(f"{{{NS_FASTEN}}}apply-to")
    if apply_to is not None and apply_to.get("id"):
        moderated = apply_to.find(f"{{{NS_MODERATE_0}}}moderated")
        if moderated is not None:
            reason = _text(moderated.find(f"{{{NS_MODERATE_0}}}reason"))[:MAX_REASON]
            return Action(ActionKind.MODERATE, apply_to.get("id", ""), reason=reason)
        if apply_to.find(f"{{{NS_RETRACT_0}}}retract") is not None:
            return Action(ActionKind.RETRACT, apply_to.get("id", ""))
    reactions = xml.find(f"{{{NS_REACTIONS}}}reactions")
    if reactions is not None and reactions.get("id"):
        given = [el.text or "" for el in reactions.findall(f"{{{NS_REACTIONS}}}reaction")]
        return Action(ActionKind.REACT, reactions.get("id", ""), clean_reactions(given))
    if replaces:
        return Action(ActionKind.CORRECT, replaces)
    return None


def tombstone_of(xml: Element) -> Marks | None:
    """An archive's tombstone of a retracted or moderated message (its text is gone)."""
    retracted = xml.find(f"{{{NS_RETRACT}}}retracted")
    moderated = xml.find(f"{{{NS_MODERATE_0}}}moderated")
    if moderated is not None and moderated.find(f"{{{NS_RETRACT_0}}}retracted") is not None:
        reason = _text(moderated.find(f"{{{NS_MODERATE_0}}}reason"))[:MAX_REASON]
        return Marks(retracted=True, reason=reason or "removed by a moderator")
    if retracted is not None:
        return Marks(retracted=True, reason=_text(retracted.find(f"{{{NS_RETRACT}}}reason")))
    return None


def strip_fallback(body: str, xml: Element, namespace: str) -> str:
    """``body`` without the fallback ranges marked ``for=namespace`` (XEP-0428).

    Ranges count Unicode code points; a range that does not fit the body is ignored; a fallback
    with no range at all means the whole body is fallback.
    """
    cuts: list[tuple[int, int]] = []
    for fallback in xml.findall(f"{{{NS_FALLBACK}}}fallback"):
        if fallback.get("for") != namespace:
            continue
        ranges = fallback.findall(f"{{{NS_FALLBACK}}}body")
        if not ranges:
            return ""
        for part in ranges:
            try:
                start, end = int(part.get("start", "0")), int(part.get("end", "0"))
            except ValueError:
                continue
            if 0 <= start < end <= len(body):
                cuts.append((start, end))
    for start, end in sorted(cuts, reverse=True):
        body = body[:start] + body[end:]
    return body


def read(xml: Element, body: str, replaces: str | None) -> Read:
    """Everything :mod:`tuichat.xmpp.parse` needs from the message actions' elements."""
    occupant = xml.find(f"{{{NS_OCCUPANT_ID}}}occupant-id")
    occupant_id = (occupant.get("id") or None) if occupant is not None else None
    marks = Marks(occupant_id=occupant_id) if occupant_id else None
    action = action_of(xml, replaces)
    if action is not None and action.kind is not ActionKind.CORRECT:
        return Read("", action, marks, occupant_id)
    tombstone = tombstone_of(xml)
    if tombstone is not None:
        return Read("", None, replace(tombstone, occupant_id=occupant_id), occupant_id)
    reply = xml.find(f"{{{NS_REPLY}}}reply")
    if reply is not None and reply.get("id"):
        body = strip_fallback(body, xml, NS_REPLY)
        marks = Marks(reply_to=reply.get("id"), occupant_id=occupant_id)
    return Read(body, action, marks, occupant_id)


def fallback_quote(quote: str) -> str:
    """The plain-text quote a reply starts with, for clients without replies (XEP-0461 §4)."""
    return "".join(f"> {line}\n" for line in quote.splitlines() or [""])
