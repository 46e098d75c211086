"""Provides how a message's files look in the log: one line per file, under its text.

``📎 name (size, type) ADDRESS``. Rules: the address is shown as it is (neutralised, see
:func:`tuichat.ui.render.safe_text`); it becomes a link (OSC 8, its target exactly the text
shown) only when :func:`tuichat.files.fetchable` allows it (plain https) and it is a safe link
target; anything else (http, ``javascript:``, ``file:``, control characters) is plain text. A
message whose text is only its file's address (the convention of Conversations and profanity)
shows the file line alone, not the address twice. An encrypted file's ``aesgcm://`` link holds
its key (:func:`tuichat.file_crypto.is_encrypted_url`): its line says "encrypted" instead, and
the link is never shown, as text or as a link.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from tuichat.file_crypto import is_encrypted_url
from tuichat.files import Attachment, describe, fetchable
from tuichat.model import Message
from tuichat.ui.links import safe_link_target
from tuichat.ui.render import LINK_STYLE, safe_text

FILE_MARK = "📎 "


def file_line(attachment: Attachment) -> Text:
    """One file: its mark, name, size and type, then its address (a link only when https)."""
    line = safe_text(FILE_MARK + describe(attachment) + " ", "bold")
    url = attachment.url
    if is_encrypted_url(url):
        line.append_text(Text("🔒 encrypted", style=Style(dim=True)))
    elif fetchable(url) and safe_link_target(url) == url:
        line.append_text(Text(url, style=LINK_STYLE + Style(link=url)))
    else:
        line.append_text(safe_text(url, Style(dim=True)))
    return line


def only_files(message: Message) -> bool:
    """Whether the message's text is just the address of its one file (shown once)."""
    files = message.attachments
    return len(files) == 1 and message.body.strip() == files[0].url


def with_files(body: Text, message: Message) -> Text:
    """``body`` with a line per file under it (or the file lines alone, see
    :func:`only_files`)."""
    lines = [file_line(a) for a in message.attachments]
    if not lines:
        return body
    out = Text() if only_files(message) else body + Text("\n")
    return out + Text("\n").join(lines)
