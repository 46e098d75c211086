"""Provides how a picture looks under its file line in the log.

Under a file line may come its picture (see :mod:`tuichat.previews` for which are fetched
without asking): drawn in half blocks at most :data:`PICTURE_COLUMNS` x :data:`PICTURE_ROWS`
cells (never wider than the log, aspect kept, never enlarged), or a line in words instead
(not fetched: how to fetch it; it could not be fetched or read: why). The log holds what is
shown by file address; the commands fill it through a :data:`ShowPicture`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.style import Style
from rich.text import Text

from tuichat.files import Attachment
from tuichat.model import Message
from tuichat.pictures import Picture
from tuichat.ui.pictures import half_block_text
from tuichat.ui.render import safe_text

PICTURE_COLUMNS = 40
PICTURE_ROWS = 10
"""The most cells a picture takes in the log."""
MIN_COLUMNS = 4
"""A log narrower than this beside the names draws no picture."""

ShowPicture = Callable[[str, Picture | Text], None]
"""Shows a picture (or words instead) under the file line of an address."""


def in_words(words: str) -> Text:
    """A line said instead of a picture."""
    return safe_text(f"🖼 {words}", Style(dim=True, italic=True))


def not_fetched(attachment: Attachment) -> Text:
    """What stands under a picture that was not fetched without asking."""
    return in_words(f"{attachment.name} not fetched: press f to fetch")


def with_pictures(
    body: Text, message: Message, pictures: Mapping[str, Picture | Text], room: int
) -> Text:
    """``body`` with, under it, what ``pictures`` holds for each of the message's files: a
    picture drawn at most ``room`` cells wide, or its words."""
    for attachment in message.attachments:
        shown = pictures.get(attachment.url)
        if shown is None:
            continue
        if isinstance(shown, Picture):
            if room < MIN_COLUMNS:
                continue
            shown = half_block_text(shown, min(PICTURE_COLUMNS, room), PICTURE_ROWS)
        body = body + Text("\n") + shown
    return body
