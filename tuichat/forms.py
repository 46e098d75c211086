"""Provides the data form model (XEP-0004), its validation (XEP-0122) and media (XEP-0221).

Pure: no slixmpp, no Textual. The XMPP layer turns a ``jabber:x:data`` element into a
:class:`Form` (``tuichat.xmpp.features.forms_xml``), the renderer and the CLI fill it with
answers (text as typed), :func:`check_form` says in words what is wrong with each field, and
:func:`submission` gives the form to send back. A form comes from the network: its size is
bounded (:data:`LIMITS`) and its text carries no control characters; it is still shown with
``rich.text.Text`` only, never as markup.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, time
from enum import StrEnum
from urllib.parse import urlsplit

from tuichat.records import record


class FieldType(StrEnum):
    """The field types of XEP-0004 §3.3."""

    BOOLEAN = "boolean"
    FIXED = "fixed"
    HIDDEN = "hidden"
    JID_SINGLE = "jid-single"
    JID_MULTI = "jid-multi"
    LIST_SINGLE = "list-single"
    LIST_MULTI = "list-multi"
    TEXT_SINGLE = "text-single"
    TEXT_MULTI = "text-multi"
    TEXT_PRIVATE = "text-private"

    @classmethod
    def parse(cls, text: str | None) -> FieldType:
        """A type attribute as a type; a missing or unknown one is text-single (§3.3)."""
        try:
            return cls(text or "text-single")
        except ValueError:
            return cls.TEXT_SINGLE

    @property
    def multi(self) -> bool:
        """Whether the field holds several values (one per line when typed)."""
        return self in (FieldType.JID_MULTI, FieldType.LIST_MULTI, FieldType.TEXT_MULTI)

    @property
    def answerable(self) -> bool:
        """Whether the user gives this field a value (not fixed text, not hidden)."""
        return self not in (FieldType.FIXED, FieldType.HIDDEN)


@record(frozen=True)
class Limits:
    """How much of a form from the network is kept; the rest is dropped (and counted)."""

    fields: int = 100
    options: int = 500
    total_options: int = 2_000
    """Options in the whole form (each list is a widget: a hostile form must not freeze it)."""
    values: int = 1_000
    text: int = 10_000
    label: int = 300
    items: int = 1_000
    pattern: int = 200


LIMITS = Limits()

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str | None, limit: int, *, lines: bool = False) -> str:
    """``text`` without control characters (newlines kept when ``lines``), cut to ``limit``."""
    text = (text or "").replace("\r\n", "\n")
    text = _CONTROLS.sub("", text if lines else text.replace("\n", " ").replace("\t", " "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


@record(frozen=True)
class Option:
    """One choice of a list field."""

    value: str
    label: str = ""

    @property
    def title(self) -> str:
        """What to show: the label, else the value."""
        return self.label or self.value


@record(frozen=True)
class Validation:
    """A field's XEP-0122 validation: its datatype and one method."""

    datatype: str = "xs:string"
    method: str = "basic"
    """``basic``, ``open`` (list fields accept other values), ``range`` or ``regex``."""
    minimum: str | None = None
    maximum: str | None = None
    regex: str = ""
    list_min: int | None = None
    list_max: int | None = None


@record(frozen=True)
class Media:
    """A picture or sound a field refers to (XEP-0221), such as a CAPTCHA."""

    uris: tuple[tuple[str, str], ...]
    """``(mime type, uri)`` pairs, in the sender's order of preference."""
    width: int | None = None
    height: int | None = None
    picture: bytes = b""
    """The PNG a ``cid:`` URI names, when the stanza carried it as bits of binary (XEP-0231);
    empty otherwise (a web link is never fetched)."""

    @property
    def link(self) -> str:
        """The first http(s) link, else the first URI (``cid:`` for bits of binary)."""
        web = [uri for _kind, uri in self.uris if uri.startswith(("https:", "http:"))]
        return web[0] if web else (self.uris[0][1] if self.uris else "")


