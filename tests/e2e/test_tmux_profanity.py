"""End-to-end: Debian's profanity, a real client, asks the user of the real tuichat command for
a presence subscription; the user accepts it with the keyboard, and profanity's account ends
subscribed (as the server tells a fresh client of that account)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.test_tmux import run_tuichat, tmux_server  # noqa: F401 (fixtures)
from tests.e2e.tmux import Pane, TmuxServer
from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account

MakeAccount = Callable[..., TestAccount]


def profanity_binary() -> str:
    """profanity, or a clear failure naming the package (the README's test command installs it)."""
    found = shutil.which("profanity")
    if found is None:
        pytest.fail("this test needs profanity: apt-get install profanity")
    return found


def type_line(pane: Pane, line: str) -> None:
    """Type ``line`` into the pane and press Enter."""
    pane.type(line)
    pane.send_keys("Enter")


async def profanity_login(
    pane: Pane, server: ProsodyServer, prof: TestAccount, certs: Path, *settings: str
) -> None:
    """Trust the test CA, apply ``settings`` (profanity commands), connect as ``prof``."""
    await pane.wait_for("Profanity", timeout=15)
    for line in (f"/tls certpath set {certs}", *settings):
        type_line(pane, line)
    type_line(
        pane, f"/connect {prof.jid} server {server.host} port {server.starttls_port} tls force"
    )
    await pane.wait_for(lambda s: "password" in s.lower(), timeout=15)
    type_line(pane, prof.password)
    await pane.wait_for(lambda s: "logged in" in s.lower(), timeout=20)


@pytest.fixture
def profanity(
    tmux_server: TmuxServer,  # noqa: F811
    tmp_path: Path,
    prosody: ProsodyServer,
) -> Iterator[Callable[[], Pane]]:
    """``start()`` runs profanity in tmux with its own HOME and the test CA trusted."""
    home = tmp_path / "profanity-home"
    certs = tmp_path / "profanity-ca"
    certs.mkdir()
    shutil.copy(prosody.ca_file, certs / "ca.crt")
    subprocess.run(["openssl", "rehash", str(certs)], check=True, capture_output=True)
    home.mkdir()
    panes: list[Pane] = []

    def start() -> Pane:
        pane = tmux_server.start(
            "prof",
            [profanity_binary()],
            env={"HOME": str(home), "TERM": "xterm-256color"},
            unset=("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"),
        )
        panes.append(pane)
        return pane

    try:
        yield start
    finally:
        for pane in panes:
            pane.kill()


def test_accepting_a_subscription_request_from_profanity(
    prosody: ProsodyServer,
    account: MakeAccount,
    xdg: XdgDirs,
    run_tuichat: Callable[..., Pane],  # noqa: F811
    profanity: Callable[[], Pane],
    tmp_path: Path,
) -> None:
    """profanity sends /sub request; tuichat shows it, /accept answers; profanity's account is
    then subscribed to ours (``to`` or ``both``), never refused on its own."""
    me, prof = account("me"), account("prof")
    add_account(xdg, prosody, me.jid, me.password)
    certs = tmp_path / "profanity-ca"

    async def scenario() -> None:
        pane = run_tuichat()
        await pane.wait_for(f"● {me.jid} connected")
        other = profanity()
        await profanity_login(other, prosody, prof, certs)
        other.type(f"/sub request {me.jid}")
        other.send_keys("Enter")
        prof_user = prof.jid.split("@", 1)[0]
        await pane.wait_for(lambda s: prof_user in s and "?" in s, timeout=20)
        pane.type(f"/accept {prof.jid}")
        pane.send_keys("Enter")
        other.send_keys("C-c")  # leave profanity; the server keeps the roster
        other.type("/quit")
        other.send_keys("Enter")
        await asyncio.sleep(1)
        async with Peer.connect(prosody, prof.jid, prof.password, auto_authorize=False) as peer:
            await peer.wait_until(lambda: peer.subscription(me.jid) in ("to", "both"), 10)
        pane.send_keys("C-q")
        code, screen = await pane.wait_exit()
        assert code == 0, screen

    asyncio.run(scenario())
