"""The real `tuichat` command on a damaged, read-only, full or locked message store.

Whatever is wrong with the store, every command ends with one line on stderr naming the file
and the problem, and exit 1, never a traceback nor a long wait. Commands that only read work
on a store they may not write. The read-only and full cases are real: a read-only bind mount
and a small tmpfs (the tests run as root), unmounted afterwards.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, tuichat
from tuichat.model import Direction, Message
from tuichat.store import Store

ME = "me@example.test"
PEER = "peer@example.test"


def store_file(xdg: XdgDirs) -> Path:
    """Where tuichat keeps the message store of the test's XDG dirs."""
    return xdg.data / "tuichat" / "messages.sqlite3"


def fill_store(path: Path, count: int, account: str = ME) -> None:
    """Store ``count`` incoming messages from PEER, as the app would have."""
    store = Store.open(path)
    try:
        store.save_messages(
            Message(
                account, PEER, Direction.IN, PEER, f"stored message {i:05d} " * 4, stanza_id=f"s{i}"
            )
            for i in range(count)
        )
    finally:
        store.close()


def offline_account(xdg: XdgDirs) -> None:
    """An account pointing at a closed port: commands fail on the store before the network."""
    result = tuichat(
        xdg, "account", "add", ME, "--password-env", "TUICHAT_TEST_NO_SUCH_VAR",
        "--host", "127.0.0.1", "--port", "9",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def assert_one_line_failure(result: subprocess.CompletedProcess[str], path: Path, why: str) -> None:
    """Exit 1 and exactly one stderr line, naming ``path`` and saying ``why``; no traceback."""
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tuichat: "), lines
    assert str(path) in lines[0], lines
    assert why in lines[0], lines


def _half_truncated(path: Path) -> None:
    fill_store(path, 3000)
    os.truncate(path, path.stat().st_size // 2)


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(64 * 1024))


def _broken_header(path: Path) -> None:
    fill_store(path, 10)
    with path.open("r+b") as f:
        f.write(b"SQLite format 2\0")


def _directory(path: Path) -> None:
    path.mkdir()


def _symlink_loop(path: Path) -> None:
    path.symlink_to(path)


def _shm_is_a_directory(path: Path) -> None:
    fill_store(path, 10)
    Path(f"{path}-shm").mkdir()


DAMAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "half-truncated": (_half_truncated, "it is damaged"),
    "garbage": (_garbage, "it is not an SQLite database"),
    "broken header": (_broken_header, "it is not an SQLite database"),
    "a directory": (_directory, "it is a directory"),
    "a symlink loop": (_symlink_loop, "it is a symbolic link loop"),
    "-shm is a directory": (_shm_is_a_directory, "its -wal or -shm file is not a regular file"),
}
READABLE = {"-shm is a directory"}
"""Damage that leaves the data whole: the commands that only read still read it."""

COMMANDS = {
    "history": ("history", PEER),
    "search": ("search", "stored"),
    "sync": ("sync", "--timeout", "20"),
    "send": ("send", PEER, "hello"),
    "run (the TUI)": ("run",),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_store_gives_one_line_and_exit_1_for_every_command(
    xdg: XdgDirs, damage: str
) -> None:
    """Each damage, each command that opens the store: one line naming the file, exit 1."""
    offline_account(xdg)
    path = store_file(xdg)
    path.parent.mkdir(parents=True, exist_ok=True)
    make, why = DAMAGES[damage]
    make(path)
    for name, args in COMMANDS.items():
        result = tuichat(xdg, *args, stdin="", timeout=60)
        assert "Traceback" not in result.stderr, (name, result.stderr)
        if damage in READABLE and name in ("history", "search"):
            assert result.returncode == 0, result.stderr
            assert "stored message 00009" in result.stdout
        else:
            assert_one_line_failure(result, path, why)


@contextmanager
def mounted(*args: str, target: Path) -> Iterator[Path]:
    """``mount ARGS TARGET`` for the duration (we are root); always unmounted afterwards."""
    subprocess.run(["mount", *args, str(target)], check=True, capture_output=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=True, capture_output=True)


@contextmanager
def read_only(target: Path) -> Iterator[Path]:
    """``target`` (a folder or a file) bound read-only onto itself: even root cannot write."""
    with mounted("--bind", str(target), target=target):
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(target)], check=True, capture_output=True
        )
        yield target