@record(frozen=True)
class Field:
    """One field of a form, with its current values (text, as on the wire)."""

    var: str
    type: FieldType = FieldType.TEXT_SINGLE
    label: str = ""
    desc: str = ""
    required: bool = False
    values: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    validation: Validation | None = None
    media: Media | None = None

    @property
    def title(self) -> str:
        """What to call the field: its label, else its var."""
        return self.label or self.var

    @property
    def text(self) -> str:
        """The values as one editable text: lines for multi fields."""
        if self.type == FieldType.BOOLEAN:
            return "1" if self.checked else "0"
        return "\n".join(self.values) if self.type.multi else (self.values[:1] or ("",))[0]

    @property
    def checked(self) -> bool:
        """A boolean field's value."""
        return bool(self.values) and self.values[0].strip().lower() in ("1", "true")

    def option_title(self, value: str) -> str:
        """The label of the option whose value is ``value`` (the value itself otherwise)."""
        return next((o.title for o in self.options if o.value == value), value)


@record(frozen=True)
class Form:
    """A data form: a form to fill, a result to show, or a submission."""

    kind: str = "form"
    """``form``, ``submit``, ``cancel`` or ``result``."""
    title: str = ""
    instructions: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    reported: tuple[Field, ...] = ()
    """The columns of a result table."""
    items: tuple[Mapping[str, tuple[str, ...]], ...] = ()
    """The rows of a result table: var → values."""
    dropped: int = 0
    """How many fields, options, values or rows were dropped for being over the limits."""

    @property
    def form_type(self) -> str:
        """The hidden ``FORM_TYPE`` value, if any."""
        found = self.field("FORM_TYPE")
        return found.values[0] if found is not None and found.values else ""

    def field(self, var: str) -> Field | None:
        """The field named ``var``, or ``None``."""
        return next((f for f in self.fields if f.var == var), None)

    @property
    def answerable(self) -> tuple[Field, ...]:
        """The fields the user fills in, in order."""
        return tuple(f for f in self.fields if f.type.answerable and f.var)

    def values(self) -> dict[str, tuple[str, ...]]:
        """Every named field's values."""
        return {f.var: f.values for f in self.fields if f.var}

    def table(self) -> list[list[str]]:
        """The result table as rows of cell texts (multi values joined by ", ")."""
        rows = []
        for item in self.items:
            rows.append([", ".join(item.get(col.var, ())) for col in self.reported])
        return rows


# -- answers: text as typed → values ----------------------------------------------------------

_TRUE = ("1", "true", "yes", "on", "y")
_FALSE = ("0", "false", "no", "off", "n", "")


def parse_answer(field: Field, text: str) -> tuple[str, ...]:
    """What the user typed as wire values: one per non-empty line for multi fields, ``1``/``0``
    for booleans (``yes``/``no``… too, else kept for :func:`check` to refuse), an option's
    value for list fields typed as its label."""
    text = text.replace("\r\n", "\n")
    if field.type == FieldType.BOOLEAN:
        word = text.strip().lower()
        if word in _TRUE:
            return ("1",)
        if word in _FALSE:
            return ("0",)
        return (text.strip(),)
    if field.type.multi:
        lines = [
            line.strip() if field.type != FieldType.TEXT_MULTI else line
            for line in text.split("\n")
        ]
        if field.type != FieldType.TEXT_MULTI:
            lines = [line for line in lines if line]
        elif lines and lines[-1] == "":
            lines.pop()
        return tuple(_option_value(field, line) for line in lines)
    value = text if field.type in (FieldType.TEXT_PRIVATE, FieldType.TEXT_SINGLE) else text.strip()
    if field.type == FieldType.LIST_SINGLE:
        value = _option_value(field, value)
    return (value,) if value else ()


def _option_value(field: Field, text: str) -> str:
    if not field.options or any(o.value == text for o in field.options):
        return text
    return next((o.value for o in field.options if o.label.casefold() == text.casefold()), text)


# -- validation ---------------------------------------------------------------------------------

_JID = re.compile(r"^(?:[^@/\s\"&'<>:]{1,1023}@)?[^@/\s]{1,1023}(?:/.{1,1023})?$")
_INTEGER_BOUNDS = {
    "xs:int": (-(2**31), 2**31 - 1),
    "xs:long": (-(2**63), 2**63 - 1),
    "xs:short": (-(2**15), 2**15 - 1),
    "xs:byte": (-128, 127),
    "xs:nonNegativeInteger": (0, None),
    "xs:positiveInteger": (1, None),
    "xs:unsignedInt": (0, 2**32 - 1),
    "xs:unsignedShort": (0, 2**16 - 1),
    "xs:unsignedByte": (0, 255),
    "xs:integer": (None, None),
}
_REPEATED_GROUP = re.compile(r"\)[*+{]|\\\d")
"""A repeated group or a back-reference: patterns that can take exponential time."""
REGEX_MAX_QUANTIFIERS = 3
REGEX_MAX_VALUE = 256


