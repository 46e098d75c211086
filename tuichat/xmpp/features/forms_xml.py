"""Provides the conversion between ``jabber:x:data`` elements and :class:`tuichat.forms.Form`.

Pure: ElementTree in, model out (and back), no slixmpp. It reads the XEP-0122 ``validate``
and XEP-0221 ``media`` children of a field as well, and keeps a hostile form within
:data:`tuichat.forms.LIMITS` (the rest is dropped and counted in ``Form.dropped``).
"""

from __future__ import annotations

import base64
import binascii
from xml.etree.ElementTree import Element, SubElement

from tuichat.forms import LIMITS, Field, FieldType, Form, Media, Option, Validation, clean
from tuichat.pictures import MAX_BYTES

NS_DATA = "jabber:x:data"
NS_VALIDATE = "http://jabber.org/protocol/xdata-validate"
NS_MEDIA = "urn:xmpp:media-element"
NS_BOB = "urn:xmpp:bob"
BOB_ITEMS = 10
"""Bits of binary read from one stanza at most."""

_D = f"{{{NS_DATA}}}"
_V = f"{{{NS_VALIDATE}}}"
_M = f"{{{NS_MEDIA}}}"


class _Counter:
    """Counts what was dropped while reading one form."""

    def __init__(self, pictures: dict[str, bytes] | None = None) -> None:
        self.dropped = 0
        self.options_left = LIMITS.total_options
        self.pictures = pictures or {}
        """cid → PNG bytes carried in the stanza (XEP-0231)."""

    def option_budget(self) -> int:
        """How many options the next list may keep (per list, and what the form has left)."""
        return min(LIMITS.options, self.options_left)

    def take(self, elements: list[Element], limit: int) -> list[Element]:
        """At most ``limit`` of ``elements``; count the rest."""
        self.dropped += max(0, len(elements) - limit)
        return elements[:limit]


def _text(element: Element | None, limit: int = LIMITS.label, *, lines: bool = False) -> str:
    return clean(element.text if element is not None else "", limit, lines=lines)


def _int(text: str | None) -> int | None:
    if text is None or not text.strip().isdecimal() or len(text.strip()) > 9:
        return None
    return int(text)


def _validation(element: Element | None) -> Validation | None:
    if element is None:
        return None
    datatype = clean(element.get("datatype") or "xs:string", LIMITS.label)
    method, minimum, maximum, regex = "basic", None, None, ""
    for name in ("open", "range", "regex", "basic"):
        child = element.find(f"{_V}{name}")
        if child is None:
            continue
        method = name
        if name == "range":
            minimum = child.get("min")
            maximum = child.get("max")
            minimum = clean(minimum, LIMITS.label) if minimum is not None else None
            maximum = clean(maximum, LIMITS.label) if maximum is not None else None
        if name == "regex":
            regex = (child.text or "")[: LIMITS.pattern]
        break
    list_range = element.find(f"{_V}list-range")
    list_min = _int(list_range.get("min")) if list_range is not None else None
    list_max = _int(list_range.get("max")) if list_range is not None else None
    return Validation(datatype, method, minimum, maximum, regex, list_min, list_max)


def _media(element: Element | None, counter: _Counter) -> Media | None:
    if element is None:
        return None
    uris = tuple(
        (clean(uri.get("type"), LIMITS.label), clean(uri.text, LIMITS.label))
        for uri in counter.take(element.findall(f"{_M}uri"), 10)
        if (uri.text or "").strip()
    )
    cids = [uri[4:] for kind, uri in uris if kind == "image/png" and uri.startswith("cid:")]
    picture = next((counter.pictures[c] for c in cids if c in counter.pictures), b"")
    return Media(uris, _int(element.get("width")), _int(element.get("height")), picture)


def bob_pictures(stanza: Element) -> dict[str, bytes]:
    """cid → bytes of the PNG bits of binary (XEP-0231) anywhere in ``stanza``: at most
    :data:`BOB_ITEMS`, each at most :data:`tuichat.pictures.MAX_BYTES`; bad ones are skipped."""
    found: dict[str, bytes] = {}
    for data in list(stanza.iter(f"{{{NS_BOB}}}data"))[:BOB_ITEMS]:
        cid, text = data.get("cid") or "", data.text or ""
        if data.get("type") != "image/png" or not cid or len(text) > MAX_BYTES * 4 // 3 + 4096:
            continue
        try:
            found[cid] = base64.b64decode(text)
        except (binascii.Error, ValueError):
            continue
    return found


