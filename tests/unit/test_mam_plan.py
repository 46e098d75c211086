"""Unit tests for the archive catch-up decisions: where two pagers meet, and result trust."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slixmpp.exceptions import IqTimeout

from tuichat.model import Direction, Message
from tuichat.xmpp.features.mam import (
    ArchiveSync,
    catch_up_floor,
    failure_words,
    meeting_point,
    newer_than,
    result_from_archive,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_pagers_meet_at_the_first_id_the_other_holds() -> None:
    """The forward page is cut just before the first id the backward pager already has."""
    assert meeting_point(["a", "b", "c", "d"], {"c", "d", "e"}) == 2
    assert meeting_point(["a", "b"], {"x"}) == 2
    assert meeting_point(["a", "b"], set()) == 2
    assert meeting_point(["a", "b"], {"a"}) == 0
    assert meeting_point([], {"a"}) == 0


def test_backward_page_keeps_only_what_is_newer_than_known_ids() -> None:
    """A backward page reaching our position (or the forward pager) keeps only newer ids."""
    assert newer_than(["a", "b", "pos", "c", "d"], {"pos"}) == 3
    assert newer_than(["a", "b"], {"pos"}) == 0
    assert newer_than(["x", "f1", "y", "f2", "z"], {"f1", "f2"}) == 4
    assert newer_than(["a", "pos"], {"pos"}) == 2


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


@pytest.mark.parametrize(
    ("held", "floor"),
    [
        ([], None),
        ([NOW - timedelta(hours=1), NOW - timedelta(minutes=5)], NOW - timedelta(minutes=5)),
        ([NOW], NOW),
        # a time in the future came from a stamp someone invented: it sets no floor
        (
            [NOW - timedelta(minutes=5), datetime(9999, 12, 31, tzinfo=UTC)],
            NOW - timedelta(minutes=5),
        ),
        ([NOW + timedelta(seconds=1)], None),
    ],
)
def test_catch_up_floor_ignores_times_in_the_future(
    held: list[datetime], floor: datetime | None
) -> None:
    """Caught-up messages are filed after the newest time we hold that is not in the future."""
    assert catch_up_floor(held, NOW) == floor


class _Refused(Exception):
    condition = "internal-server-error"
    text = "cannot read the archive"


def test_failure_words() -> None:
    """A failed catch-up says why: the server's condition, no answer, or the error itself."""
    assert failure_words(_Refused()) == (
        "the server refused the archive query (internal-server-error: cannot read the archive)"
    )
    assert failure_words(IqTimeout(None)) == "the server did not answer the archive query"
    assert failure_words(ConnectionError("gone")) == "gone"
    assert failure_words(RuntimeError()) == "RuntimeError"


class _Client:
    """What :class:`ArchiveSync` asks of a client before any query: an incoming filter."""

    def add_filter(self, _direction: str, _filter: object) -> None:
        pass


async def test_each_archive_files_its_catch_up_after_what_we_hold_from_it() -> None:
    """A room's gap sorts after the newest message of that room, the account's after the
    newest of its own; one archive's floor never moves another's messages."""
    stored: list[Message] = []
    sync = ArchiveSync(_Client(), "me@x", stored.extend, lambda _event: None)
    room, second = "room@muc.x", NOW.replace(microsecond=0)
    sync.hold_floor(room, [second + timedelta(milliseconds=532)])
    sync.hold_floor("me@x", [NOW - timedelta(hours=1), datetime(9999, 12, 31, tzinfo=UTC)])

    def archived(conversation: str) -> Message:
        return Message(
            account="me@x",
            conversation=conversation,
            direction=Direction.IN,
            sender=f"{conversation}/bob",
            body="same second",
            timestamp=second,
        )

    await sync._keep_messages([archived(room)], 1, room, [0])
    await sync._keep_messages([archived("other@muc.x")], 1, "other@muc.x", [0])
    await sync._keep_messages([archived("bob@x")], 1, "me@x", [0])
    assert [m.timestamp for m in stored] == [
        second + timedelta(milliseconds=532, microseconds=1),
        second,
        second,  # the own floor (an hour ago; the invented stamp is ignored): nothing moves
    ]
