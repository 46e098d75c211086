"""jabber:x:data ↔ the form model; command answers ↔ steps; hostile forms are bounded."""

from __future__ import annotations

import base64
from xml.etree.ElementTree import Element, fromstring, tostring

from tests.pngs import captcha_png
from tuichat.forms import LIMITS, FieldType, Form, submission
from tuichat.pictures import MAX_BYTES
from tuichat.xmpp.features.adhoc import command_error_words, continued, step_from_xml
from tuichat.xmpp.features.forms_xml import form_from_xml, form_to_xml

EVERY_TYPE = """
<x xmlns='jabber:x:data' type='form'>
  <title>Set up</title>
  <instructions>Line one</instructions>
  <instructions>Line two</instructions>
  <field var='FORM_TYPE' type='hidden'><value>urn:test</value></field>
  <field type='fixed'><value>Section</value></field>
  <field var='name' type='text-single' label='Name'><desc>Your name</desc><required/>
    <validate xmlns='http://jabber.org/protocol/xdata-validate' datatype='xs:string'>
      <regex>[A-Z].*</regex></validate></field>
  <field var='age' label='Age'>
    <validate xmlns='http://jabber.org/protocol/xdata-validate' datatype='xs:integer'>
      <range min='1' max='150'/></validate></field>
  <field var='pw' type='text-private'/>
  <field var='bio' type='text-multi'><value>a</value><value>b</value></field>
  <field var='ok' type='boolean'><value>true</value></field>
  <field var='who' type='jid-single'/>
  <field var='many' type='jid-multi'><value>a@b.c</value></field>
  <field var='one' type='list-single'><option label='First'><value>1</value></option>
    <option><value>2</value></option>
    <validate xmlns='http://jabber.org/protocol/xdata-validate'><open/></validate></field>
  <field var='some' type='list-multi'><option label='A'><value>a</value></option>
    <validate xmlns='http://jabber.org/protocol/xdata-validate'><basic/>
      <list-range min='1' max='2'/></validate></field>
  <field var='captcha' type='text-single' label='Type the letters'>
    <media xmlns='urn:xmpp:media-element' height='80' width='290'>
      <uri type='image/png'>cid:sha1+abc@bob.xmpp.org</uri>
      <uri type='image/png'>https://example.org/c.png</uri></media></field>
  <field var='odd' type='no-such-type'><value>v</value></field>
</x>
"""


def test_every_field_type_is_read() -> None:
    """Types, labels, desc, required, values, options, validation and media all arrive."""
    form = form_from_xml(fromstring(EVERY_TYPE))
    assert form.title == "Set up" and form.instructions == ("Line one", "Line two")
    assert form.form_type == "urn:test"
    types = [f.type.value for f in form.fields]
    assert types == [
        "hidden", "fixed", "text-single", "text-single", "text-private", "text-multi",
        "boolean", "jid-single", "jid-multi", "list-single", "list-multi", "text-single",
        "text-single",
    ]  # fmt: skip
    name = form.field("name")
    assert name is not None and name.required and name.desc == "Your name"
    assert name.validation is not None and name.validation.method == "regex"
    assert name.validation.regex == "[A-Z].*"
    age = form.field("age")
    assert age is not None and age.validation is not None
    assert (age.validation.datatype, age.validation.minimum, age.validation.maximum) == (
        "xs:integer", "1", "150",
    )  # fmt: skip
    bio, ok = form.field("bio"), form.field("ok")
    assert bio is not None and bio.values == ("a", "b") and bio.text == "a\nb"
    assert ok is not None and ok.checked
    one, some = form.field("one"), form.field("some")
    assert one is not None and [o.title for o in one.options] == ["First", "2"]
    assert one.validation is not None and one.validation.method == "open"
    assert some is not None and some.validation is not None
    assert (some.validation.list_min, some.validation.list_max) == (1, 2)
    captcha = form.field("captcha")
    assert captcha is not None and captcha.media is not None
    assert captcha.media.link == "https://example.org/c.png"
    assert (captcha.media.width, captcha.media.height) == (290, 80)
    assert form.dropped == 0


def test_submission_round_trip() -> None:
    """A submission as XML reads back as the same values and types."""
    form = form_from_xml(fromstring(EVERY_TYPE))
    answers = {"name": ("Ann",), "many": ("a@b.c", "d@e.f"), "ok": ("0",), "bio": ("x",)}
    xml = form_to_xml(submission(form, answers))
    assert xml.get("type") == "submit"
    back = form_from_xml(xml)
    assert back.kind == "submit"
    assert back.values()["many"] == ("a@b.c", "d@e.f")
    assert back.values()["FORM_TYPE"] == ("urn:test",)
    assert back.field("ok") is not None and back.field("ok").type == FieldType.BOOLEAN  # type: ignore[union-attr]
    assert b"label" not in tostring(xml) and b"option" not in tostring(xml)


