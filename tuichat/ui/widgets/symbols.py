"""Provides the symbols and words that show presence and connection state without colour.

Rule: state is never shown by colour alone; every state has a symbol (and words where there
is room), so the high-contrast theme and 16-colour terminals lose nothing.
"""

from __future__ import annotations

from tuichat.model import ConnectionState, MessageState, Show

PRESENCE_SYMBOLS: dict[Show, str] = {
    Show.CHAT: "●",
    Show.ONLINE: "●",
    Show.AWAY: "◐",
    Show.XA: "○",
    Show.DND: "⊘",
    Show.OFFLINE: "·",
}
"""One cell per presence."""

PRESENCE_VARIABLES: dict[Show, str] = {
    Show.CHAT: "presence-online",
    Show.ONLINE: "presence-online",
    Show.AWAY: "presence-away",
    Show.XA: "presence-xa",
    Show.DND: "presence-dnd",
    Show.OFFLINE: "presence-offline",
}
"""The theme variable that colours each presence."""

PRESENCE_WORDS: dict[Show, str] = {
    Show.CHAT: "free to chat",
    Show.ONLINE: "online",
    Show.AWAY: "away",
    Show.XA: "away for long",
    Show.DND: "do not disturb",
    Show.OFFLINE: "offline",
}

CONNECTION_SYMBOLS: dict[ConnectionState, str] = {
    ConnectionState.CONNECTED: "●",
    ConnectionState.CONNECTING: "◌",
    ConnectionState.DISCONNECTED: "○",
    ConnectionState.AUTH_FAILED: "✗",
    ConnectionState.CERT_REJECTED: "✗",
    ConnectionState.FAILED: "✗",
}

CONNECTION_VARIABLES: dict[ConnectionState, str] = {
    ConnectionState.CONNECTED: "presence-online",
    ConnectionState.CONNECTING: "presence-away",
    ConnectionState.DISCONNECTED: "presence-offline",
    ConnectionState.AUTH_FAILED: "presence-dnd",
    ConnectionState.CERT_REJECTED: "presence-dnd",
    ConnectionState.FAILED: "presence-dnd",
}

MESSAGE_MARKERS: dict[MessageState, str] = {
    MessageState.PENDING: " …",
    MessageState.SENT: " …",
    MessageState.ACKED: " ✓",
    MessageState.DELIVERED: " ✓✓",
    MessageState.DISPLAYED: " ✓✓ seen",
    MessageState.RECEIVED: "",
    MessageState.FAILED: " ✗ not sent",
}
"""Appended to a message to show where it stands: … until the server acks it, ✓ on the
server, ✓✓ on the recipient's device (receipt), ✓✓ seen once they read it (chat marker)."""
