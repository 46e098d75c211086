"""Provides a sample group chat for the room tests and snapshots, and for looking at it in tmux.

Run: ``python tests/ui/room_app.py [theme] [occupants]``. A FakeClient "joins" the room
``lobby@conference.example.org`` as ``Mia`` with a dozen occupants (every role, affiliation and
presence), some stored room messages (one mentions Mia) and live traffic (joins, a leave, a
nick change) at pinned times, so every run paints the same screen.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.ui.fakes import ME, T0, FakeClient, make_config, make_paths, seed_store
from tuichat import events as ev
from tuichat.model import (
    Affiliation,
    ConnectionState,
    ConversationKind,
    Direction,
    Message,
    MessageState,
    Occupant,
    Role,
    Show,
)
from tuichat.store import Store
from tuichat.ui.app import TuichatApp, build_app

ROOM = "lobby@conference.example.org"
NICK = "Mia"
SUBJECT = "Weekly sync: agenda at https://example.org/agenda"

OCCUPANTS = [
    Occupant("Olga", Role.MODERATOR, Affiliation.OWNER, Show.ONLINE, jid="olga@example.org/x"),
    Occupant("adam", Role.MODERATOR, Affiliation.ADMIN, Show.AWAY, jid="adam@example.org/y"),
    Occupant("Bea", Role.PARTICIPANT, Affiliation.MEMBER, Show.ONLINE, jid="bea@example.net/z"),
    Occupant("carl", Role.PARTICIPANT, Affiliation.NONE, Show.DND),
    Occupant("Dana [b]x[/b]", Role.PARTICIPANT, Affiliation.MEMBER, Show.XA),
    Occupant("eve", Role.PARTICIPANT, Affiliation.NONE, Show.CHAT),
    Occupant("Frank", Role.PARTICIPANT, Affiliation.NONE, Show.ONLINE),
    Occupant("gus", Role.VISITOR, Affiliation.NONE, Show.ONLINE),
    Occupant("Hanna", Role.VISITOR, Affiliation.NONE, Show.AWAY),
]


def room_message(nick: str, body: str, minutes: int, *, own: bool = False) -> Message:
    """A stored room message at T0 + ``minutes`` (``own``: ours, acked)."""
    return Message(
        account=ME,
        conversation=ROOM,
        direction=Direction.OUT if own else Direction.IN,
        sender=f"{ROOM}/{nick}",
        body=body,
        timestamp=T0 + timedelta(minutes=minutes),
        kind=ConversationKind.GROUPCHAT,
        state=MessageState.ACKED if own else MessageState.RECEIVED,
        stanza_id=f"room-{minutes}-{nick}",
        origin_id=f"o-room-{minutes}" if own else None,
        nick=nick,
    )


ROOM_MESSAGES = [
    room_message("Olga", "Morning all, sync starts in 10 minutes", 1),
    room_message("Bea", "I'll share the *release notes* draft", 2),
    room_message(NICK, "Sounds good, I have the numbers", 4, own=True),
    room_message("carl", "mia: can you post the latency figures?", 6),
    room_message("Dana [b]x[/b]", "日本語のメモも共有します", 8),
]


@dataclass
class Clock:
    """A settable "now" for the app (notices take their time from it)."""

    now: datetime

    def __call__(self) -> datetime:
        """The current pinned time."""
        return self.now


def extra_occupants(count: int) -> list[Occupant]:
    """``count`` more participants, for big-room runs."""
    shows = [Show.ONLINE, Show.AWAY, Show.XA, Show.DND, Show.CHAT]
    return [
        Occupant(f"user{n:04d}", Role.PARTICIPANT, Affiliation.NONE, shows[n % len(shows)])
        for n in range(count)
    ]


def make_room_app(
    theme: str = "dark", tmp: Path | None = None, *, more: int = 0, traffic: bool = True
) -> tuple[TuichatApp, FakeClient, Clock]:
    """The sample app with the room joined and in view once mounted (see the module doc)."""
    folder = tmp or Path(tempfile.mkdtemp(prefix="tuichat-room-"))
    store = Store.memory()
    seed_store(store)
    store.save_messages(ROOM_MESSAGES)
    store.mark_read(ME, ROOM)
    client = FakeClient((ME,), store)
    client.states[ME] = (ConnectionState.CONNECTED, "")
    client.room_occupants[ROOM] = [*OCCUPANTS, *extra_occupants(more)]
    client.room_subjects[ROOM] = SUBJECT
    clock = Clock(T0 + timedelta(minutes=3))
    app = build_app(
        make_config(folder, (ME,), theme),
        make_paths(folder),
        store,
        client,
        tz=UTC,
        clock=clock,
        start_client=False,
    )

    def join() -> None:
        bus = client.bus
        occupants = (
            *client.room_occupants[ROOM],
            Occupant(NICK, Role.MODERATOR, Affiliation.OWNER),
        )
        bus.publish(ev.RoomJoined(ME, ROOM, NICK, SUBJECT, occupants))
        client.joined.setdefault(ME, {})[ROOM] = NICK
        if traffic:
            clock.now = T0 + timedelta(minutes=5)
            bus.publish(ev.OccupantChanged(ME, ROOM, Occupant("ivan"), joined=True))
            clock.now = T0 + timedelta(minutes=7)
            bus.publish(ev.NickChanged(ME, ROOM, "eve", "evelyn"))
            bus.publish(ev.OccupantLeft(ME, ROOM, "gus", "gone home"))
        clock.now = T0 + timedelta(minutes=9)
        from tuichat.ui.screens.main import MainScreen

        screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        screen.open_conversation((ME, ROOM))

    app.call_after_refresh(join)
    return app, client, clock


if __name__ == "__main__":
    theme = sys.argv[1] if len(sys.argv) > 1 else "dark"
    more = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    make_room_app(theme, more=more)[0].run()
