"""End-to-end: the real tuichat command shares a file (``/upload``, XEP-0363 with an XEP-0066
announcement) with Debian's profanity 0.13, which shows its address and fetches it with its
own ``/url save`` over https (trusting the test CA through ``tls.certpath``): the bytes
profanity saved are the bytes uploaded."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path

from tests.e2e.test_tmux import run_tuichat, tmux_server  # noqa: F401 (fixtures)
from tests.e2e.test_tmux_profanity import MakeAccount, profanity, profanity_login  # noqa: F401 (fixture)
from tests.e2e.tmux import Pane
from tests.harness import XdgDirs
from tests.harness.prosody import ProsodyServer
from tests.integration.cli_helpers import add_account, tuichat


def test_a_file_uploaded_from_tuichat_is_shown_and_fetched_by_profanity(
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
    data = os.urandom(120_000)
    source = tmp_path / "shared-by-tuichat.bin"
    source.write_bytes(data)
    saved_dir = tmp_path / "profanity-saved"
    saved_dir.mkdir()

    def stored_url() -> str:
        result = tuichat(xdg, "history", prof.jid, "--json")
        assert result.returncode == 0, result.stderr
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        files = [f for r in rows for f in r["attachments"]]
        return str(files[0]["url"]) if files else ""

    async def scenario() -> None:
        pane = run_tuichat()
        await pane.wait_for(f"● {me.jid} connected")
        other = profanity()
        await profanity_login(other, prosody, prof, certs)
        pane.type(f"/msg {prof.jid}")
        pane.send_keys("Enter")
        pane.type(f"/upload {source}")
        pane.send_keys("Enter")
        await pane.wait_for("📎 shared-by-tuichat.bin", timeout=30)
        url = ""
        for _ in range(100):
            if url := stored_url():
                break
            await asyncio.sleep(0.1)
        assert url.startswith(f"https://{prosody.host}:{prosody.https_port}/"), url
        # profanity shows the message in a window of its own: go there, see the address.
        await other.wait_for(lambda s: me.jid.split("@")[0] in s, timeout=20)
        other.type("/win 2")
        other.send_keys("Enter")
        await other.wait_for("shared-by-tuichat.bin", timeout=20)
        other.type(f"/url save {url} {saved_dir}/")
        other.send_keys("Enter")
        saved = saved_dir / "shared-by-tuichat.bin"
        for _ in range(200):
            if saved.exists() and saved.stat().st_size == len(data):
                break
            await asyncio.sleep(0.1)
        assert saved.exists(), other.capture()
        assert saved.read_bytes() == data
        other.type("/quit")
        other.send_keys("Enter")
        pane.send_keys("C-q")
        code, screen = await pane.wait_exit()
        assert code == 0, screen

    asyncio.run(scenario())
