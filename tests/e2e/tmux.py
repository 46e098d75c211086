"""Provides `TmuxServer`: a small driver for running a real command in a real terminal (tmux).

Every server uses a private socket (``tmux -L NAME``) and no config file (``-f /dev/null``), so
the user's own tmux is never touched. A session runs one shell command; the driver reads the
screen with ``capture-pane`` and types with ``send-keys``. Commands are wrapped so that their
exit code is printed on the pane (``EXIT=<code>``) and the pane stays for reading afterwards.

    server = TmuxServer(f"tuichat-test-{os.getpid()}")
    pane = server.start("t1", ["tuichat"], env={"HOME": ...})
    await pane.wait_for("connected")
    pane.send_keys("C-k")
    pane.type("hello")
    server.kill()
"""

from __future__ import annotations

import asyncio
import itertools
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

EXIT_MARK = "EXIT="
"""Printed with the command's exit code when it ends (see :meth:`TmuxServer.start`)."""
LINGER = 60
"""Seconds the pane stays after the command ended (the session is killed before that)."""
_EXIT_RE = re.compile(rf"^{EXIT_MARK}(\d+)\s*$", re.MULTILINE)


class TmuxError(AssertionError):
    """tmux failed, or the screen did not show what a test waited for."""


def tmux_binary() -> str:
    """The tmux executable, or a clear error when it is not installed."""
    found = shutil.which("tmux")
    if found is None:
        raise TmuxError("the e2e tests need tmux: install it with `apt-get install tmux`")
    return found


class TmuxServer:
    """A private tmux server (its own socket); sessions are created with :meth:`start`."""

    def __init__(self, socket_name: str) -> None:
        """Use the socket ``socket_name`` (nothing starts until the first session)."""
        self.socket_name = socket_name
        self.binary = tmux_binary()
        self._counter = itertools.count(1)
        self._socket_path: Path | None = None

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run one tmux command against this server."""
        result = subprocess.run(
            [self.binary, "-L", self.socket_name, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if check and result.returncode != 0:
            raise TmuxError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result

    def start(
        self,
        prefix: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        unset: Sequence[str] = (),
        width: int = 120,
        height: int = 40,
    ) -> Pane:
        """Start ``argv`` in a new detached session of ``width`` x ``height``.

        ``env`` is set and the ``unset`` names are removed on top of the server's environment.

        The command runs under ``sh -c '…; echo EXIT=$?; sleep LINGER'`` so the exit code is
        readable on the pane after it ends.
        """
        name = f"{prefix}-{next(self._counter)}"
        env_argv = ["env", *(f"-u{k}" for k in unset), *(f"{k}={v}" for k, v in env.items())]
        command = shlex.join([*env_argv, *argv])
        script = f"{command}; echo {EXIT_MARK}$?; sleep {LINGER}"
        self.run(
            "new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
            "sh", "-c", script,
        )  # fmt: skip
        if self._socket_path is None:
            found = self.run("display-message", "-p", "-t", name, "#{socket_path}").stdout
            self._socket_path = Path(found.strip()) if found.strip() else None
        return Pane(self, name)

    def kill(self) -> None:
        """Stop the server and every session in it, and remove its socket file."""
        self.run("kill-server", check=False)
        if self._socket_path is not None:
            self._socket_path.unlink(missing_ok=True)


@dataclass
class Pane:
    """The one pane of a session started by :meth:`TmuxServer.start`."""

    server: TmuxServer
    name: str

    def capture(self) -> str:
        """The visible screen as plain text, wrapped lines joined (``capture-pane -p -J``)."""
        return self.server.run("capture-pane", "-p", "-J", "-t", self.name).stdout

    def send_keys(self, *keys: str) -> None:
        """Send tmux key names (``C-k``, ``Enter``, ``Escape``…)."""
        self.server.run("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        """Type ``text`` literally (no key-name lookup)."""
        self.server.run("send-keys", "-t", self.name, "-l", text)

    def exit_code(self) -> int | None:
        """The command's exit code once it printed ``EXIT=``, else ``None``."""
        found = _EXIT_RE.search(self.capture())
        return int(found.group(1)) if found else None

    def kill(self) -> None:
        """Kill the session (and the command, if still running)."""
        self.server.run("kill-session", "-t", self.name, check=False)

    async def wait_for(
        self, what: str | Callable[[str], bool], timeout: float = 15.0, interval: float = 0.05
    ) -> str:
        """Poll the screen until it contains ``what`` (or ``what(screen)`` holds); return it."""

        def matches(screen: str) -> bool:
            return what in screen if isinstance(what, str) else what(screen)

        deadline = time.monotonic() + timeout
        while True:
            screen = await asyncio.to_thread(self.capture)
            if matches(screen):
                return screen
            if time.monotonic() > deadline:
                raise TmuxError(f"screen never showed {what!r} within {timeout} s:\n{screen}")
            await asyncio.sleep(interval)

    async def wait_exit(self, timeout: float = 15.0) -> tuple[int, str]:
        """Wait until the command ended; return its exit code and the last screen."""
        screen = await self.wait_for(lambda s: _EXIT_RE.search(s) is not None, timeout)
        found = _EXIT_RE.search(screen)
        assert found is not None
        return int(found.group(1)), screen
