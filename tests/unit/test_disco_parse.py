"""Unit tests of reading disco answers and Atom entries (hostile input included), and of the
store's feed entries (stored once, unread, searchable, kept out of the chat lists)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, fromstring

from tuichat.discovery import (
    MAX_FEATURES,
    MAX_IDENTITIES,
    MAX_ITEMS,
    MAX_NAME,
    FeedEntry,
    clean_name,
    feed_key,
    server_contacts,
    split_feed_key,
)
from tuichat.model import ConversationKind, Direction, Message
from tuichat.store import Store
from tuichat.xmpp.features.disco_parse import NS_INFO, NS_ITEMS, atom_entry, disco_info, disco_items

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_clean_name_drops_controls_bidi_and_newlines_and_bounds_length() -> None:
    """A name from the network is one bounded line without escape or bidi characters."""
    assert clean_name("\x1b[31mred\u202e\n  two\tthree\u200b") == "[31mred two three"
    assert len(clean_name("x" * 5000)) == MAX_NAME and clean_name("x" * 5000).endswith("…")
    assert clean_name(None) == ""


def test_disco_info_reads_identities_features_and_contact_form() -> None:
    """Identities (deduplicated), features and the XEP-0157 form; an odd form is skipped."""
    query = fromstring(
        f"""<query xmlns='{NS_INFO}'>
          <identity category='server' type='im' name='Prosody'/>
          <identity category='server' type='im' name='Prosody'/>
          <feature var='urn:xmpp:ping'/><feature var='urn:xmpp:ping'/><feature/>
          <x xmlns='jabber:x:data' type='result'>
            <field var='FORM_TYPE' type='hidden'>
              <value>http://jabber.org/network/serverinfo</value></field>
            <field var='abuse-addresses'><value>mailto:abuse@x.org</value>
              <value>xmpp:abuse@x.org</value></field>
            <field var='support-addresses'><value>https://x.org/help</value></field>
          </x>
          <x xmlns='jabber:x:data' type='result'><field var='no-form-type'/></x>
        </query>"""
    )
    info = disco_info("x.org", "", query)
    assert [(i.category, i.type, i.name) for i in info.identities] == [("server", "im", "Prosody")]
    assert info.features == ("urn:xmpp:ping",)
    assert server_contacts(info) == {
        "abuse": ("mailto:abuse@x.org", "xmpp:abuse@x.org"),
        "support": ("https://x.org/help",),
    }
    assert disco_info("x.org", "", None).identities == ()


def test_disco_answers_are_capped() -> None:
    """A service listing a flood of identities, features and items is cut at the limits."""
    info_query = Element(f"{{{NS_INFO}}}query")
    for n in range(MAX_FEATURES + 50):
        SubElement(info_query, f"{{{NS_INFO}}}identity", category="c", type=f"t{n}")
        SubElement(info_query, f"{{{NS_INFO}}}feature", var=f"f{n}")
    info = disco_info("x.org", "", info_query)
    assert len(info.identities) == MAX_IDENTITIES and len(info.features) == MAX_FEATURES
    items_query = Element(f"{{{NS_ITEMS}}}query")
    for n in range(MAX_ITEMS + 50):
        SubElement(items_query, f"{{{NS_ITEMS}}}item", jid=f"r{n}@x.org", name=f"Room\x1b{n}")
    SubElement(items_query, f"{{{NS_ITEMS}}}item", name="no jid")
    items = disco_items(items_query)
    assert len(items) == MAX_ITEMS
    assert items[0].name == "Room0" and items[0].label == "Room0"


def test_disco_items_skip_bad_jids_and_duplicates() -> None:
    """Items without a JID, with a space in it, or repeated, are left out."""
    query = fromstring(
        f"""<query xmlns='{NS_ITEMS}'>
          <item jid='a.x.org'/><item jid='a.x.org'/><item jid='a.x.org' node='n'/>
          <item jid='bad jid'/><item node='orphan'/>
        </query>"""
    )
    assert [(i.jid, i.node) for i in disco_items(query)] == [("a.x.org", ""), ("a.x.org", "n")]


ATOM = "http://www.w3.org/2005/Atom"


def _item(body: str, item_id: str = "i1") -> Element:
    return fromstring(
        f"<item xmlns='http://jabber.org/protocol/pubsub' id='{item_id}'>{body}</item>"
    )


def test_atom_entry_reads_title_author_date_summary_link() -> None:
    """The fields of an XEP-0277 style entry; html summaries lose their tags."""
    item = _item(
        f"""<entry xmlns='{ATOM}'><title>Hello</title><author><name>Pat</name></author>
        <published>2026-01-05T08:07:00+01:00</published>
        <summary type='html'>&lt;p&gt;Big &amp;amp; &lt;b&gt;bold&lt;/b&gt;&lt;/p&gt;</summary>
        <link rel='enclosure' href='https://x.org/file'/>
        <link href='https://x.org/post'/></entry>"""
    )
    entry = atom_entry("pubsub.x.org", "news", "i1", item, NOW)
    assert entry == FeedEntry(
        "pubsub.x.org",
        "news",
        "i1",
        "Hello",
        "Pat",
        datetime(2026, 1, 5, 7, 7, tzinfo=UTC),
        "Big & bold",
        "https://x.org/post",
    )


def test_atom_entry_tolerates_hostile_and_missing_fields() -> None:
    """No title: the summary's start; a bad date: now; escapes removed; other payloads: None."""
    item = _item(f"<entry xmlns='{ATOM}'><published>yesterday</published></entry>")
    content = SubElement(item[0], f"{{{ATOM}}}content")
    content.text = "\x1b]0;pwned\x07line one\u202e\nline two"  # as a parser might hand it
    entry = atom_entry("s", "n", "i1", item, NOW)
    assert entry is not None
    assert entry.published == NOW and entry.author == "" and entry.link == ""
    assert "\x1b" not in entry.title + entry.summary and "\x07" not in entry.summary
    assert entry.summary == "]0;pwnedline one\nline two"
    assert atom_entry("s", "n", "i1", _item("<other xmlns='urn:x'/>"), NOW) is None
    assert atom_entry("s", "n", "", _item(f"<entry xmlns='{ATOM}'/>"), NOW) is None


