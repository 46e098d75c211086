"""The readers behind /info: vCard, software version and last visit answers, bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import fromstring

from tuichat.model import ClientSoftware, ContactInfo
from tuichat.ui.dialogs.contact_info import info_lines
from tuichat.xmpp.contact_info import MAX_ITEMS, MAX_TEXT, read_last_seen, read_vcard, read_version

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_vcard_is_read_field_by_field() -> None:
    vcard = fromstring(
        "<vCard xmlns='vcard-temp'><FN> Bob Builder </FN><NICKNAME>bob</NICKNAME>"
        "<EMAIL><INTERNET/><USERID>bob@example.org</USERID></EMAIL>"
        "<EMAIL><USERID>bob@example.org</USERID></EMAIL>"
        "<URL>https://bob.example</URL><BDAY>1980-01-02</BDAY>"
        "<ORG><ORGNAME>Builders</ORGNAME></ORG><TITLE>Chief</TITLE><DESC>Can fix it</DESC></vCard>"
    )
    info = read_vcard("bob@example.org", vcard)
    assert info == ContactInfo(
        "bob@example.org",
        full_name="Bob Builder",
        nickname="bob",
        emails=("bob@example.org",),
        urls=("https://bob.example",),
        birthday="1980-01-02",
        organisation="Builders",
        title="Chief",
        note="Can fix it",
    )


def test_a_vcard_without_fn_is_named_from_its_parts() -> None:
    vcard = fromstring(
        "<vCard xmlns='vcard-temp'><N><FAMILY>Lovelace</FAMILY><GIVEN>Ada</GIVEN></N></vCard>"
    )
    assert read_vcard("ada@example.org", vcard).full_name == "Ada Lovelace"


def test_a_hostile_vcard_is_bounded() -> None:
    emails = "".join(f"<EMAIL><USERID>u{i}@x</USERID></EMAIL>" for i in range(500))
    vcard = fromstring(f"<vCard xmlns='vcard-temp'><FN>{'A' * 100_000}</FN>{emails}</vCard>")
    info = read_vcard("x@example.org", vcard)
    assert len(info.full_name) == MAX_TEXT
    assert len(info.emails) == MAX_ITEMS


def test_a_version_answer_needs_a_name() -> None:
    ns = "jabber:iq:version"
    full = fromstring(f"<query xmlns='{ns}'><name>Gajim</name><version>1.9</version></query>")
    assert read_version("laptop", full) == ClientSoftware("laptop", "Gajim", "1.9", "")
    assert read_version("laptop", fromstring(f"<query xmlns='{ns}'/>")) is None


def test_last_activity_is_read_and_absurd_answers_are_none() -> None:
    def query(seconds: str) -> str:
        return f"<query xmlns='jabber:iq:last' seconds='{seconds}'>gone fishing</query>"

    assert read_last_seen(fromstring(query("90")), NOW) == (
        NOW - timedelta(seconds=90),
        "gone fishing",
    )
    for bad in ("-1", "x", "99999999999999"):
        assert read_last_seen(fromstring(query(bad)), NOW) == (None, "")


def test_info_lines_never_read_markup_and_name_what_was_not_answered() -> None:
    info = ContactInfo(
        "eve@example.org",
        full_name="[bold red]Eve[/]",
        clients=(ClientSoftware("phone", "Conversations", "2.17", "Android"),),
        last_seen=NOW - timedelta(hours=3),
        unanswered=("no vCard",),
    )
    text = info_lines(info, NOW, UTC).plain
    assert "Name: [bold red]Eve[/]" in text
    assert "Client (phone): Conversations 2.17 on Android" in text
    assert "Last seen: 2026-12-01 09:00, 3 hours ago" in text
    assert text.rstrip().endswith("no vCard")
