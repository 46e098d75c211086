"""Unit tests of the room rules that live in the core model (both layers use them)."""

from __future__ import annotations

import pytest

from tuichat.model import InvalidJID, mentions, split_room


def test_mentions_are_whole_words_any_case() -> None:
    """``Mia`` is mentioned by "mia:" and "hey MIA!" but not by "Miami"."""
    assert mentions("mia: look", "Mia") and mentions("hey MIA!", "Mia")
    assert not mentions("Miami is warm", "Mia") and not mentions("anything", "")


def test_split_room_needs_a_local_part() -> None:
    """room@service[/nick] splits; a bare domain or junk is no room."""
    assert split_room("Lobby@Conference.example.org/Mia") == (
        "lobby@conference.example.org",
        "Mia",
    )
    for junk in ("conference.example.org", "a@b@@c"):
        with pytest.raises(InvalidJID):
            split_room(junk)
