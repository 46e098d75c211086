"""Provides the words of group chat: server errors in sentences, and room options by name.

Pure functions (no I/O): a stanza error condition becomes a sentence a person can act on, and
friendly room option names (``name``, ``hidden``, ``members_only``…) map to and from the
``muc#roomconfig_*`` fields of a room's configuration form.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.etree.ElementTree import Element, SubElement

from tuichat.errors import RoomError
from tuichat.model import RoomInfo

# -- errors --------------------------------------------------------------------------------------


_JOIN_ERRORS = {
    "not-authorized": "the room needs a password, and the one given is wrong or missing",
    "forbidden": "you are banned from this room",
    "registration-required": "the room is members-only and you are not a member",
    "conflict": "the nick {nick!r} is already taken in this room",
    "service-unavailable": "the room is full (it has reached its maximum number of occupants)",
    "item-not-found": "the room does not exist, or is locked while its owner sets it up",
    "remote-server-not-found": "there is no chat service at {service}",
    "remote-server-timeout": "the chat service at {service} does not answer",
    "not-allowed": "you may not create rooms on {service}",
    "not-acceptable": "the nick {nick!r} is not accepted here (reserved, or not your own)",
    "jid-malformed": "the nick is missing or malformed",
    "gone": "the room no longer exists (it was destroyed or moved)",
    "policy-violation": "the room refused the nick {nick!r} by its policy",
    "internal-server-error": "the chat service failed internally",
}


def join_error_words(condition: str, text: str, room: str, nick: str) -> str:
    """Why joining ``room`` as ``nick`` failed, in words a person can act on."""
    service = room.rpartition("@")[2] or room
    template = _JOIN_ERRORS.get(condition)
    words = (
        template.format(nick=nick, service=service)
        if template
        else f"the room refused the join ({condition or 'no reason given'})"
    )
    return f"{words} (server: {text})" if text else words


_REQUEST_ERRORS = {
    "forbidden": "you are not allowed to {action} (your role or affiliation is too low)",
    "not-allowed": "the room does not allow you to {action}",
    "not-authorized": "you are not allowed to {action}",
    "not-acceptable": "the room did not accept the request to {action}",
    "item-not-found": "cannot {action}: no such room or occupant",
    "bad-request": "cannot {action}: the request was malformed",
    "conflict": "cannot {action}: it conflicts with the room's state",
    "service-unavailable": "the room or service does not support this ({action})",
    "feature-not-implemented": "the room or service does not support this ({action})",
    "remote-server-not-found": "cannot {action}: the chat service cannot be reached",
    "remote-server-timeout": "cannot {action}: the chat service does not answer",
    "timeout": "cannot {action}: no answer in time",
}


def request_error_words(action: str, condition: str, text: str = "") -> str:
    """Why a room request (``action``: "kick alice", "configure the room"…) failed."""
    template = _REQUEST_ERRORS.get(condition)
    words = (
        template.format(action=action)
        if template
        else f"cannot {action}: {condition or 'the server said no'}"
    )
    return f"{words} (server: {text})" if text else words


# -- configuration and room info -----------------------------------------------------------------

CONFIG_FIELDS: Mapping[str, str] = {
    "name": "muc#roomconfig_roomname",
    "description": "muc#roomconfig_roomdesc",
    "password": "muc#roomconfig_roomsecret",
    "members_only": "muc#roomconfig_membersonly",
    "public": "muc#roomconfig_publicroom",
    "moderated": "muc#roomconfig_moderatedroom",
    "persistent": "muc#roomconfig_persistentroom",
}
"""Friendly option name → ``muc#roomconfig_*`` field (``hidden`` is ``not public``)."""
_BOOLEAN = {"members_only", "public", "moderated", "persistent", "hidden"}


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def config_changes(changes: Mapping[str, object]) -> dict[str, object]:
    """Friendly changes (``name=…, hidden=True…``) as room config form values.

    Raises :class:`RoomError` naming an unknown option.
    """
    out: dict[str, object] = {}
    for key, value in changes.items():
        if key == "hidden":
            out[CONFIG_FIELDS["public"]] = not _truthy(value)
        elif key in CONFIG_FIELDS:
            out[CONFIG_FIELDS[key]] = _truthy(value) if key in _BOOLEAN else str(value)
            if key == "password":
                out["muc#roomconfig_passwordprotectedroom"] = bool(value)
        elif key.startswith("muc#"):
            out[key] = value
        else:
            known = ", ".join(sorted([*CONFIG_FIELDS, "hidden"]))
            raise RoomError(f"unknown room option {key!r} (known: {known})")
    return out


def friendly_config(values: Mapping[str, object]) -> dict[str, object]:
    """A room config form's values with friendly names for the fields we know (others kept)."""
    by_field = {var: name for name, var in CONFIG_FIELDS.items()}
    out: dict[str, object] = {}
    for var, value in values.items():
        name = by_field.get(var)
        if name is None:
            out[var] = value
        elif name in _BOOLEAN:
            out[name] = _truthy(value)
        else:
            out[name] = "" if value is None else str(value)
    if "public" in out:
        out["hidden"] = not out["public"]
    return out


def room_info(jid: str, name: str, form: Mapping[str, object]) -> RoomInfo:
    """A :class:`RoomInfo` from a room's disco#info identity name and ``muc#roominfo`` form."""
    count = form.get("muc#roominfo_occupants")
    text = str(count[0] if isinstance(count, list) and count else count or "")
    description = form.get("muc#roominfo_description") or ""
    return RoomInfo(
        jid=jid,
        name=name,
        description=str(description[0] if isinstance(description, list) else description),
        occupants=int(text) if text.isdigit() else None,
    )


# -- data forms (XEP-0004), as plain values -------------------------------------------------------

NS_DATA = "jabber:x:data"
NS_OWNER = "http://jabber.org/protocol/muc#owner"
ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"


def read_form(form: Element | None) -> dict[str, tuple[str, object]]:
    """A data form's fields: var → (type, value); list types give a list, booleans a bool."""
    out: dict[str, tuple[str, object]] = {}
    if form is None:
        return out
    for field in form.findall(f"{{{NS_DATA}}}field"):
        var = field.get("var")
        if not var:
            continue
        kind = field.get("type", "text-single")
        values = [v.text or "" for v in field.findall(f"{{{NS_DATA}}}value")]
        value: object
        if kind in ("list-multi", "jid-multi", "text-multi"):
            value = values
        elif kind == "boolean":
            value = (values[0] if values else "").strip().lower() in ("1", "true")
        else:
            value = values[0] if values else ""
        out[var] = (kind, value)
    return out


def submit_form(
    form_type: str, values: Mapping[str, object], types: Mapping[str, str] | None = None
) -> Element:
    """A ``<x type='submit'/>`` data form with ``FORM_TYPE`` and ``values``."""
    form = Element(f"{{{NS_DATA}}}x", type="submit")
    head = SubElement(form, f"{{{NS_DATA}}}field", var="FORM_TYPE", type="hidden")
    SubElement(head, f"{{{NS_DATA}}}value").text = form_type
    for var, value in values.items():
        field = SubElement(form, f"{{{NS_DATA}}}field", var=var)
        kind = (types or {}).get(var)
        if kind:
            field.set("type", kind)
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            text = ("1" if item else "0") if isinstance(item, bool) else str(item)
            SubElement(field, f"{{{NS_DATA}}}value").text = text
    return form
