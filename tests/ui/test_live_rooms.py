"""Pilot tests of group chat against the real Prosody: the real manager, real peers, no fakes.

The app joins a room with ``/join`` typed in the composer, and exchanges messages with peers
that are in the room; the test checks what the user sees (log, occupant list, roster, title)
and what the peers receive.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.ui.helpers import log_text, main_screen, roster_text
from tests.ui.test_live_prosody import live_app, until
from tuichat.ui.widgets.occupant_list import OccupantList

MakeAccount = Callable[..., TestAccount]


def occupant_text(pilot) -> str:  # type: ignore[no-untyped-def]
    """The occupant list as plain text, one line per option."""
    occupants = main_screen(pilot).query_one(OccupantList)
    return "\n".join(occupants.prompt(i).plain for i in range(len(occupants.rows)))


async def test_join_a_room_and_talk_with_a_peer(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount
) -> None:
    """/join enters a live room: occupants listed, messages both ways (ours acked by the room's
    echo), a mention counted while elsewhere, another peer's arrival shown as one line."""
    me, bob, carol = account("me"), account("bob"), account("carol")
    room = f"ui-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"
    async with (
        Peer.connect(prosody, bob.jid, bob.password) as pb,
        Peer.connect(prosody, carol.jid, carol.password) as pc,
    ):
        await pb.join_room(room, "Bob")
        async with live_app(tmp_path, prosody, me) as live:
            pilot = live.pilot
            screen = main_screen(pilot)
            await live.line(f"/join {room}/Meg")
            await until(pilot, lambda: screen.convs.current == (me.jid, room), what="room view")
            await until(pilot, lambda: "Bob" in occupant_text(pilot), what="Bob listed")
            assert "you: Meg" in str(screen.query_one("#conversation-header").render())

            pb.send_room(room, "hello from bob")
            await until(pilot, lambda: "hello from bob" in log_text(pilot), what="bob's message")

            await live.line("hi bob, typed live")
            got = await pb.wait_message(
                lambda m: m.body == "hi bob, typed live", queue=pb.room_messages
            )
            assert got.from_ == f"{room}/Meg"
            await until(
                pilot, lambda: "hi bob, typed live ✓" in log_text(pilot), what="acked by echo"
            )

            await pc.join_room(room, "Carol")
            await until(pilot, lambda: "→ Carol joined" in log_text(pilot), what="join notice")
            await until(pilot, lambda: "Carol" in occupant_text(pilot), what="Carol listed")

            screen.open_conversation((me.jid, bob.jid))
            await pilot.pause()
            pc.send_room(room, "Meg: are you there?")
            await until(
                pilot, lambda: screen.rooms.mentions.get((me.jid, room)) == 1, what="mention"
            )
            # The title follows the count through the app's own message queue: wait for it.
            await until(pilot, lambda: live.app.title == "(1) tuichat", what="title counts")
            await until(pilot, lambda: "@1" in roster_text(pilot), what="@1 in the roster")
            pb.send_room(room, "just chatter")
            await until(pilot, lambda: screen.convs.unread.get((me.jid, room)) == 2, what="unread")
            assert live.app.title == "(1) tuichat"  # plain room traffic stays quiet

            screen.open_conversation((me.jid, room))
            await until(pilot, lambda: live.app.title == "tuichat", what="title cleared")
            assert "@Carol" in log_text(pilot)
