"""`tuichat contact` against the real Prosody: the roster from scripts, seen from both sides."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, env_for, tuichat


async def _run(xdg: XdgDirs, *args: str) -> tuple[int, str, str]:
    """Run the real command without blocking the loop the peers live on."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tuichat", *args,
        env=env_for(xdg), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def _listing(xdg: XdgDirs, *extra: str) -> dict[str, dict[str, Any]]:
    code, out, err = await _run(xdg, "contact", "list", "--json", *extra)
    assert code == 0, err
    return {row["jid"]: row for row in map(json.loads, out.splitlines())}


def test_contact_add_list_accept_deny_remove(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """Every verb does what it says, as the other side sees it too."""
    me, bob, carol, dave = account("scripter"), account("bob"), account("carol"), account("dave")
    add_account(xdg, prosody, me.jid, me.password)

    async def scenario() -> None:
        assert await _listing(xdg) == {}
        async with (
            Peer.connect(prosody, bob.jid, bob.password, auto_authorize=False) as pb,
            Peer.connect(prosody, carol.jid, carol.password, auto_authorize=False) as pc,
            Peer.connect(prosody, dave.jid, dave.password, auto_authorize=False) as pd,
        ):
            code, _out, err = await _run(
                xdg, "contact", "add", bob.jid, "--name", "Bob", "--group", "Work",
                "--group", "Friends",
            )  # fmt: skip
            assert code == 0, err
            assert await asyncio.wait_for(pb.subscription_requests.get(), 10) == me.jid
            row = (await _listing(xdg))[bob.jid]
            assert row == {
                "account": me.jid,
                "jid": bob.jid,
                "name": "Bob",
                "groups": ["Friends", "Work"],
                "subscription": "none",
                "ask": "subscribe",
            }

            pc.subscribe(me.jid)
            pd.subscribe(me.jid)
            await asyncio.sleep(0.5)  # the requests reach the server's roster of `me`
            code, _out, err = await _run(xdg, "contact", "accept", carol.jid)
            assert code == 0, err
            await pc.wait_until(lambda: pc.subscription(me.jid) in ("to", "both"), timeout=10)
            code, _out, err = await _run(xdg, "contact", "deny", dave.jid)
            assert code == 0, err
            await pd.wait_until(lambda: not pd.client.client_roster[me.jid]["pending_out"], 10)
            assert pd.subscription(me.jid) == "none"

            code, _out, err = await _run(xdg, "contact", "remove", bob.jid)
            assert code == 0, err
            listed = await _listing(xdg)
            assert bob.jid not in listed
            assert listed[carol.jid]["subscription"] in ("from", "both")
            # The cache, read without connecting, says the same.
            assert await _listing(xdg, "--cached") == listed

    asyncio.run(scenario())


def test_contact_bad_input_exits_2_with_one_line(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """Bad JIDs, a contact that is not there and bad numbers are usage errors (exit 2)."""
    me = account("careful")
    add_account(xdg, prosody, me.jid, me.password)
    for args, words in (
        (("contact", "add", "not a jid@@"), "invalid JID"),
        (("contact", "remove", "nobody@example.test"), "is not in the roster"),
        (("contact", "list", "--timeout", "-5"), "--timeout"),
        (("contact", "list", "--timeout", "nan"), "--timeout"),
        (("contact", "list", "--account", "other@example.test"), "is not an account"),
    ):
        result = tuichat(xdg, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1, (
            args,
            result.stderr,
        )
