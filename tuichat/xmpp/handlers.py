"""Provides the one reviewed table of slixmpp events a session follows, for it and its features.

slixmpp names its events with strings, and a misspelt one is silently never called; so every
string the session and its features listen to is here, once, next to the method it calls.
Ordering rule: no handler relies on running before another. Work that must happen in order at
a session start (the rooms forget the old stream first, then the catch-up, then the rejoin) is
called in that order by :meth:`Session._on_session_start`, not left to handler order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

Owner = Literal[
    "session",
    "sender",
    "certificates",
    "roster",
    "rooms",
    "blocklist",
    "disco",
    "feeds",
    "receipts",
    "read_sync",
    "chat_states",
    "avatars",
]

HANDLERS: tuple[tuple[str, Owner, str], ...] = (
    # the connection
    ("connection_failed", "session", "_on_connection_failed"),
    ("ssl_invalid_chain", "certificates", "on_untrusted"),
    ("ssl_cert", "certificates", "on_certificate"),
    ("failed_all_auth", "session", "_on_auth_failed"),
    ("stream_error", "session", "_on_stream_error"),
    ("disconnected", "session", "_on_disconnected"),
    ("session_start", "session", "_on_session_start"),
    ("session_resumed", "session", "_on_session_resumed"),
    # one-to-one messages
    ("message", "session", "_on_message"),
    ("carbon_received", "session", "_on_carbon"),
    ("carbon_sent", "session", "_on_carbon"),
    ("stanza_acked", "sender", "on_stanza_acked"),
    ("message_error", "sender", "on_message_error"),
    # roster and presence (RFC 6121)
    ("roster_update", "roster", "on_roster_update"),
    ("presence", "roster", "on_presence"),
    ("presence_subscribe", "roster", "on_subscribe"),
    # group chat (XEP-0045); room messages come through the room feature's own stanza handler
    ("groupchat_presence", "rooms", "on_presence"),
    ("presence_error", "rooms", "on_presence_error"),
    ("disconnected", "rooms", "on_disconnected"),
    # the block list (XEP-0191): the server's pushes
    ("blocked", "blocklist", "on_pushed_block"),
    ("unblocked", "blocklist", "on_pushed_unblock"),
    # service discovery (XEP-0030): a fresh stream forgets what entities said
    ("session_start", "disco", "forget"),
    # feeds (XEP-0060): notifications of subscribed nodes
    ("pubsub_publish", "feeds", "on_publish"),
    # delivery and read state (XEP-0184 receipts, XEP-0333 markers, XEP-0490 read sync)
    ("message", "receipts", "on_message"),
    ("receipt_received", "receipts", "on_receipt"),
    ("marker_displayed", "receipts", "on_displayed"),
    ("carbon_sent", "receipts", "on_carbon_sent"),
    ("message_displayed_synchronization_publish", "read_sync", "on_notification"),
    ("message", "chat_states", "on_message"),  # a message ends its sender's "typing…"
    # contacts' avatars (XEP-0084): PEP metadata notifications (+notify in our caps)
    ("avatar_metadata_publish", "avatars", "on_metadata"),
)
"""``(slixmpp event, owner, method)``; an owner that is not installed is skipped."""


def register(session: Session) -> None:
    """Add every handler of :data:`HANDLERS` to the session's (new) client."""
    owners: dict[Owner, Any] = {
        "session": session,
        "sender": session.sender,
        "certificates": session.certificates,
        "roster": session.roster,
        "rooms": session.rooms,
        "blocklist": session.blocklist,
        "disco": session.disco,
        "feeds": session.feeds,
        "receipts": session.receipts,
        "read_sync": session.read_sync,
        "chat_states": session.chat_states,
        "avatars": session.avatars,
    }
    for event, owner, method in HANDLERS:
        target = owners[owner]
        if target is not None:
            session.client.add_event_handler(event, getattr(target, method))
