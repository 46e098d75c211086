"""Unit tests of the log's line rendering (``tuichat.ui.widgets.message_lines``): each wrapped
line carries the body's styles, one-line bodies and wrapped bodies alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from rich.style import Style

from tuichat.model import Direction, Marks, Message
from tuichat.ui.widgets.message_lines import LineLook, layout, message_lines

LOOK = LineLook(Console(width=80), {}, UTC, "me", "Alice", None, "")
WHEN = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def message(body: str, marks: Marks | None = None) -> Message:
    return Message(
        account="me@example.org",
        conversation="alice@example.org",
        direction=Direction.IN,
        sender="alice@example.org",
        body=body,
        timestamp=WHEN,
        marks=marks,
    )


def body_cells(width: int, m: Message) -> list[tuple[str, Style | None]]:
    """The body's segments of every line (right of the time and name columns)."""
    out = []
    for strip in message_lines(m, width, LOOK):
        assert strip.cell_length <= width
        out += [(s.text, s.style) for s in list(strip)[3:] if s.text.strip()]
    return out


@pytest.mark.parametrize("width", [80, 30])  # one line; wrapped over several
def test_a_tombstone_keeps_its_style_on_every_line(width: int) -> None:
    """A retracted message's words are dim italic, however many lines they take."""
    cells = body_cells(width, message("", Marks(retracted=True, reason="spam " * 4)))
    assert "".join(text for text, _ in cells).replace(" ", "").startswith("messageretracted")
    assert cells and all(s is not None and s.italic and s.dim for _, s in cells)


@pytest.mark.parametrize(
    ("body", "width", "lines"),
    [
        ("short words", 80, 1),
        ("", 80, 1),
        ("two\nlines", 80, 2),
        ("word " * 30, 40, 6),
    ],
)
def test_lines_wrap_under_the_name_column(body: str, width: int, lines: int) -> None:
    """One line when it fits, wrapped (and split at line breaks) under the name otherwise."""
    strips = message_lines(message(body), width, LOOK)
    assert len(strips) == lines
    assert all(strip.cell_length <= width for strip in strips)
    assert "".join(s.text for s in strips).split() == ["09:00", "Alice", *body.split()]


@pytest.mark.parametrize("fill", [1, 5, 10, 11, 50])
def test_a_fill_lays_out_the_newest_messages_that_fill_the_view_as_a_full_layout_does(
    fill: int,
) -> None:
    """``fill``: newest first until that many lines are made (a message of 3 lines here),
    its lines the same as the end of the whole log's, and a day line above them."""
    days = [WHEN + timedelta(days=i // 4, minutes=i) for i in range(12)]
    messages = [replace(message(f"m{i} " + "word " * 12), timestamp=t) for i, t in enumerate(days)]
    nicks = [""] * len(messages)
    whole = layout(messages, nicks, [], 40, LOOK, beginning=True)
    tail = layout(messages, nicks, [], 40, LOOK, beginning=False, fill=fill)
    shown = min(-(-fill // 3), len(messages))  # whole messages of 3 lines, at least one
    assert len(tail.starts) == shown
    text = [line.text for line in tail.lines]
    assert len(text) >= min(fill, 3 * len(messages))
    assert text[0].startswith("──")  # the tail opens on its day, as the whole log may not
    assert text[1].startswith(days[-shown].strftime("%H:%M"))
    assert text[1:] == [line.text for line in whole.lines[-len(text) + 1 :]]
    assert tail.last_day == whole.last_day
