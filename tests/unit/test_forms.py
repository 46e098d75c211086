"""The data form model: answers typed as text, validation in words, the submission, limits."""

from __future__ import annotations

import pytest

from tuichat.forms import (
    Field,
    FieldType,
    Form,
    Option,
    Validation,
    answers_from_pairs,
    check,
    check_form,
    clean,
    filled,
    form_dict,
    form_lines,
    parse_answer,
    submission,
)

COLOURS = (Option("r", "Red"), Option("g", "Green"), Option("b", "Blue"))


def f(kind: FieldType, **kw: object) -> Field:
    return Field(var=kw.pop("var", "x"), type=kind, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "typed", "values"),
    [
        (FieldType.BOOLEAN, "yes", ("1",)),
        (FieldType.BOOLEAN, "off", ("0",)),
        (FieldType.BOOLEAN, "", ("0",)),
        (FieldType.BOOLEAN, "maybe", ("maybe",)),
        (FieldType.TEXT_SINGLE, "  two words ", ("  two words ",)),
        (FieldType.TEXT_SINGLE, "", ()),
        (FieldType.TEXT_PRIVATE, "s3cret ", ("s3cret ",)),
        (FieldType.TEXT_MULTI, "one\n\nthree\n", ("one", "", "three")),
        (FieldType.JID_SINGLE, " a@b.c ", ("a@b.c",)),
        (FieldType.JID_MULTI, "a@b.c\n\n d@e.f \n", ("a@b.c", "d@e.f")),
        (FieldType.LIST_SINGLE, "Green", ("g",)),
        (FieldType.LIST_SINGLE, "b", ("b",)),
        (FieldType.LIST_MULTI, "red\nb", ("r", "b")),
    ],
)
def test_parse_answer_every_type(kind: FieldType, typed: str, values: tuple[str, ...]) -> None:
    """Text as typed becomes wire values the way each type reads it."""
    options = COLOURS if kind in (FieldType.LIST_SINGLE, FieldType.LIST_MULTI) else ()
    assert parse_answer(f(kind, options=options), typed) == values


@pytest.mark.parametrize(
    ("field", "values", "problem"),
    [
        (f(FieldType.TEXT_SINGLE, required=True, label="Name"), (), "Name is required"),
        (f(FieldType.TEXT_SINGLE, required=True), (" ",), "x is required"),
        (f(FieldType.TEXT_SINGLE), ("a", "b"), "x takes one value"),
        (f(FieldType.BOOLEAN), ("maybe",), "'maybe' is not yes or no"),
        (f(FieldType.JID_SINGLE), ("not a jid",), "'not a jid' is not a JID"),
        (f(FieldType.JID_MULTI), ("a@b.c", "@"), "'@' is not a JID"),
        (f(FieldType.LIST_SINGLE, options=COLOURS), ("pink",), "'pink' is not one of the"),
        (f(FieldType.LIST_MULTI, options=COLOURS), ("r", "x"), "'x' is not one of the"),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:integer")), ("1.5",), "whole"),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:int")), ("9" * 12,), "out of range"),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:byte")), ("300",), "out of range"),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:date")), ("2024-13-01",), "a date"),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:dateTime")), ("soon",), "date and"),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:time")), ("25:00",), "a time"),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:boolean")), ("yes",), "true or f"),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:anyURI")), ("a b",), "not a URI"),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:double")), ("x",), "not a number"),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:language")), ("1",), "language"),
        (
            f(FieldType.TEXT_SINGLE, validation=Validation("xs:integer", "range", "1", "10")),
            ("11",),
            "'11' is above the most allowed (10)",
        ),
        (
            f(FieldType.TEXT_SINGLE, validation=Validation("xs:integer", "range", "1", "10")),
            ("0",),
            "'0' is below the least allowed (1)",
        ),
        (
            f(FieldType.TEXT_SINGLE, validation=Validation("xs:date", "range", "2020-01-01")),
            ("2019-12-31",),
            "below the least",
        ),
        (
            f(FieldType.TEXT_SINGLE, validation=Validation("xs:string", "regex", regex="[a-z]+")),
            ("abc1",),
            "does not have the expected form ([a-z]+)",
        ),
        (
            f(FieldType.LIST_MULTI, options=COLOURS, validation=Validation(list_min=2)),
            ("r",),
            "give at least 2 values",
        ),
        (
            f(FieldType.JID_MULTI, validation=Validation(list_max=1)),
            ("a@b.c", "d@e.f"),
            "give at most 1 values",
        ),
    ],
)
def test_check_says_what_is_wrong(field: Field, values: tuple[str, ...], problem: str) -> None:
    """Each rule refuses in words that name the value or the field."""
    assert problem in check(field, values)


@pytest.mark.parametrize(
    ("field", "values"),
    [
        (f(FieldType.TEXT_SINGLE), ()),
        (f(FieldType.FIXED, required=True), ()),
        (f(FieldType.HIDDEN, required=True), ()),
        (f(FieldType.BOOLEAN, required=True), ("0",)),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:integer", "range", "1", "10")), ("7",)),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:dateTime")), ("2024-01-02T03:04:05Z",)),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:anyURI")), ("https://a.b/c?d",)),
        (f(FieldType.LIST_SINGLE, options=COLOURS, validation=Validation(method="open")), ("x",)),
        (f(FieldType.TEXT_SINGLE, validation=Validation("xs:integer", "range", "oops")), ("3",)),
        (f(FieldType.TEXT_SINGLE, validation=Validation("weird:type")), ("anything",)),
        (f(FieldType.TEXT_SINGLE, validation=Validation(method="regex", regex="(")), ("x",)),
        (f(FieldType.JID_SINGLE), ("room@conference.example.org/nick",)),
    ],
)
def test_check_accepts_good_values(field: Field, values: tuple[str, ...]) -> None:
    """Good values, fields the user does not fill, and rules the service got wrong pass."""
    assert check(field, values) == ""