def test_result_table_is_read() -> None:
    """reported + item become columns and rows."""
    xml = fromstring(
        "<x xmlns='jabber:x:data' type='result'><reported><field var='jid' label='JID'/>"
        "<field var='n'/></reported><item><field var='jid'><value>a@b.c</value></field>"
        "<field var='n'><value>1</value></field></item><item><field var='jid'>"
        "<value>d@e.f</value></field></item></x>"
    )
    form = form_from_xml(xml)
    assert form.kind == "result"
    assert [c.var for c in form.reported] == ["jid", "n"]
    assert form.table() == [["a@b.c", "1"], ["d@e.f", ""]]


def test_hostile_form_is_bounded_and_cleaned() -> None:
    """Too many fields and options are dropped and counted; huge text is cut; escape codes go."""
    root = Element("{jabber:x:data}x", {"type": "form"})
    title = Element("{jabber:x:data}title")
    title.text = "\x1b]0;pwned\x07Title\u202e"
    root.append(title)
    for i in range(LIMITS.fields + 50):
        field = Element("{jabber:x:data}field", {"var": f"f{i}", "type": "list-single"})
        if i == 0:
            for j in range(LIMITS.options + 10):
                option = Element("{jabber:x:data}option", {"label": f"o{j}"})
                value = Element("{jabber:x:data}value")
                value.text = str(j)
                option.append(value)
                field.append(option)
            value = Element("{jabber:x:data}value")
            value.text = "v" * (LIMITS.text * 3)
            field.append(value)
        root.append(field)
    form = form_from_xml(root)
    assert len(form.fields) == LIMITS.fields
    assert len(form.fields[0].options) == LIMITS.options
    assert form.dropped == 50 + 10
    assert len(form.fields[0].values[0]) == LIMITS.text
    assert form.title == "]0;pwnedTitle"


def test_options_are_bounded_across_the_form() -> None:
    """Many lists of many options: the whole form keeps at most ``total_options``."""
    root = Element("{jabber:x:data}x", {"type": "form"})
    for i in range(LIMITS.fields):
        field = Element("{jabber:x:data}field", {"var": f"f{i}", "type": "list-multi"})
        for j in range(100):
            option = Element("{jabber:x:data}option")
            value = Element("{jabber:x:data}value")
            value.text = str(j)
            option.append(value)
            field.append(option)
        root.append(field)
    form = form_from_xml(root)
    assert sum(len(f.options) for f in form.fields) == LIMITS.total_options
    assert form.dropped == LIMITS.fields * 100 - LIMITS.total_options


def test_unknown_form_type_is_a_form() -> None:
    """A type the XEP does not know is read as a form to fill."""
    assert form_from_xml(fromstring("<x xmlns='jabber:x:data' type='evil'/>")).kind == "form"
    assert form_from_xml(fromstring("<x xmlns='jabber:x:data'/>")) == Form()


def _command(body: str, **attrs: str) -> Element:
    extra = "".join(f" {k}='{v}'" for k, v in attrs.items())
    return fromstring(
        f"<command xmlns='http://jabber.org/protocol/commands' node='n'{extra}>{body}</command>"
    )


def test_step_reads_status_actions_notes_and_form() -> None:
    """Status, session, allowed actions in order, the default one, notes by kind, the form."""
    step = step_from_xml(
        "svc.example.org",
        _command(
            "<actions execute='next'><next/><prev/></actions>"
            "<note type='warn'>careful</note><note>fine</note><note type='error'>bad</note>"
            "<x xmlns='jabber:x:data' type='form'><field var='a'/></x>",
            status="executing",
            sessionid="s1",
        ),
    )
    assert (step.status, step.session, step.node) == ("executing", "s1", "n")
    assert step.actions == ("prev", "next") and step.default_action == "next"
    assert step.forward == "next"
    assert [(n.kind, n.text) for n in step.notes] == [
        ("warning", "careful"), ("info", "fine"), ("error", "bad")
    ]  # fmt: skip
    assert step.form is not None and step.form.field("a") is not None
    assert not step.finished


