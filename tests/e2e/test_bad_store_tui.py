"""The full-screen app on a damaged store, in a real terminal (tmux): one line and exit 1.

A store whose damage shows at open is refused before the app starts; one whose damage only
shows when the first screen reads it (pages torn in the middle of the file) makes the app
leave and say so in one line, not print a traceback and exit 0.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.test_tmux import tuichat_argv, xdg_env
from tests.e2e.tmux import TmuxServer
from tests.harness import XdgDirs
from tests.integration.test_bad_store import fill_store, offline_account, store_file


@pytest.fixture
def tmux_server() -> Iterator[TmuxServer]:
    """A private tmux server for this test, killed afterwards."""
    server = TmuxServer(f"tuichat-badstore-{os.getpid()}")
    try:
        yield server
    finally:
        server.kill()


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(64 * 1024))


def _torn_pages(path: Path) -> None:
    """A store that opens (its schema and first pages are whole) but whose later half is torn:
    every page there loses its page-type byte, so reading the newest messages fails, every
    run (random bytes in the middle of a page could land in its free space and go unseen)."""
    fill_store(path, 3000)
    size = path.stat().st_size
    with path.open("r+b") as f:
        for offset in range(size // 2 // 4096 * 4096, size, 4096):
            f.seek(offset)
            f.write(b"\xff")


CASES: dict[str, tuple[Callable[[Path], None], str]] = {  # the words as a regular expression
    "garbage": (_garbage, "cannot open the message store"),
    # Whichever comes first on the torn half: reading the newest messages, or writing the read
    # marker of the conversation opened (the first frame reads no message of the others).
    "torn pages": (_torn_pages, "cannot (read from|write to) the message store"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_app_on_a_damaged_store_says_so_in_one_line_and_exits_1(
    tmux_server: TmuxServer, xdg: XdgDirs, case: str
) -> None:
    offline_account(xdg)
    path = store_file(xdg)
    path.parent.mkdir(parents=True, exist_ok=True)
    make, words = CASES[case]
    make(path)
    pane = tmux_server.start(
        "badstore", tuichat_argv(), env=xdg_env(xdg), unset=("TUICHAT_CONFIG",)
    )
    try:
        code, screen = asyncio.run(pane.wait_exit(timeout=30))
    finally:
        pane.kill()
    assert code == 1, screen
    assert "Traceback" not in screen
    lines = [line for line in screen.splitlines() if line.startswith("tuichat: ")]
    assert len(lines) == 1, screen
    assert re.match(rf"tuichat: {words} {re.escape(str(path))}: it is ", lines[0]), screen
    assert "damaged" in lines[0] or "not an SQLite database" in lines[0]
