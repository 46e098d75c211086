"""The headless commands with group chats, against the real Prosody MUC component."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, history, tuichat
from tests.integration.helpers import account_config
from tuichat.bus import EventBus
from tuichat.paths import Paths
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


def _room(prosody: ProsodyServer) -> str:
    return f"cli-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"


def test_send_to_a_room_exits_zero_once_the_room_reflects_it(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """`tuichat send ROOM TEXT` joins, sends, and exits 0 once the room echoed the message."""
    me, peer_acct = account("roomsender"), account("roomreader")
    room = _room(prosody)
    add_account(xdg, prosody, me.jid, me.password)

    async def scenario() -> list[str]:
        async with Peer.connect(prosody, peer_acct.jid, peer_acct.password) as peer:
            await peer.join_room(room, "reader")
            proc = await asyncio.create_subprocess_exec(
                *_cmd("send", room, "hello", "room"),
                env=_env(xdg),
                stderr=asyncio.subprocess.PIPE,
            )
            _out, err = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 0, err
            got = await peer.wait_message(
                lambda m: m.body == "hello room", queue=peer.room_messages
            )
            return [got.body]

    assert asyncio.run(scenario()) == ["hello room"]
    rows = history(xdg, room)
    assert [(r["body"], r["direction"], r["state"], r["kind"]) for r in rows] == [
        ("hello room", "out", "acked", "groupchat")
    ]
    assert rows[0]["from"].startswith(f"{room}/")


def test_sync_catches_up_bookmarked_rooms_exactly_once(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """Messages posted to an autojoin room while we were away arrive with `sync`, once."""
    me, peer_acct = account("roomsyncer"), account("roomposter")
    room = _room(prosody)
    add_account(xdg, prosody, me.jid, me.password)
    paths = Paths.default()

    async def bookmark() -> None:
        store = Store.open(paths.store_file)
        manager = ConnectionManager(
            [account_config(prosody, me.jid, me.password)], store, EventBus()
        )
        await manager.start()
        try:
            await asyncio.wait_for(manager.session(me.jid).synced.wait(), 20)
            await manager.join_room(me.jid, f"{room}/syncer")
            await manager.add_bookmark(me.jid, room, nick="syncer", autojoin=True)
        finally:
            await manager.stop()
            store.close()

    async def post(bodies: list[str]) -> None:
        async with Peer.connect(prosody, peer_acct.jid, peer_acct.password) as peer:
            await peer.join_room(room, "poster")
            for body in bodies:
                peer.send_room(room, body)
            await peer.client.plugin["xep_0199"].ping(timeout=20)

    asyncio.run(bookmark())
    bodies = [f"while away {i}" for i in range(12)]
    asyncio.run(post(bodies))
    result = tuichat(xdg, "sync")
    assert result.returncode == 0, result.stderr
    rows = [r for r in history(xdg, room) if r["direction"] == "in"]
    assert [r["body"] for r in rows] == bodies
    assert {r["from"] for r in rows} == {f"{room}/poster"}
    again = tuichat(xdg, "sync")
    assert again.returncode == 0, again.stderr
    assert [r["body"] for r in history(xdg, room) if r["direction"] == "in"] == bodies


def _cmd(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "tuichat", *args]


def _env(xdg: XdgDirs) -> dict[str, str]:
    from tests.integration.cli_helpers import env_for

    return env_for(xdg)
