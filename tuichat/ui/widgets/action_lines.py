"""Provides how a message's marks look in the log: the reply quote above, the tombstone, the
"edited" mark, the mark of an action of ours not sent yet, and the reaction line under it.

Pure rendering into ``rich.text.Text`` (network text goes through :func:`safe_text`, never
markup); every mark says itself in words or symbols, never by colour alone.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from tuichat.actions import reaction_summary
from tuichat.files import key_free
from tuichat.model import Message
from tuichat.ui.render import safe_text

RETRACTED = "message retracted"
EDITED = " (edited)"
NOT_SENT_YET = " (not sent yet)"
"""After a message our correction, retraction or reaction changed while it waits in the
outbox (shown at once, sent once online)."""
QUOTE_MARK = "↱ "
SELECTED_MARK = "▶"
"""Replaces the space after the time on the first line of the selected message."""


def tombstone(message: Message) -> Text | None:
    """What a retracted or moderated message shows instead of its text, or None."""
    marks = message.marks
    if marks is None or not marks.retracted:
        return None
    words = RETRACTED + (f" ({marks.reason})" if marks.reason else "")
    return safe_text(words, Style(italic=True, dim=True))


def decorate(body: Text, message: Message, width: int) -> Text:
    """``body`` with the quote above it (one line of ``width`` cells), and the edited mark and
    reactions after it."""
    marks = message.marks
    if marks is None:
        return body
    if marks.edited and not marks.retracted:
        body.append(EDITED, style="dim italic")
    if marks.pending:
        body.append(NOT_SENT_YET, style="dim italic")
    if marks.reactions:
        body.append("\n")
        body.append_text(safe_text(reaction_summary(marks.reactions), "bold"))
    if marks.reply_to is not None:
        quote = key_free(marks.quote, ()).replace("\n", " ") or "a message not loaded here"
        head = safe_text(QUOTE_MARK + quote, Style(italic=True, dim=True))
        head.truncate(max(1, width), overflow="ellipsis")
        body = head + Text("\n") + body
    return body
