"""End-to-end test of group chat: the real ``tuichat`` in tmux joins a room with two peers.

Same set-up as :mod:`tests.e2e.test_tmux` (private tmux server, the test's HOME/XDG dirs);
the two peers are slixmpp clients on the test's own loop, already in the room.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable

from tests.e2e.test_tmux import assert_clean, run_tuichat, tmux_server  # noqa: F401 (fixtures)
from tests.e2e.tmux import Pane
from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account

MakeAccount = Callable[..., TestAccount]


def test_join_a_room_and_talk_with_two_peers(
    prosody: ProsodyServer,
    account: MakeAccount,
    xdg: XdgDirs,
    run_tuichat: Callable[..., Pane],  # noqa: F811 (the fixture)
) -> None:
    """/join from the keyboard: both peers listed, both their messages shown, ours reaches both
    and is acked, a mention is marked; Ctrl+Q exits 0 with a clean screen."""
    me, bob, carol = account("me"), account("bob"), account("carol")
    add_account(xdg, prosody, me.jid, me.password)
    local = f"e2e-{uuid.uuid4().hex[:6]}"
    room = f"{local}@{prosody.muc_domain}"

    async def scenario() -> None:
        async with (
            Peer.connect(prosody, bob.jid, bob.password) as pb,
            Peer.connect(prosody, carol.jid, carol.password) as pc,
        ):
            await pb.join_room(room, "Bob")
            await pc.join_room(room, "Carol")
            pane = run_tuichat()
            await pane.wait_for(f"● {me.jid} connected")
            pane.type(f"/join {room}/Meg")
            pane.send_keys("Enter")
            screen = await pane.wait_for(lambda s: f"# {local}" in s and "3 here" in s)
            assert "Participants (3)" in screen or "Moderators" in screen, screen
            assert "Carol" in screen and "Bob" in screen
            pb.send_room(room, "hello from bob")
            pc.send_room(room, "hello from carol")
            await pane.wait_for(lambda s: "hello from bob" in s and "hello from carol" in s)
            pane.type("hello both of you")
            pane.send_keys("Enter")
            for peer in (pb, pc):
                got = await peer.wait_message(
                    lambda m: m.body == "hello both of you", queue=peer.room_messages
                )
                assert got.from_ == f"{room}/Meg"
            await pane.wait_for("hello both of you ✓")
            pc.send_room(room, "Meg: ping?")
            screen = await pane.wait_for("Meg: ping?")
            assert "@Carol" in screen, screen
            day = re.search(r"\w+day \d+ \w+ \d{4}", screen)  # the day separator
            assert day is not None and day.start() < screen.index("you joined as Meg"), screen
            pane.send_keys("C-q")
            code, screen = await pane.wait_exit()
            assert code == 0, screen
            assert_clean(screen)

    asyncio.run(scenario())
