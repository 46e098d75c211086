"""Provides the UI's side of delivery and read state: who is typing (XEP-0085), what another
of our devices read (XEP-0490), and telling the client when the user read a conversation.

Pure rules (their event handlers are in :data:`tuichat.ui.updates.HANDLERS`); no Textual.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from tuichat.model import ChatState
from tuichat.ui.state import ConvKey

if TYPE_CHECKING:
    from tuichat.client import ChatClient
    from tuichat.store import Store

TYPING_SHOWN_FOR = 30.0
"""How long a contact's "typing…" or "stopped typing" stays without news (their client may
have gone away without saying so)."""

TYPING_WORDS = {ChatState.COMPOSING: "typing…", ChatState.PAUSED: "stopped typing"}
"""What the header says for each chat state (the others say nothing)."""


@dataclass
class Typing:
    """Each contact's last chat state and when it came, by conversation."""

    states: dict[ConvKey, tuple[ChatState, float]] = field(default_factory=dict)
    """By conversation: the state and when it came (``time.monotonic()``)."""

    def set(self, key: ConvKey, state: ChatState, now: float | None = None) -> None:
        """``key``'s peer is now in ``state`` (a message or ``active`` clears it)."""
        if state in TYPING_WORDS:
            self.states[key] = (state, time.monotonic() if now is None else now)
        else:
            self.states.pop(key, None)

    def words(self, key: ConvKey, now: float | None = None) -> str:
        """What the header says about ``key``'s peer now ("" when nothing)."""
        found = self.states.get(key)
        now = time.monotonic() if now is None else now
        if found is None or now - found[1] > TYPING_SHOWN_FOR:
            return ""
        return TYPING_WORDS[found[0]]


def typing_text(typing: Typing, key: ConvKey) -> Text:
    """The header's typing words for ``key`` (after the name), or empty text."""
    words = typing.words(key)
    return Text(f" {words}", style=Style(italic=True)) if words else Text()


def mark_read(store: Store, client: ChatClient, key: ConvKey) -> None:
    """The user read ``key`` (in view, the app focused): the store's read marker moves, and
    the client tells the sender (a chat marker) and our other devices (read sync)."""
    store.mark_read(*key)
    client.mark_read(*key)
