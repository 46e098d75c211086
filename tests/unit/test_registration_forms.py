"""Unit tests of the registration form rules: which gateway an address names, and what of a
server's registration form is left for the user (XEP-0077 with XEP-0004)."""

from __future__ import annotations

from xml.etree.ElementTree import fromstring

import pytest

from tuichat.errors import GatewayError, RegistrationFailed
from tuichat.forms import Field, FieldType, Form, filled
from tuichat.gateway_client import gateway_domain
from tuichat.xmpp.register import answered, extra_form, server_form


@pytest.mark.parametrize(
    ("text", "domain"),
    [("irc.example.org", "irc.example.org"), ("IRC.Example.org", "irc.example.org")],
)
def test_gateway_domain(text: str, domain: str) -> None:
    assert gateway_domain(text) == domain


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("bob@irc.example.org", "not a gateway address"),
        ("irc.example.org/res", "not a gateway address"),
        ("a@@b", "not a valid address"),
    ],
)
def test_gateway_domain_refuses_other_addresses(text: str, words: str) -> None:
    with pytest.raises(GatewayError, match=words):
        gateway_domain(text)


PROSODY = Form(
    title="Creating a new account",
    fields=(
        Field("FORM_TYPE", FieldType.HIDDEN, values=("jabber:iq:register",)),
        Field("username", FieldType.TEXT_SINGLE, label="Username", required=True),
        Field("password", FieldType.TEXT_PRIVATE, label="Password", required=True),
    ),
)
EMAIL = Field("email", FieldType.TEXT_SINGLE, label="Email", required=True)


def test_a_form_of_name_and_password_leaves_nothing_to_ask() -> None:
    assert extra_form(PROSODY).fields == ()
    sent = answered(PROSODY, None, "ann", "pw")
    assert sent.kind == "submit"
    assert sent.values() == {
        "FORM_TYPE": ("jabber:iq:register",),
        "username": ("ann",),
        "password": ("pw",),
    }


def test_the_extra_fields_are_asked_and_merged() -> None:
    form = Form(title=PROSODY.title, fields=(*PROSODY.fields, EMAIL))
    extra = extra_form(form)
    assert [f.var for f in extra.fields] == ["FORM_TYPE", "email"]
    assert extra.title == "Creating a new account"
    with pytest.raises(RegistrationFailed, match=r"^Email is required$"):
        answered(form, extra, "ann", "pw")
    given = filled(extra, {"email": ("a@b.example",)})
    # The user cannot change the name through the extra form: it is not in it, and a field
    # the server did not ask is dropped.
    sneaky = Form(fields=(*given.fields, Field("username", values=("mallory",)), Field("x")))
    sent = answered(form, sneaky, "ann", "pw")
    assert sent.values()["username"] == ("ann",)
    assert sent.values()["email"] == ("a@b.example",)
    assert "x" not in sent.values()


def test_server_form_reads_the_query_data_form() -> None:
    iq = fromstring(
        "<iq xmlns='jabber:client' type='result'><query xmlns='jabber:iq:register'>"
        "<username/><x xmlns='jabber:x:data' type='form'><title>T</title>"
        "<field var='username' type='text-single'><required/></field></x></query></iq>"
    )
    form = server_form(iq)
    assert form is not None and form.title == "T" and form.fields[0].required
    legacy = fromstring(
        "<iq xmlns='jabber:client' type='result'><query xmlns='jabber:iq:register'>"
        "<username/></query></iq>"
    )
    assert server_form(legacy) is None
