"""A SIGKILL of the real `tuichat sync` in the middle of an encrypted catch-up, then a restart:
every message is there exactly once, decrypted, in order (a message key works once, so the
ratchet state and the message are written in one transaction)."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from tests.harness import XdgDirs
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, history, popen, tuichat
from tests.integration.omemo_helpers import OtherDevice, befriend

COUNT = 100
PAGE = 20


def _stored(db: Path) -> int:
    """How many message rows the killed process's store holds now (0 before it exists)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is being made, or the file is locked
        return 0


def test_sigkill_mid_encrypted_catch_up_loses_nothing_and_doubles_nothing(
    prosody_factory: Callable[..., ProsodyServer], xdg: XdgDirs
) -> None:
    """Bob's slixmpp-omemo device sends 100 encrypted messages while tuichat is offline;
    `tuichat sync` is killed once some but not all are stored; a second sync completes it."""
    prosody = prosody_factory(max_archive_query_results=PAGE)  # pages: stored one by one
    me, bob = TestAccount(*prosody.new_account("crashy")), TestAccount(*prosody.new_account("bob"))
    asyncio.run(befriend(prosody, me, bob))
    add_account(xdg, prosody, me.jid, me.password)
    first = tuichat(xdg, "sync")  # our identity is made and the device published
    assert first.returncode == 0, first.stderr
    db = xdg.data / "tuichat" / "messages.sqlite3"
    assert _stored(db) == 0
    bodies = [f"encrypted {n:03d}" for n in range(COUNT)]

    async def send_all() -> None:
        async with OtherDevice.open(prosody, bob) as other:
            for body in bodies:
                await other.send(me.jid, body)
            await other.peer.client.plugin["xep_0199"].ping(timeout=30)  # the server has all

    asyncio.run(send_all())
    proc = popen(xdg, "sync")
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        count = _stored(db)
        if count and (not seen or seen[-1] != count):
            seen.append(count)
        if 0 < count < COUNT:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, seen, proc.stderr.read())
    killed_at = _stored(db)
    assert 0 < killed_at < COUNT, seen
    again = tuichat(xdg, "sync")
    assert again.returncode == 0, again.stderr
    rows = history(xdg, bob.jid)
    assert [r["body"] for r in rows] == bodies, (killed_at, [r["body"] for r in rows][:5])
    assert {r["encryption"] for r in rows} == {"omemo"}
    assert {r["direction"] for r in rows} == {"in"}
    assert all(not r.get("undecrypted") for r in rows)
    third = tuichat(xdg, "sync")  # nothing comes twice on a later run either
    assert third.returncode == 0, third.stderr
    assert len(history(xdg, bob.jid)) == COUNT
