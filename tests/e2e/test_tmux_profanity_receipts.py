"""End-to-end: Debian's profanity (0.13), a real client, confirms a message of the real
``tuichat send --wait delivered`` with a delivery receipt (XEP-0184), and tuichat's history
says ``delivered``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from tests.e2e.test_tmux import tmux_server  # noqa: F401 (fixture)
from tests.e2e.test_tmux_profanity import MakeAccount, profanity, profanity_login  # noqa: F401 (fixture)
from tests.e2e.tmux import Pane
from tests.harness import XdgDirs
from tests.harness.prosody import ProsodyServer
from tests.integration.cli_helpers import add_account, tuichat


def test_profanity_receipts_reach_delivered(
    prosody: ProsodyServer,
    account: MakeAccount,
    xdg: XdgDirs,
    profanity: Callable[[], Pane],  # noqa: F811
    tmp_path: Path,
) -> None:
    me, prof = account("me"), account("prof")
    add_account(xdg, prosody, me.jid, me.password)
    certs = tmp_path / "profanity-ca"

    async def scenario() -> None:
        other = profanity()
        await profanity_login(other, prosody, prof, certs, "/receipts send on")
        sent = await asyncio.to_thread(
            tuichat,
            xdg,
            "send",
            prof.jid,
            "did you get it?",
            "--wait",
            "delivered",
            "--timeout",
            "30",
        )
        assert sent.returncode == 0, sent.stderr
        me_user = me.jid.split("@", 1)[0]
        await other.wait_for(lambda s: me_user in s and "(1)" in s, timeout=15)  # unread there
        other.type("/quit")
        other.send_keys("Enter")

    asyncio.run(scenario())
    rows = [
        json.loads(line)
        for line in tuichat(xdg, "history", prof.jid, "--json").stdout.split("\n")
        if line
    ]
    assert [(r["body"], r["state"]) for r in rows] == [("did you get it?", "delivered")]
