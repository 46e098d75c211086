"""Provides the key sequences tuichat teaches Textual's input parser.

Terminals without the kitty keyboard protocol (xterm, tmux, most SSH sessions) send Alt+Enter
as ESC followed by CR. Textual reads that as a plain Enter (the Alt is dropped on a named key),
which would send the message instead of starting a new line. The sequence is mapped to Ctrl+J,
the composer's new-line key, so Alt+Enter works everywhere. The cost: Esc and then Enter
pressed within Textual's escape delay (a tenth of a second) also make a new line, which is
exactly how those terminals encode Alt+Enter anyway.
"""

from __future__ import annotations

from typing import Any, cast

from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual.keys import Keys

ALT_ENTER = "\x1b\r"
"""What xterm-like terminals (and tmux) send for Alt+Enter."""

ALT_DIGIT_CHARACTERS = "¡™£¢∞§¶•ª"
"""What Alt+1…9 become in Textual 8 without the kitty keyboard protocol (xterm, tmux, SSH).

Textual maps ESC+digit to these characters (its macOS Option-key table), so the main screen
binds them as well; the composer lets them through only while it is empty, so they stay
typeable inside a message."""


def teach_alt_enter() -> None:
    """Make ESC CR arrive as Ctrl+J (idempotent; Textual keeps one table per process)."""
    table = cast(dict[str, Any], ANSI_SEQUENCES_KEYS)  # typed Mapping; a plain dict at run time
    table[ALT_ENTER] = (Keys.ControlJ,)