def _entry(n: int, title: str) -> FeedEntry:
    return FeedEntry("ps.x.org", "news/daily", f"id{n}", title, "Pat", NOW.replace(hour=n), "s")


def test_store_keeps_each_entry_once_counts_unread_and_finds_it() -> None:
    """Entries are messages of kind feed: stored once, unread until marked, searchable, and
    not listed among the conversations."""
    store = Store.memory()
    store.save_message(
        Message("me@x.org", "bob@x.org", Direction.IN, "bob@x.org/r", "hi", timestamp=NOW)
    )
    new = store.save_feed_entries("me@x.org", [_entry(1, "Alpha"), _entry(2, "Beta zebra")])
    assert [e.title for e in new] == ["Alpha", "Beta zebra"] and all(e.unread for e in new)
    assert store.save_feed_entries("me@x.org", [_entry(1, "Alpha again")]) == []
    assert [e.title for e in store.feed_entries("me@x.org", "ps.x.org", "news/daily")] == [
        "Alpha",
        "Beta zebra",
    ]
    [feed] = store.feeds("me@x.org")
    assert (feed.service, feed.node, feed.unread, feed.title) == (
        "ps.x.org",
        "news/daily",
        2,
        "Beta zebra",
    )
    store.mark_feed_read("me@x.org", "ps.x.org", "news/daily")
    assert store.feeds("me@x.org")[0].unread == 0
    assert not any(e.unread for e in store.feed_entries("me@x.org", "ps.x.org", "news/daily"))
    [hit] = store.search("zebra")
    assert hit.kind is ConversationKind.FEED and hit.conversation == "ps.x.org/news/daily"
    assert [c.conversation for c in store.conversations()] == ["bob@x.org"]


def test_feed_key_round_trips_a_node_with_slashes() -> None:
    """``service/node`` splits at the first slash only."""
    assert split_feed_key(feed_key("ps.x.org", "a/b/c")) == ("ps.x.org", "a/b/c")


def test_a_server_offering_registration_is_no_gateway() -> None:
    """Registering is offered for gateways, not for the server's own in-band registration."""
    from tuichat.discovery import DiscoInfo, Identity

    register = ("jabber:iq:register",)
    assert not DiscoInfo("x.org", "", (Identity("server", "im"),), register).is_gateway
    assert DiscoInfo("irc.x.org", "", (Identity("conference", "irc"),), register).is_gateway
    assert DiscoInfo("sms.x.org", "", (Identity("gateway", "sms"),)).is_gateway