def regex_is_safe(pattern: str, value: str) -> bool:
    """Whether a service's XEP-0122 pattern may be run on ``value`` here without risking a
    freeze (catastrophic backtracking): short, few quantifiers, no repeated group, no
    back-reference, a short value. Otherwise the service checks it itself."""
    quantifiers = sum(pattern.count(c) for c in "*+{")
    return (
        len(pattern) <= LIMITS.pattern
        and len(value) <= REGEX_MAX_VALUE
        and quantifiers <= REGEX_MAX_QUANTIFIERS
        and not _REPEATED_GROUP.search(pattern)
    )


def datatype_value(datatype: str, text: str) -> object:
    """``text`` read as an XML Schema ``datatype`` (a number, a date…); raises ValueError in
    words when it is not one. Unknown datatypes accept any text."""
    name = datatype if ":" in datatype else f"xs:{datatype}"
    if name in _INTEGER_BOUNDS:
        if not re.fullmatch(r"[+-]?\d{1,40}", text.strip()):
            raise ValueError("is not a whole number")
        number = int(text)
        low, high = _INTEGER_BOUNDS[name]
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(f"is out of range for {name}")
        return number
    if name in ("xs:decimal", "xs:double", "xs:float"):
        try:
            value = float(text)
        except ValueError:
            raise ValueError("is not a number") from None
        if not math.isfinite(value) and name == "xs:decimal":
            raise ValueError("is not a number")
        return value
    if name == "xs:boolean":
        if text.strip() not in ("0", "1", "true", "false"):
            raise ValueError("is not true or false")
        return text.strip() in ("1", "true")
    readers = {
        "xs:date": (date.fromisoformat, "a date (YYYY-MM-DD)"),
        "xs:dateTime": (datetime.fromisoformat, "a date and time (YYYY-MM-DDThh:mm:ss)"),
        "xs:time": (time.fromisoformat, "a time (hh:mm:ss)"),
    }
    if name in readers:
        reader, words = readers[name]
        try:
            return reader(text.strip())
        except ValueError:
            raise ValueError(f"is not {words}") from None
    if name == "xs:anyURI":
        if (
            not text
            or any(c.isspace() for c in text)
            or (":" in text and not urlsplit(text).scheme)
        ):
            raise ValueError("is not a URI")
        return text
    if name == "xs:language" and not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", text):
        raise ValueError("is not a language tag (such as en or pt-BR)")
    return text


def _check_value(field: Field, value: str) -> str:
    """What is wrong with one value, in words ("" when nothing)."""
    if field.type in (FieldType.JID_SINGLE, FieldType.JID_MULTI) and not _JID.match(value):
        return f"{value!r} is not a JID (such as name@example.org)"
    if field.type == FieldType.BOOLEAN and value not in ("0", "1", "true", "false"):
        return f"{value!r} is not yes or no"
    rule = field.validation
    if rule is None:
        return ""
    try:
        read = datatype_value(rule.datatype, value)
    except ValueError as exc:
        return f"{value!r} {exc}"
    if rule.method == "range":
        for bound, low in ((rule.minimum, True), (rule.maximum, False)):
            if bound is None:
                continue
            try:
                limit = datatype_value(rule.datatype, bound)
                beyond = read < limit if low else read > limit  # type: ignore[operator]
            except (ValueError, TypeError):
                continue  # a bound the service got wrong is not the user's fault
            if beyond:
                side = "below the least" if low else "above the most"
                return f"{value!r} is {side} allowed ({bound})"
    if rule.method == "regex" and rule.regex and regex_is_safe(rule.regex, value):
        try:
            matched = re.fullmatch(rule.regex, value) is not None
        except re.error:
            matched = True  # a pattern Python cannot read: the service checks it itself
        if not matched:
            return f"{value!r} does not have the expected form ({rule.regex})"
    return ""