@pytest.mark.parametrize(
    "pattern", ["(a+)+$", "(a|aa)+$", "(a*)*b", r"(a)\1+", "a*a*a*a*b", "(x{1,9}){1,9}"]
)
def test_catastrophic_regex_is_not_run(pattern: str) -> None:
    """A pattern that can backtrack for ever is left to the service (it would freeze the UI)."""
    field = f(FieldType.TEXT_SINGLE, validation=Validation(method="regex", regex=pattern))
    assert check(field, ("a" * 5000 + "!",)) == ""
    assert check(field, ("a" * 40 + "!",)) == ""


def test_simple_regex_runs_on_short_values_only() -> None:
    """A plain pattern checks a short value; a very long one is left to the service."""
    field = f(FieldType.TEXT_SINGLE, validation=Validation(method="regex", regex="[0-9]+"))
    assert "expected form" in check(field, ("12a",))
    assert check(field, ("1" * 300 + "a",)) == ""


FULL = Form(
    title="Everything",
    instructions=("Fill it in.",),
    fields=(
        Field("FORM_TYPE", FieldType.HIDDEN, values=("urn:test",)),
        Field("", FieldType.FIXED, values=("A section",)),
        Field("name", FieldType.TEXT_SINGLE, "Name", required=True),
        Field("secret", FieldType.TEXT_PRIVATE, "Secret", values=("old",)),
        Field("notes", FieldType.TEXT_MULTI, "Notes"),
        Field("ok", FieldType.BOOLEAN, "OK", values=("true",)),
        Field("who", FieldType.JID_SINGLE, "Who"),
        Field("friends", FieldType.JID_MULTI, "Friends"),
        Field("colour", FieldType.LIST_SINGLE, "Colour", options=COLOURS, values=("r",)),
        Field("colours", FieldType.LIST_MULTI, "Colours", options=COLOURS),
    ),
)


def test_check_form_submission_and_values() -> None:
    """The required field is named; the submission keeps hidden values, drops fixed fields,
    labels and options, and carries the answers."""
    assert check_form(FULL) == {"name": "Name is required"}
    answers = answers_from_pairs(FULL, [("name", "Ann"), ("friends", "a@b.c"),
                                        ("friends", "d@e.f"), ("ok", "no")])  # fmt: skip
    assert check_form(FULL, answers) == {}
    sent = submission(FULL, answers)
    assert sent.kind == "submit"
    assert [x.var for x in sent.fields] == [
        "FORM_TYPE", "name", "secret", "notes", "ok", "who", "friends", "colour", "colours"
    ]  # fmt: skip
    assert sent.values()["FORM_TYPE"] == ("urn:test",)
    assert sent.values()["friends"] == ("a@b.c", "d@e.f")
    assert sent.values()["ok"] == ("0",)
    assert sent.values()["secret"] == ("old",)
    assert all(not x.label and not x.options for x in sent.fields)
    assert filled(FULL, answers).field("name") == Field(
        "name", FieldType.TEXT_SINGLE, "Name", required=True, values=("Ann",)
    )


def test_answers_for_unknown_or_fixed_var_are_refused() -> None:
    """A var the form does not have (or cannot be answered) is named."""
    with pytest.raises(KeyError, match="nope"):
        answers_from_pairs(FULL, [("nope", "1")])
    with pytest.raises(KeyError, match="FORM_TYPE"):
        answers_from_pairs(FULL, [("FORM_TYPE", "evil")])


def test_form_dict_and_lines() -> None:
    """Plain data and plain lines for the CLI: hidden fields not shown as lines, secrets hidden."""
    data = form_dict(filled(FULL, {"name": ("Ann",)}))
    assert data["title"] == "Everything"
    fields = {x["var"]: x for x in data["fields"]}  # type: ignore[attr-defined]
    assert fields["name"]["values"] == ["Ann"]
    assert fields["colour"]["options"][0] == {"value": "r", "label": "Red"}
    lines = form_lines(FULL)
    assert "Colour: Red" in lines and "OK: yes" in lines and "Secret: ••••••••" in lines
    assert "A section" in lines
    assert not any("urn:test" in line for line in lines)


def test_result_table() -> None:
    """Reported columns and items read as rows of cells."""
    form = Form(
        kind="result",
        reported=(Field("jid", label="JID"), Field("groups", label="Groups")),
        items=({"jid": ("a@b.c",), "groups": ("x", "y")}, {"jid": ("d@e.f",)}),
    )
    assert form.table() == [["a@b.c", "x, y"], ["d@e.f", ""]]
    assert form_lines(form)[-3:] == ["JID\tGroups", "a@b.c\tx, y", "d@e.f\t"]


def test_clean_removes_controls_and_cuts() -> None:
    """No escape sequences or bidi overrides survive; long text is cut with an ellipsis."""
    assert clean("a\x1b[31mb\u202ec\x07", 100) == "a[31mbc"
    assert clean("one\ntwo", 100) == "one two"
    assert clean("one\r\ntwo\x00", 100, lines=True) == "one\ntwo"
    assert clean("x" * 50, 10) == "x" * 9 + "…"
