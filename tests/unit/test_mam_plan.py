"""Unit tests for the archive catch-up decisions: time windows and result trust."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from tuichat.xmpp.features.mam import plan_windows, result_from_archive

T0 = datetime(2026, 11, 25, 12, 0, 0, 250_000, tzinfo=UTC)


def test_short_gap_is_one_window() -> None:
    """A gap of a few seconds is not worth several queries."""
    assert plan_windows(T0, T0 + timedelta(seconds=3), 4) == [(T0, T0 + timedelta(seconds=3))]


def test_long_gap_is_cut_into_touching_windows_on_whole_seconds() -> None:
    """Windows cover the gap with no hole; inner edges fall on whole seconds."""
    end = T0 + timedelta(hours=2)
    windows = plan_windows(T0, end, 4)
    assert len(windows) == 4
    assert windows[0][0] == T0 and windows[-1][1] == end
    for (_, a_end), (b_start, _) in itertools.pairwise(windows):
        assert a_end == b_start
        assert a_end.microsecond == 0
    assert all(start < stop for start, stop in windows)


def test_never_more_windows_than_asked() -> None:
    """The parallelism is capped by the caller."""
    assert len(plan_windows(T0, T0 + timedelta(days=30), 3)) == 3
    assert len(plan_windows(T0, T0 + timedelta(days=30), 1)) == 1


def test_end_before_start_gives_one_window() -> None:
    """A clock that went backwards still gives a usable (single) query."""
    assert plan_windows(T0, T0 - timedelta(seconds=5), 4) == [(T0, T0 - timedelta(seconds=5))]


def test_results_only_from_the_archive_we_asked() -> None:
    """Own archive: from our bare JID or empty; a room: from the room only."""
    me, room = "me@example.test", "room@conference.example.test"
    assert result_from_archive("", me, me)
    assert result_from_archive("me@example.test", me, me)
    assert not result_from_archive("mallory@example.test", me, me)
    assert result_from_archive(room, room, me)
    assert not result_from_archive("", room, me)
    assert not result_from_archive(f"{room}/nick", "other@conference.example.test", me)
    assert not result_from_archive("not a jid@@", me, me)