def test_step_without_actions_completes() -> None:
    """Executing without <actions/>: complete is the way on; completed is finished."""
    step = step_from_xml("j", _command("", status="executing", sessionid="s"))
    assert step.actions == ("complete",) and step.forward == "complete"
    done = step_from_xml("j", _command("<note>ok</note>", status="completed"))
    assert done.finished and done.form is None
    odd = step_from_xml("j", _command("<actions execute='complete'/>", status="weird"))
    assert odd.status == "executing" and odd.actions == ("complete",)


def test_command_errors_in_words() -> None:
    """XEP-0050's own conditions (an expired session…) and plain ones read as words."""
    expired = fromstring(
        "<error xmlns='jabber:client' type='modify'><not-allowed "
        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><session-expired "
        "xmlns='http://jabber.org/protocol/commands'/></error>"
    )
    assert command_error_words("continue x", expired) == (
        "cannot continue x: the command's session has expired; start the command again"
    )
    plain = fromstring(
        "<error xmlns='jabber:client' type='cancel'><item-not-found "
        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone\u202e!</text></error>"
    )
    assert command_error_words("run y", plain) == (
        "cannot run y: there is no such item (server: gone!)"
    )


def test_forward_is_next_unless_the_service_says_otherwise() -> None:
    """With next and complete both allowed and no default, execute means next (XEP-0050)."""
    both = step_from_xml("j", _command("<actions><complete/><next/></actions>", status="executing"))
    assert both.actions == ("next", "complete") and both.forward == "next"
    chosen = step_from_xml(
        "j", _command("<actions execute='complete'><complete/><next/></actions>")
    )
    assert chosen.forward == "complete"


def test_a_session_started_over_is_said() -> None:
    """An answer under another session than the one continued: the service forgot ours."""
    step = step_from_xml("j", _command("<note>again</note>", status="executing", sessionid="new"))
    warned = continued(step, "old")
    assert warned.notes[0].kind == "warning" and "timed out" in warned.notes[0].text
    assert warned.notes[1:] == step.notes
    assert continued(step, "new") == step and continued(step, "") == step


def _bob_iq(payload: str, cid: str = "sha1+abc@bob.xmpp.org", kind: str = "image/png") -> str:
    return (
        "<iq xmlns='jabber:client' type='result'><query xmlns='jabber:iq:register'>"
        f"{EVERY_TYPE}</query><data xmlns='urn:xmpp:bob' cid='{cid}' type='{kind}'"
        f" max-age='0'>{payload}</data></iq>"
    )


def test_bits_of_binary_reach_the_media() -> None:
    """The PNG a cid: URI names comes from the <data/> beside the form; the link stays web."""
    data = captcha_png()
    iq = fromstring(_bob_iq(base64.b64encode(data).decode()))
    form = form_from_xml(iq.find(".//{jabber:x:data}x"), iq)  # type: ignore[arg-type]
    captcha = form.field("captcha")
    assert captcha is not None and captcha.media is not None
    assert captcha.media.picture == data
    assert captcha.media.link == "https://example.org/c.png"
    alone = form_from_xml(fromstring(EVERY_TYPE)).field("captcha")
    assert alone is not None and alone.media is not None and alone.media.picture == b""


def test_bad_bits_of_binary_are_skipped() -> None:
    """Another cid, another type, bad base64 or too much of it: no picture, the form stays."""
    good = base64.b64encode(captcha_png()).decode()
    cases = [
        _bob_iq(good, cid="sha1+other@bob.xmpp.org"),
        _bob_iq(good, kind="image/gif"),
        _bob_iq("!!!not base64"),
        _bob_iq("A" * (MAX_BYTES * 2)),
    ]
    for text in cases:
        iq = fromstring(text)
        form = form_from_xml(iq.find(".//{jabber:x:data}x"), iq)  # type: ignore[arg-type]
        captcha = form.field("captcha")
        assert captcha is not None and captcha.media is not None
        assert captcha.media.picture == b"", text[:80]


def test_a_command_step_keeps_its_pictures() -> None:
    """An ad-hoc command's answer carries the BoB beside <command/>: the step's form has it."""
    data = captcha_png()
    iq = fromstring(
        "<iq xmlns='jabber:client' type='result'>"
        "<command xmlns='http://jabber.org/protocol/commands' node='n' status='executing'>"
        f"{EVERY_TYPE}</command><data xmlns='urn:xmpp:bob' cid='sha1+abc@bob.xmpp.org'"
        f" type='image/png'>{base64.b64encode(data).decode()}</data></iq>"
    )
    command = iq.find("{http://jabber.org/protocol/commands}command")
    assert command is not None
    step = step_from_xml("svc.example.org", command, iq)
    assert step.form is not None
    captcha = step.form.field("captcha")
    assert captcha is not None and captcha.media is not None and captcha.media.picture == data