@pytest.mark.parametrize("what", ["data folder", "store file", "home"])
def test_history_and_search_read_a_read_only_store(xdg: XdgDirs, what: str) -> None:
    """A read-only store is read (WAL mode included); a command that writes says why, exit 1.

    With the whole home read-only the log cannot be written either: a warning, not a stop.
    """
    offline_account(xdg)
    path = store_file(xdg)
    fill_store(path, 30)
    (xdg.state / "tuichat").mkdir(parents=True, exist_ok=True)
    target = {"data folder": path.parent, "store file": path, "home": xdg.home}[what]
    with read_only(target):
        shown = tuichat(xdg, "history", PEER, "--limit", "5")
        assert shown.returncode == 0, shown.stderr
        assert [line.split(": ", 1)[1].split()[2] for line in shown.stdout.splitlines()] == [
            f"{i:05d}" for i in range(25, 30)
        ]
        found = tuichat(xdg, "search", "stored", "00007")
        assert found.returncode == 0, found.stderr
        assert "stored message 00007" in found.stdout
        synced = tuichat(xdg, "sync", "--timeout", "20")
        if what == "home":
            warning, synced.stderr = synced.stderr.splitlines()[0], synced.stderr.split("\n", 1)[1]
            assert warning.startswith("tuichat: warning: not logging to "), warning
        assert_one_line_failure(synced, path, "it is read-only")


def test_a_store_locked_by_another_process_fails_after_a_bounded_wait(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """Another process holds the write lock: `send` and `sync` give up within seconds, exit 1."""
    me, peer = account("locked"), account("lockpeer")
    add_account(xdg, prosody, me.jid, me.password)
    assert tuichat(xdg, "sync").returncode == 0
    path = store_file(xdg)
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(120)\n",
            str(path),
        ],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        for args in (("send", peer.jid, "hello"), ("sync", "--timeout", "100")):
            started = time.monotonic()
            result = tuichat(xdg, *args, timeout=100)
            elapsed = time.monotonic() - started
            assert_one_line_failure(result, path, "another process holds it locked")
            assert elapsed < 30, f"{args[0]} waited {elapsed:.1f} s"
    finally:
        holder.kill()
        holder.wait()


async def _peer_sends(server: ProsodyServer, peer: TestAccount, to: str, bodies: list[str]) -> None:
    async with Peer.connect(server, peer.jid, peer.password) as p:
        for body in bodies:
            p.send(to, body)
        await p.client.plugin["xep_0199"].ping(timeout=30)


def _fill_disk(folder: Path, leave: int = 0) -> None:
    """Write a file in ``folder`` until the file system has about ``leave`` bytes left."""
    fd = os.open(folder / f"filler-{leave}", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        chunk = 64 * 1024
        while chunk:
            stats = os.statvfs(folder)
            if leave and stats.f_bavail * stats.f_frsize - chunk < leave:
                chunk //= 2
                continue
            try:
                os.write(fd, b"\0" * chunk)
            except OSError:
                chunk //= 2
    finally:
        os.close(fd)


def test_a_full_disk_gives_one_line_for_sync_and_send_and_history_still_reads(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """The disk fills up during a sync, then is full: one line and exit 1, never a wait."""
    me, peer = account("full"), account("fullpeer")
    add_account(xdg, prosody, me.jid, me.password)
    data = xdg.data / "tuichat"
    data.mkdir(parents=True, exist_ok=True)
    path = store_file(xdg)
    with mounted("-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", target=data):
        first = tuichat(xdg, "sync")
        assert first.returncode == 0, first.stderr
        bodies = [f"while full {i:03d} " + "x" * 1500 for i in range(150)]
        asyncio.run(_peer_sends(prosody, peer, me.jid, bodies))
        # Room to open the store, not to store what waits on the server.
        _fill_disk(data, leave=128 * 1024)
        for args in (("sync", "--timeout", "120"), ("sync", "--timeout", "120")):
            started = time.monotonic()
            result = tuichat(xdg, *args, timeout=150)
            elapsed = time.monotonic() - started
            assert "Traceback" not in result.stderr, result.stderr
            assert_one_line_failure(result, path, "the disk is full")
            assert "cannot write to the message store" in result.stderr
            assert elapsed < 30, f"{args[0]} took {elapsed:.1f} s"
        _fill_disk(data)  # not one byte left
        for args in (("sync", "--timeout", "120"), ("send", peer.jid, "hi")):
            started = time.monotonic()
            result = tuichat(xdg, *args, timeout=150)
            elapsed = time.monotonic() - started
            assert "Traceback" not in result.stderr, result.stderr
            assert_one_line_failure(result, path, "the disk is full")
            assert elapsed < 30, f"{args[0]} took {elapsed:.1f} s"
        shown = tuichat(xdg, "history", peer.jid)
        assert "Traceback" not in shown.stderr, shown.stderr
        assert shown.returncode == 0, shown.stderr