def check(field: Field, values: tuple[str, ...]) -> str:
    """What is wrong with ``values`` for ``field``, in words; ``""`` when they are fine."""
    if not field.type.answerable:
        return ""
    if field.required and not any(v.strip() for v in values):
        return f"{field.title} is required"
    if len(values) > 1 and not field.type.multi:
        return f"{field.title} takes one value"
    if field.options and field.type in (FieldType.LIST_SINGLE, FieldType.LIST_MULTI):
        known = {o.value for o in field.options}
        if not (field.validation and field.validation.method == "open"):
            for value in values:
                if value not in known:
                    return f"{value!r} is not one of the choices"
    for value in values:
        if problem := _check_value(field, value):
            return problem
    rule = field.validation
    if rule is not None and field.type.multi:
        if rule.list_min is not None and len(values) < rule.list_min:
            return f"give at least {rule.list_min} values"
        if rule.list_max is not None and len(values) > rule.list_max:
            return f"give at most {rule.list_max} values"
    return ""


def check_form(form: Form, answers: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """Each answerable field's problem in words (only the fields that have one); ``answers``
    (var → values) override the form's own values."""
    answers = answers or {}
    problems = {}
    for f in form.answerable:
        if problem := check(f, answers.get(f.var, f.values)):
            problems[f.var] = problem
    return problems


def filled(form: Form, answers: Mapping[str, tuple[str, ...]]) -> Form:
    """``form`` with ``answers`` (var → values) as the values of its answerable fields."""
    fields = tuple(
        replace(f, values=tuple(answers[f.var])) if f.var in answers and f.type.answerable else f
        for f in form.fields
    )
    return replace(form, fields=fields)


def submission(form: Form, answers: Mapping[str, tuple[str, ...]] | None = None) -> Form:
    """The ``submit`` form to send back: every named field but fixed ones, with its answer (or
    the value it came with), types kept, nothing else (no labels, options or media)."""
    answers = answers or {}
    fields = tuple(
        Field(var=f.var, type=f.type, values=tuple(answers.get(f.var, f.values)))
        for f in form.fields
        if f.var and f.type != FieldType.FIXED
    )
    return Form(kind="submit", fields=fields)


def answers_from_pairs(form: Form, pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """``VAR=VALUE`` pairs (the CLI's ``--field``) as answers: a var given several times gets
    several values (one each); a value is read as :func:`parse_answer` reads typed text.
    Raises KeyError naming a var the form does not have."""
    grouped: dict[str, list[str]] = {}
    for var, text in pairs:
        grouped.setdefault(var, []).append(text)
    answers = {}
    for var, texts in grouped.items():
        found = form.field(var)
        if found is None or not found.type.answerable:
            raise KeyError(var)
        answers[var] = parse_answer(found, "\n".join(texts))
    return answers


def form_dict(form: Form) -> dict[str, object]:
    """``form`` as plain data for JSON: type, title, instructions, fields (var, type, label,
    required, values, options), the result table's columns and rows."""
    return {
        "type": form.kind,
        "title": form.title,
        "instructions": list(form.instructions),
        "fields": [
            {
                "var": f.var,
                "type": f.type.value,
                "label": f.label,
                "required": f.required,
                "values": list(f.values),
                **(
                    {"options": [{"value": o.value, "label": o.label} for o in f.options]}
                    if f.options
                    else {}
                ),
                **({"media": f.media.link} if f.media is not None else {}),
            }
            for f in form.fields
        ],
        "reported": [{"var": c.var, "label": c.label} for c in form.reported],
        "items": [{var: list(values) for var, values in item.items()} for item in form.items],
    }


def form_lines(form: Form) -> list[str]:
    """``form`` as lines of plain text (title, instructions, ``label: value`` for every field
    but hidden ones, then the table as tab-separated rows); not yet neutralised for a
    terminal."""
    lines = [form.title] if form.title else []
    lines += list(form.instructions)
    for f in form.fields:
        if f.type == FieldType.HIDDEN:
            continue
        if f.type == FieldType.FIXED:
            lines += list(f.values)
            continue
        if f.type == FieldType.BOOLEAN:
            shown = "yes" if f.checked else "no"
        elif f.type == FieldType.TEXT_PRIVATE:
            shown = "•" * 8 if f.values else ""
        else:
            shown = ", ".join(f.option_title(v) for v in f.values)
        if f.type == FieldType.TEXT_MULTI and len(f.values) > 1:
            lines.append(f"{f.title}:")
            lines += [f"  {v}" for v in f.values]
        else:
            lines.append(f"{f.title}: {shown}")
    if form.reported:
        lines.append("\t".join(c.label or c.var for c in form.reported))
        lines += ["\t".join(row) for row in form.table()]
    return lines