def _values(element: Element, kind: FieldType, counter: _Counter) -> tuple[str, ...]:
    lines = kind in (FieldType.TEXT_MULTI, FieldType.HIDDEN)
    found = counter.take(element.findall(f"{_D}value"), LIMITS.values)
    return tuple(_text(v, LIMITS.text, lines=lines) for v in found)


def _field(element: Element, counter: _Counter) -> Field:
    kind = FieldType.parse(element.get("type"))
    kept = counter.take(element.findall(f"{_D}option"), counter.option_budget())
    counter.options_left -= len(kept)
    options = tuple(
        Option(
            value=_text(option.find(f"{_D}value"), LIMITS.text),
            label=clean(option.get("label"), LIMITS.label),
        )
        for option in kept
    )
    return Field(
        var=clean(element.get("var"), LIMITS.label),
        type=kind,
        label=clean(element.get("label"), LIMITS.label),
        desc=_text(element.find(f"{_D}desc"), LIMITS.text),
        required=element.find(f"{_D}required") is not None,
        values=_values(element, kind, counter),
        options=options,
        validation=_validation(element.find(f"{_V}validate")),
        media=_media(element.find(f"{_M}media"), counter),
    )


def form_from_xml(element: Element, stanza: Element | None = None) -> Form:
    """The form an ``<x xmlns='jabber:x:data'/>`` element holds (bounded, cleaned); pictures
    its media name by ``cid:`` are taken from the bits of binary in ``stanza`` (the element
    the form came in), when given."""
    counter = _Counter(bob_pictures(stanza) if stanza is not None else None)
    fields = tuple(
        _field(f, counter) for f in counter.take(element.findall(f"{_D}field"), LIMITS.fields)
    )
    reported_xml = element.find(f"{_D}reported")
    reported: tuple[Field, ...] = ()
    if reported_xml is not None:
        columns = counter.take(reported_xml.findall(f"{_D}field"), LIMITS.fields)
        reported = tuple(_field(f, counter) for f in columns)
    items = []
    for item in counter.take(element.findall(f"{_D}item"), LIMITS.items):
        row: dict[str, tuple[str, ...]] = {}
        for cell in counter.take(item.findall(f"{_D}field"), LIMITS.fields):
            var = clean(cell.get("var"), LIMITS.label)
            row[var] = _values(cell, FieldType.TEXT_SINGLE, counter)
        items.append(row)
    kind = element.get("type") or "form"
    return Form(
        kind=kind if kind in ("form", "submit", "cancel", "result") else "form",
        title=_text(element.find(f"{_D}title")),
        instructions=tuple(
            _text(i, LIMITS.text) for i in counter.take(element.findall(f"{_D}instructions"), 20)
        ),
        fields=fields,
        reported=reported,
        items=tuple(items),
        dropped=counter.dropped,
    )


def form_to_xml(form: Form) -> Element:
    """``form`` as an ``<x xmlns='jabber:x:data'/>`` element (a submission carries only vars,
    types and values; see :func:`tuichat.forms.submission`)."""
    root = Element(f"{_D}x", {"type": form.kind})
    if form.title:
        SubElement(root, f"{_D}title").text = form.title
    for line in form.instructions:
        SubElement(root, f"{_D}instructions").text = line
    for f in form.fields:
        attrs = {"var": f.var} if f.var else {}
        attrs["type"] = f.type.value
        if f.label:
            attrs["label"] = f.label
        node = SubElement(root, f"{_D}field", attrs)
        if f.desc:
            SubElement(node, f"{_D}desc").text = f.desc
        if f.required:
            SubElement(node, f"{_D}required")
        for value in f.values:
            SubElement(node, f"{_D}value").text = value
        for option in f.options:
            opt = SubElement(node, f"{_D}option", {"label": option.label} if option.label else {})
            SubElement(opt, f"{_D}value").text = option.value
    return root
