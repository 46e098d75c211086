"""End-to-end: Debian's profanity 0.13, driven in tmux, and the real ``tuichat`` command exchange
OMEMO messages both ways against Prosody.

Profanity's needs (``PROTOCOL-NOTES.md`` §1 "Access model and interop"): a mutual presence
subscription (it publishes its bundle with presence access) and a device-list node that already
exists (it never creates one). Each side shows the other's text (tuichat's screen and history,
profanity's screen and its chat log marked ``omemo``), Prosody's archive holds only ciphertext,
and tuichat's store holds each message once.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from slixmpp.xmlstream import ET

from tests.e2e.test_tmux import run_tuichat, tmux_server  # noqa: F401 (fixtures)
from tests.e2e.test_tmux_profanity import (  # noqa: F401 (fixture)
    MakeAccount,
    profanity,
    profanity_login,
    type_line,
)
from tests.e2e.tmux import Pane
from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, tuichat
from tests.integration.omemo_helpers import archived_text, befriend

AXOLOTL = "eu.siacs.conversations.axolotl"
TO_PROFANITY = "omemo hello from tuichat"
TO_TUICHAT = "omemo reply from profanity"


async def create_device_list(server: ProsodyServer, prof: TestAccount) -> None:
    """Publish an empty OMEMO 0.3 device list for ``prof``: profanity only adds to one."""
    async with Peer.connect(server, prof.jid, prof.password) as peer:
        peer.client.register_plugin("xep_0060")
        await peer.client.plugin["xep_0060"].publish(
            None, f"{AXOLOTL}.devicelist", id="current", payload=ET.Element(f"{{{AXOLOTL}}}list")
        )


async def profanity_omemo_login(
    pane: Pane, server: ProsodyServer, prof: TestAccount, certs: Path
) -> None:
    """Connect profanity, generate its OMEMO identity and trust new devices blindly."""
    await profanity_login(pane, server, prof, certs)
    type_line(pane, "/omemo gen")
    await pane.wait_for("OMEMO crytographic materials generated", timeout=60)
    type_line(pane, "/omemo trustmode blind")


def profanity_log(home: Path, prof: TestAccount) -> list[tuple[str, str]]:
    """``(message, encryption)`` rows of profanity's chat log for ``prof``."""
    user, domain = prof.jid.split("@", 1)
    path = home / ".local/share/profanity/database" / f"{user}_at_{domain}" / "chatlog.db"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return [(str(m), str(e)) for m, e in db.execute("SELECT message, encryption FROM ChatLogs")]


def test_omemo_both_ways_with_profanity(
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
    prof_home = tmp_path / "profanity-home"

    async def scenario() -> None:
        await befriend(prosody, me, prof)
        await create_device_list(prosody, prof)
        other = profanity()
        await profanity_omemo_login(other, prosody, prof, certs)
        # tuichat -> profanity: the first connect publishes tuichat's device, then encrypts.
        sent = await asyncio.to_thread(tuichat, xdg, "send", "--encrypt", prof.jid, TO_PROFANITY)
        assert sent.returncode == 0, sent.stderr
        type_line(other, f"/msg {me.jid}")
        await other.wait_for(TO_PROFANITY, timeout=20)
        # profanity -> tuichat, seen live on tuichat's screen.
        pane = run_tuichat()
        await pane.wait_for(f"● {me.jid} connected", timeout=30)
        type_line(other, f"/omemo start {me.jid}")
        await other.wait_for(lambda s: "omemo" in s.lower(), timeout=20)
        type_line(other, TO_TUICHAT)
        pane.type(f"/msg {prof.jid}")
        pane.send_keys("Enter")
        screen = await pane.wait_for(TO_TUICHAT, timeout=30)
        assert "OMEMO encrypted message" not in screen, screen
        type_line(other, "/quit")
        pane.send_keys("C-q")
        code, screen = await pane.wait_exit()
        assert code == 0, screen

    asyncio.run(scenario())

    log = profanity_log(prof_home, prof)
    assert (TO_PROFANITY, "omemo") in log, log
    assert (TO_TUICHAT, "omemo") in log, log
    history = tuichat(xdg, "history", prof.jid, "--json")
    assert history.returncode == 0, history.stderr
    rows = [json.loads(line) for line in history.stdout.splitlines()]
    assert [(r["body"], r["encryption"]) for r in rows] == [
        (TO_PROFANITY, "omemo"),
        (TO_TUICHAT, "omemo"),
    ], rows
    assert rows[1]["trust"] == "blind", rows  # blind trust before verification
    archive = archived_text(prosody)
    assert AXOLOTL in archive, "Prosody archived no OMEMO message"
    assert TO_PROFANITY not in archive
    assert TO_TUICHAT not in archive
