"""Unit tests of the gateway decisions: network labels, domains to ask, form submissions."""

from __future__ import annotations

from typing import Any

import pytest
from slixmpp.plugins.xep_0004 import Form

from tuichat.errors import GatewayError
from tuichat.xmpp.features.gateway import (
    gateway_domains,
    missing_required,
    network_of,
    preauthorized,
    submission,
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


def _form() -> Any:
    form: Any = Form()  # type: ignore[no-untyped-call]
    form["type"] = "form"
    form.add_field(var="FORM_TYPE", ftype="hidden", value="jabber:iq:register")
    form.add_field(ftype="fixed", value="Read this")
    form.add_field(var="username", ftype="text-single", label="Username", required=True)
    form.add_field(var="password", ftype="text-private", label="Password", required=True)
    form.add_field(var="region", ftype="list-single", value="eu")
    form.add_field(var="tags", ftype="list-multi")
    form.add_field(var="remember", ftype="boolean", required=True)
    return form


def test_missing_required_names_the_labels() -> None:
    assert missing_required(_form(), {}) == ["Username", "Password"]
    assert missing_required(_form(), {"username": ["u"], "password": [""]}) == ["Password"]
    assert missing_required(_form(), {"username": ["u"], "password": ["p"]}) == []


def test_submission_fills_values_and_keeps_defaults() -> None:
    values = {"username": ["bob"], "password": ["pw"], "tags": ["a", "b"], "remember": ["1"]}
    answer: Any = submission(_form(), values)
    assert answer["type"] == "submit"
    assert answer.get_values() == {
        "FORM_TYPE": ["jabber:iq:register"],  # slixmpp reads a hidden field as a list
        "username": "bob",
        "password": "pw",
        "region": "eu",
        "tags": ["a", "b"],
        "remember": True,
    }


def test_submission_refuses_missing_required_fields() -> None:
    with pytest.raises(GatewayError, match="required: Username, Password"):
        submission(_form(), {"region": ["us"]})


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
