"""End-to-end tests: the real ``tuichat`` command in a real terminal (tmux) against Prosody.

The command runs in a private tmux server with HOME/XDG_* pointing at the test's dirs; the
test reads the screen with ``capture-pane`` and types with ``send-keys``, while a ``Peer``
(slixmpp, on the test's own asyncio loop) plays the other side.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.tmux import Pane, TmuxServer
from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, config_file

MakeAccount = Callable[..., TestAccount]


def tuichat_argv() -> list[str]:
    """The installed ``tuichat`` console script next to this Python, else ``python -m tuichat``."""
    script = Path(sys.executable).parent / "tuichat"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tuichat"]


def xdg_env(xdg: XdgDirs) -> dict[str, str]:
    """HOME and the XDG dirs of the test (everything else comes from the tmux server)."""
    return {
        "HOME": str(xdg.home),
        "XDG_CONFIG_HOME": str(xdg.config),
        "XDG_DATA_HOME": str(xdg.data),
        "XDG_STATE_HOME": str(xdg.state),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }


@pytest.fixture(scope="module")
def tmux_server() -> Iterator[TmuxServer]:
    """A private tmux server (socket ``tuichat-test-<pid>``), killed after the module."""
    server = TmuxServer(f"tuichat-test-{os.getpid()}")
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def run_tuichat(
    tmux_server: TmuxServer, xdg: XdgDirs, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Pane]]:
    """Return ``start(*args) -> Pane`` running tuichat in tmux; every session is killed after."""
    panes: list[Pane] = []
    prefix = f"t{os.getpid()}-{request.node.name[:30]}".replace(".", "-")

    def start(*args: str) -> Pane:
        pane = tmux_server.start(
            prefix, [*tuichat_argv(), *args], env=xdg_env(xdg), unset=("TUICHAT_CONFIG",)
        )
        panes.append(pane)
        return pane

    try:
        yield start
    finally:
        for pane in panes:
            pane.kill()


def assert_clean(screen: str) -> None:
    """No Python traceback or error report reached the terminal."""
    assert "Traceback" not in screen, screen
    assert "Error" not in screen, screen


def test_chat_with_a_peer_in_a_real_terminal(
    prosody: ProsodyServer, account: MakeAccount, xdg: XdgDirs, run_tuichat: Callable[..., Pane]
) -> None:
    """Connect, see a peer's message, reply with the keyboard, quit with Ctrl+Q: exit 0."""
    me, bob = account("me"), account("bob")
    add_account(xdg, prosody, me.jid, me.password)
    bob_user = bob.jid.split("@", 1)[0]

    async def scenario() -> None:
        async with Peer.connect(prosody, bob.jid, bob.password) as pb:
            pane = run_tuichat()
            await pane.wait_for(f"● {me.jid} connected")
            pb.send(me.jid, "ping from the peer")
            await pane.wait_for(lambda s: "[1]" in s and "✉ 1 unread" in s)
            pane.send_keys("C-k")
            await pane.wait_for("Go to conversation")
            pane.type(bob_user)
            await pane.wait_for(lambda s: s.count(bob_user) >= 2)
            pane.send_keys("Enter")
            screen = await pane.wait_for("ping from the peer")
            assert "✉ 1 unread" not in screen
            pane.type("hello peer")
            pane.send_keys("Enter")
            got = await pb.wait_message(lambda m: m.body == "hello peer", timeout=10)
            assert got.from_.startswith(f"{me.jid}/")
            await pane.wait_for("hello peer ✓")
            pane.send_keys("C-q")
            code, screen = await pane.wait_exit()
            assert code == 0, screen
            assert_clean(screen)

    asyncio.run(scenario())


def test_alt_enter_and_a_leading_question_mark_in_a_real_terminal(
    prosody: ProsodyServer, account: MakeAccount, xdg: XdgDirs, run_tuichat: Callable[..., Pane]
) -> None:
    """In tmux, Alt+Enter (sent as ESC CR) starts a new line instead of sending, and "?" at
    the start of a message is text: the peer gets one two-line message starting with "?"."""
    me, bob = account("me"), account("bob")
    add_account(xdg, prosody, me.jid, me.password)

    async def scenario() -> None:
        async with Peer.connect(prosody, bob.jid, bob.password) as pb:
            pane = run_tuichat()
            await pane.wait_for(f"● {me.jid} connected")
            pb.send(me.jid, "ask me")
            await pane.wait_for(lambda s: "[1]" in s)
            pane.send_keys("C-n")
            await pane.wait_for("ask me")
            pane.type("?first line")
            pane.send_keys("M-Enter")
            pane.type("second line")
            await pane.wait_for("second line")
            pane.send_keys("Enter")
            got = await pb.wait_message(lambda m: "second line" in m.body, timeout=10)
            assert got.body == "?first line\nsecond line"
            pane.send_keys("C-q")
            code, screen = await pane.wait_exit()
            assert code == 0, screen

    asyncio.run(scenario())


def test_first_run_without_account_opens_setup(
    xdg: XdgDirs, run_tuichat: Callable[..., Pane]
) -> None:
    """With no config at all the real command shows the account setup and quits cleanly."""

    async def scenario() -> None:
        pane = run_tuichat()
        screen = await pane.wait_for("No account yet. Press a to add one")
        assert "Accounts" in screen
        pane.send_keys("C-q")
        code, screen = await pane.wait_exit()
        assert code == 0, screen
        assert_clean(screen)

    asyncio.run(scenario())
    assert not config_file(xdg).exists()


def test_broken_config_is_one_clear_line_and_exit_2(
    xdg: XdgDirs, run_tuichat: Callable[..., Pane]
) -> None:
    """A bad value in the config prints FILE:LINE: key: message and exits 2, no traceback."""
    path = config_file(xdg)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[ui]\ntheme = "dark"\n\n[[account]]\njid = "me@example.test"\npassword = 5\n',
        encoding="utf-8",
    )

    async def scenario() -> tuple[int, str]:
        return await run_tuichat().wait_exit()

    code, screen = asyncio.run(scenario())
    assert code == 2, screen
    assert f"tuichat: {path}:6: account.password: must be a string" in screen, screen
    assert "Traceback" not in screen, screen
