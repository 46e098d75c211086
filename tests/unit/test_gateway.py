"""Unit tests of the gateway decisions: network labels, domains to ask, registration forms."""

from __future__ import annotations

from xml.etree.ElementTree import Element, fromstring

import pytest

from tuichat.errors import GatewayError
from tuichat.forms import Field, FieldType, Form, Option, check_form, filled
from tuichat.xmpp.features.gateway import (
    checked_answers,
    gateway_domains,
    legacy_form,
    network_of,
    preauthorized,
)


@pytest.mark.parametrize(
    ("identities", "label"),
    [
        ([("gateway", "irc", "IRC")], "irc"),
        ([("gateway", "telegram", None)], "telegram"),
        ([("conference", "irc", "Biboumi XMPP-IRC gateway")], "irc"),
        ([("conference", "text", "Chatrooms")], ""),
        ([("server", "im", "Prosody")], ""),
        ([], ""),
        ([("conference", "irc", None), ("gateway", "xmpp", None)], "xmpp"),  # gateway wins
        ([("GATEWAY", "WhatsApp", None)], "whatsapp"),
        ([("gateway", "[red]\x1b[31mevil\u202e", None)], "red31mevil"),
        ([("gateway", "averyveryverylongnetworkname", None)], "averyveryver"),
        ([("gateway", "", None)], ""),
    ],
)
def test_network_of(identities: list[tuple[str, str, str | None]], label: str) -> None:
    assert network_of(identities) == label


def test_gateway_domains_skip_our_server_and_bad_jids() -> None:
    contacts = [
        "bob@example.org",
        "nick%irc.net@biboumi.example.org",
        "+1555@telegram.example.net",
        "x@telegram.example.net",
        "example.org",
        "",
    ]
    assert gateway_domains(contacts, "example.org") == {
        "biboumi.example.org",
        "telegram.example.net",
    }


def _form() -> Form:
    return Form(
        fields=(
            Field("FORM_TYPE", FieldType.HIDDEN, values=("jabber:iq:register",)),
            Field("", FieldType.FIXED, values=("Read this",)),
            Field("username", FieldType.TEXT_SINGLE, label="Username", required=True),
            Field("password", FieldType.TEXT_PRIVATE, label="Password", required=True),
            Field("region", FieldType.LIST_SINGLE, values=("eu",),
                  options=(Option("eu"), Option("us"))),
        )
    )  # fmt: skip


def test_checked_answers_name_every_missing_required_field() -> None:
    with pytest.raises(GatewayError, match="Username is required; Password is required"):
        checked_answers(_form(), Form())
    given = filled(_form(), {"username": ("u",), "password": ("",)})
    with pytest.raises(GatewayError, match=r"^cannot register: Password is required$"):
        checked_answers(_form(), given)


def test_checked_answers_keep_what_was_given_for_the_form_only() -> None:
    answer = Form(
        kind="submit",
        fields=(
            Field("username", FieldType.TEXT_SINGLE, values=("bob",)),
            Field("password", FieldType.TEXT_SINGLE, values=("pw",)),
            Field("FORM_TYPE", FieldType.HIDDEN, values=("forged",)),  # not the user's to set
            Field("extra", FieldType.TEXT_SINGLE, values=("x",)),
        ),
    )
    assert checked_answers(_form(), answer) == {"username": ("bob",), "password": ("pw",)}
    with pytest.raises(GatewayError, match="'mars' is not one of the choices"):
        checked_answers(_form(), filled(_form(), {"username": ("u",), "password": ("p",),
                                                  "region": ("mars",)}))  # fmt: skip


def _query(xml: str) -> Element:
    return fromstring(f"<query xmlns='jabber:iq:register'>{xml}</query>")


def test_a_legacy_gateway_gets_a_form_of_its_fields() -> None:
    """Each XEP-0077 field it names, in its order, required; the password hidden; the
    instructions kept; unknown elements and repeats ignored; a value it sent kept."""
    form = legacy_form(
        _query(
            "<instructions>Your login\u202e</instructions><username>bob</username>"
            "<password/><misc/><username/><x xmlns='jabber:x:data'/>"
        )
    )
    assert form.instructions == ("Your login",)
    assert [(f.var, f.type, f.required, f.values) for f in form.fields] == [
        ("username", FieldType.TEXT_SINGLE, True, ("bob",)),
        ("password", FieldType.TEXT_PRIVATE, True, ()),
    ]
    assert check_form(form) == {"password": "password is required"}
    assert legacy_form(_query("")).fields == ()


@pytest.mark.parametrize(
    ("domain", "registered", "networks", "subscription", "pending", "expected"),
    [
        ("gw.example", {"gw.example"}, {}, None, False, True),  # registering right now
        ("gw.example", set(), {"gw.example": "irc"}, "both", False, True),
        ("gw.example", set(), {"gw.example": "irc"}, "to", False, True),
        ("gw.example", set(), {"gw.example": "irc"}, "none", True, True),  # we asked
        ("gw.example", set(), {"gw.example": "irc"}, "none", False, False),
        ("gw.example", set(), {"gw.example": "irc"}, "from", False, False),
        ("gw.example", set(), {"gw.example": "irc"}, None, False, False),  # not in roster
        ("example.org", set(), {"example.org": ""}, "both", False, False),  # a plain server
        ("example.org", set(), {}, "both", False, False),  # not identified (yet)
    ],
)
def test_preauthorized(
    domain: str,
    registered: set[str],
    networks: dict[str, str],
    subscription: str | None,
    pending: bool,
    expected: bool,
) -> None:
    assert (
        preauthorized(
            domain,
            registered=registered,
            networks=networks,
            subscription=subscription,
            pending_out=pending,
        )
        is expected
    )
