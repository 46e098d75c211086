"""Failing fast with the real reason, and keeping a password command's secrets out of sight.

Each test drives the real `tuichat` command or tuichat's own connection manager against Prosody
or a real local socket; nothing of slixmpp or the network is mocked.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from tests.harness import XdgDirs
from tests.integration.cli_helpers import config_file, tuichat


def write_config(xdg: XdgDirs, body: str) -> Path:
    """Write the test's config file (mode 0600) and return its path."""
    path = config_file(xdg)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    path.chmod(0o600)
    return path


def script(path: Path, text: str) -> Path:
    """An executable shell script at ``path``."""
    path.write_text("#!/bin/sh\n" + text, encoding="utf-8")
    path.chmod(0o700)
    return path


def free_port() -> int:
    """A local TCP port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def account_table(jid: str, port: int, extra: str) -> str:
    return f'[[account]]\njid = "{jid}"\nhost = "127.0.0.1"\nport = {port}\n{extra}\n'


# -- item 8: a failing password_command -----------------------------------------------------


def test_password_command_stderr_stays_out_of_the_log(xdg: XdgDirs, tmp_path: Path) -> None:
    """Only the first stderr line, shortened, reaches the user; nothing of it reaches the log."""
    first = "error: token=" + "A" * 200
    command = script(
        tmp_path / "pw.sh",
        f"echo '{first}' >&2\necho 'SECOND-LINE-SECRET' >&2\necho 'third SECRET3' >&2\nexit 1\n",
    )
    write_config(
        xdg, account_table("me@example.test", free_port(), f'password_command = "{command}"')
    )
    result = tuichat(xdg, "sync", timeout=60)
    assert result.returncode == 1, result.stderr
    output = result.stdout + result.stderr
    assert "exit code 1" in output
    assert "error: token=AAAA" in output and "A" * 100 not in output  # first line, shortened
    assert "SECOND-LINE-SECRET" not in output and "SECRET3" not in output
    log = (xdg.state / "tuichat" / "tuichat.log").read_text(encoding="utf-8")
    assert "exit code 1" in log
    for secret in ("token", "AAAA", "SECOND-LINE-SECRET", "SECRET3"):
        assert secret not in log


def test_a_hanging_password_command_is_killed_with_its_children(
    xdg: XdgDirs, tmp_path: Path
) -> None:
    """A command that never ends costs 10 s, not minutes, and leaves no process behind."""
    pidfile = tmp_path / "child.pid"
    command = script(tmp_path / "pw.sh", f"sleep 300 &\necho $! > {pidfile}\nwait\n")
    write_config(
        xdg, account_table("me@example.test", free_port(), f'password_command = "{command}"')
    )
    started = time.monotonic()
    result = tuichat(xdg, "sync", timeout=40)
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert "password_command did not finish within 10 s" in result.stderr
    assert elapsed < 25, elapsed
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{child}").exists(), "the command's child was left running"
