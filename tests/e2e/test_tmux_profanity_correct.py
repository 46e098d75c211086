"""End-to-end: Debian's profanity 0.13 sends a message, then corrects it with ``/correct``; the
real tuichat command shows one message, with the corrected text marked "(edited)", and its
store holds one row with the earlier text kept as a version."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from tests.e2e.test_tmux import run_tuichat, tmux_server  # noqa: F401 (fixtures)
from tests.e2e.test_tmux_profanity import MakeAccount, profanity, profanity_login  # noqa: F401 (fixture)
from tests.e2e.tmux import Pane
from tests.harness import XdgDirs
from tests.harness.prosody import ProsodyServer
from tests.integration.cli_helpers import add_account, tuichat


def test_profanity_correct_shows_as_one_edited_message(
    prosody: ProsodyServer,
    account: MakeAccount,
    xdg: XdgDirs,
    run_tuichat: Callable[..., Pane],  # noqa: F811
    profanity: Callable[[], Pane],  # noqa: F811
    tmp_path: Path,
) -> None:
    me, prof = account("me"), account("prof")
    add_account(xdg, prosody, me.jid, me.password)
    certs = tmp_path / "profanity-ca"

    async def scenario() -> None:
        pane = run_tuichat()
        await pane.wait_for(f"● {me.jid} connected")
        other = profanity()
        await profanity_login(other, prosody, prof, certs, "/correction on")
        other.type(f"/msg {me.jid} helo wrold from profanity")
        other.send_keys("Enter")
        pane.type(f"/msg {prof.jid}")
        pane.send_keys("Enter")
        await pane.wait_for("helo wrold from profanity", timeout=20)
        other.type("/correct hello world from profanity")
        other.send_keys("Enter")
        await pane.wait_for(
            lambda s: "hello world from profanity" in s and "(edited)" in s, timeout=20
        )
        assert "helo wrold" not in pane.capture()
        other.type("/quit")
        other.send_keys("Enter")
        pane.send_keys("C-q")
        code, screen = await pane.wait_exit()
        assert code == 0, screen

    asyncio.run(scenario())
    result = tuichat(xdg, "history", prof.jid, "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["body"], r["edited"]) for r in rows] == [("hello world from profanity", True)]
