"""Provides sample services for the disco browser and Feeds view tests: a server with a chat
service (one room), a PubSub service (two nodes, one with entries), a gateway with commands,
and a hostile item name."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

from tests.ui.fakes import ME, T0, FakeClient
from tuichat.discovery import SERVERINFO, DiscoInfo, DiscoItem, FeedEntry, Identity

SERVER = "example.org"
MUC = "conference.example.org"
ROOM = "dev@conference.example.org"
PUBSUB = "pubsub.example.org"
GATEWAY = "irc.example.org"
NS_COMMANDS = "http://jabber.org/protocol/commands"
HOSTILE = "\x1b[31mred[/b] [bold]x\u202e"


def entry(n: int, title: str, author: str = "Pat", summary: str = "") -> FeedEntry:
    """Entry ``n`` of the news node, ``n`` hours after T0."""
    return FeedEntry(
        PUBSUB,
        "news",
        f"item-{n}",
        title,
        author,
        T0 + timedelta(hours=n),
        summary or f"What happened in part {n}, told at some length so that it wraps.",
        f"https://example.org/news/{n}",
    )


def seed_services(client: FakeClient) -> None:
    """Give the fake client the sample services."""
    data = client.disco_data
    contacts = {
        "abuse-addresses": ("mailto:abuse@example.org",),
        "admin-addresses": ("xmpp:admin@example.org",),
    }
    data.infos.update(
        {
            (SERVER, ""): DiscoInfo(
                SERVER,
                "",
                (Identity("server", "im", "Prosody"),),
                (
                    "http://jabber.org/protocol/disco#info",
                    "http://jabber.org/protocol/disco#items",
                    NS_COMMANDS,
                    "urn:xmpp:ping",
                ),
                MappingProxyType({SERVERINFO: MappingProxyType(contacts)}),
            ),
            (MUC, ""): DiscoInfo(
                MUC,
                "",
                (Identity("conference", "text", "Chatrooms"),),
                ("http://jabber.org/protocol/muc",),
            ),
            (ROOM, ""): DiscoInfo(
                ROOM,
                "",
                (Identity("conference", "text", "Developers"),),
                ("http://jabber.org/protocol/muc", "muc_open"),
            ),
            (PUBSUB, ""): DiscoInfo(
                PUBSUB,
                "",
                (Identity("pubsub", "service", "News service"),),
                ("http://jabber.org/protocol/pubsub",),
            ),
            (PUBSUB, "news"): DiscoInfo(
                PUBSUB,
                "news",
                (Identity("pubsub", "leaf"),),
                ("http://jabber.org/protocol/pubsub",),
            ),
            (GATEWAY, ""): DiscoInfo(
                GATEWAY,
                "",
                (Identity("conference", "irc", "IRC gateway"),),
                (NS_COMMANDS, "jabber:iq:register", "http://jabber.org/protocol/muc"),
            ),
        }
    )
    data.items.update(
        {
            (SERVER, ""): [
                DiscoItem(MUC, "", "Chatrooms"),
                DiscoItem(PUBSUB, "", "News service"),
                DiscoItem(GATEWAY, "", "IRC gateway"),
                DiscoItem("odd.example.org", "", HOSTILE),
            ],
            (MUC, ""): [DiscoItem(ROOM, "", "Developers")],
            (PUBSUB, ""): [
                DiscoItem(PUBSUB, "news", "Project news"),
                DiscoItem(PUBSUB, "releases"),
            ],
        }
    )
    data.entries[(PUBSUB, "news")] = [
        entry(1, "Version 1.0 released", "Pat", "The first stable version is out."),
        entry(2, "Meet-up in Lyon", "Sam"),
        entry(3, HOSTILE, "Eve" + HOSTILE),
    ]


__all__ = ["GATEWAY", "ME", "MUC", "PUBSUB", "ROOM", "SERVER", "entry", "seed_services"]
