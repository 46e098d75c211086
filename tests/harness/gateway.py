"""Provides a real XMPP–IRC gateway for tests: ngircd (IRC server), biboumi (gateway), IRC user.

- `IrcServer`: Debian's `ngircd` in the foreground on a private loopback address
  (127.x.y.z, port 6667), with its own config in a temp dir; stopped with the test.
- `Biboumi`: Debian's `biboumi` as a Prosody component (`component_ports` in the global
  section, `Component "biboumi.example.test"` with a secret); `start()` waits until its log
  says it is authenticated with the server.
- `IrcUser`: a plain asyncio socket IRC client (NICK, USER, JOIN after 001, in once 366
  arrives) that records the PRIVMSGs it reads, to play the other side of a channel.

See `/work/shared/ENV.md` §7 and `PROTOCOL-NOTES.md` §5 for the verified facts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tests.harness.prosody import (
    DOMAIN,
    ProsodyServer,
    _die_with_parent,
    free_ports,
    stop_process,
)

T = TypeVar("T")

BIBOUMI_DOMAIN = f"biboumi.{DOMAIN}"
IRC_PORT = 6667
START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0


class GatewayError(RuntimeError):
    """The IRC server or the gateway could not be found, started or driven."""


def gateway_binaries() -> tuple[str, str]:
    """Return the paths of `ngircd` and `biboumi`, or raise a clear `GatewayError`."""
    found = {name: shutil.which(name) or _sbin(name) for name in ("ngircd", "biboumi")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise GatewayError(
            f"the gateway tests need {' and '.join(missing)} (a real IRC server and the "
            "XMPP-IRC gateway) but they are not installed: run "
            "`apt-get install biboumi ngircd` (Debian/Ubuntu), or `.ci/test` which does it"
        )
    return str(found["ngircd"]), str(found["biboumi"])


def _sbin(name: str) -> str | None:
    """Find `name` in the sbin directories a non-root PATH may lack."""
    for folder in ("/usr/sbin", "/sbin"):
        if os.access(path := f"{folder}/{name}", os.X_OK):
            return path
    return None


def component_config(port: int) -> str:
    """The global-section lines that open Prosody's component port `port` on loopback."""
    return f'component_ports = {{ {port} }}\ncomponent_interface = "127.0.0.1"'


def component_block(domain: str, secret: str) -> str:
    """The Prosody `Component` block for an external component at `domain`."""
    return f'Component "{domain}"\n    component_secret = "{secret}"\n'


def free_loopback_address() -> str:
    """A 127.x.y.z address (not 127.0.0.1) where port 6667 is free right now."""
    for _ in range(50):
        address = "127." + ".".join(str(secrets.randbelow(250) + 2) for _ in range(3))
        with socket.socket() as sock:
            try:
                sock.bind((address, IRC_PORT))
            except OSError:
                continue
            return address
    raise GatewayError("no free 127.x.y.z address with port 6667 free")


class _Process:
    """A child process with a log file: start, wait for a log line, stop."""

    name = "process"

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        base_dir.mkdir(parents=True, exist_ok=True)
        self.log_file = base_dir / f"{self.name}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def _spawn(self, argv: list[str], *, watched: bool = False) -> None:
        """Start `argv`; it dies with the test process (by signal, or `watched`: when its
        stdin, a pipe from us, closes)."""
        with self.log_file.open("ab") as out:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if watched else subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.base_dir,
                preexec_fn=None if watched else _die_with_parent,
            )

    def _wait_for_log(self, needle: str, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while needle not in self.log_text():
            if self._proc is None or self._proc.poll() is not None:
                code = None if self._proc is None else self._proc.returncode
                raise GatewayError(f"{self.name} exited ({code}) before {what}\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise GatewayError(
                    f"{self.name}: not {what} in {START_TIMEOUT:.0f} s\n{self.log_tail()}"
                )
            time.sleep(0.05)

    @property
    def running(self) -> bool:
        """Whether the child process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """SIGTERM, wait, then SIGKILL. Safe to call when not running."""
        proc, self._proc = self._proc, None
        stop_process(proc, STOP_TIMEOUT)

    def log_text(self) -> str:
        """The whole log so far."""
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the log, for failure messages."""
        tail = self.log_text().splitlines()[-lines:]
        return f"--- {self.log_file} (last {len(tail)} lines) ---\n" + "\n".join(tail)


class IrcServer(_Process):
    """ngircd on `address`:6667, in the foreground (`-n`), config in `base_dir`."""

    name = "ngircd"

    def __init__(self, base_dir: Path, address: str | None = None) -> None:
        super().__init__(base_dir)
        self._ngircd, _ = gateway_binaries()
        self.address = address or free_loopback_address()
        self.server_name = "irc.test"
        self.config_path = base_dir / "ngircd.conf"
        run_dir = base_dir / "run"
        run_dir.mkdir(exist_ok=True)
        run_dir.chmod(0o777)  # ngircd drops root for "nobody" before it writes its pid file
        self.config_path.write_text(
            "[Global]\n"
            f"\tName = {self.server_name}\n"
            "\tInfo = tuichat test IRC server\n"
            "\tAdminInfo1 = tuichat tests\n\tAdminInfo2 = loopback\n\tAdminEMail = none@test\n"
            f"\tListen = {self.address}\n"
            f"\tPorts = {IRC_PORT}\n"
            "\tMotdPhrase = tuichat test IRC server\n"
            f"\tPidFile = {run_dir / 'ngircd.pid'}\n"
            # tuichat's default nick is the account's localpart; ngircd's default cap is 9.
            "[Limits]\n\tMaxConnectionsIP = 0\n\tMaxJoins = 0\n\tMaxNickLength = 30\n"
            "[Options]\n\tPAM = no\n\tIdent = no\n\tDNS = no\n"
        )

    def start(self) -> None:
        """Start ngircd and wait until it listens; raise `GatewayError` with its log.

        Started as root, ngircd becomes "nobody", and the kernel then forgets to stop it when
        the test process dies (the parent-death signal is cleared on a change of user). So it
        runs under a root shell that stops it when its stdin, a pipe from the test process,
        is closed: by `stop()`, or by the kernel when the test process dies. The shell ends
        when ngircd does, so a failed start is seen at once.
        """
        watchdog = (
            'ngircd="$1"; shift; exec 3<&0; "$ngircd" "$@" </dev/null & child=$!; '
            '(cat <&3 >/dev/null; kill "$child" 2>/dev/null) & wait "$child"'
        )
        self._spawn(
            ["sh", "-c", watchdog, "sh", self._ngircd, "-n", "-f", str(self.config_path)],
            watched=True,
        )
        self._wait_for_log("ready.", f"listening on {self.address}:{IRC_PORT}")
        deadline = time.monotonic() + START_TIMEOUT
        while not _accepts(self.address, IRC_PORT):
            if time.monotonic() > deadline:
                raise GatewayError(f"ngircd does not accept on {self.address}\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Close the watchdog's stdin: it stops ngircd and exits."""
        proc = self._proc
        if proc is not None and proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(STOP_TIMEOUT)
        super().stop()


class Biboumi(_Process):
    """biboumi connected to Prosody's component port as `BIBOUMI_DOMAIN`."""

    name = "biboumi"

    def __init__(self, base_dir: Path, *, component_port: int, secret: str) -> None:
        super().__init__(base_dir)
        _, self._biboumi = gateway_binaries()
        self.domain = BIBOUMI_DOMAIN
        self.config_path = base_dir / "biboumi.cfg"
        policy_dir = base_dir / "policy"
        policy_dir.mkdir(exist_ok=True)
        self.config_path.write_text(
            f"hostname={self.domain}\n"
            f"password={secret}\n"
            "xmpp_server_ip=127.0.0.1\n"
            f"port={component_port}\n"
            f"db_name={base_dir / 'biboumi.sqlite'}\n"
            "identd_port=0\n"
            f"policy_directory={policy_dir}/\n"
            "log_level=0\n"
        )

    def start(self) -> None:
        """Start biboumi and wait until it is authenticated with Prosody."""
        self._spawn([self._biboumi, str(self.config_path)])
        self._wait_for_log("Authenticated with the XMPP server", "authenticated with Prosody")


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class IrcLine:
    """One PRIVMSG the IRC user read: sender nick, target (channel or nick), text."""

    nick: str
    target: str
    text: str


class IrcUser:
    """A plain IRC client on a socket: logs in, joins channels, sends and records PRIVMSGs."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, nick: str):
        self.nick = nick
        self._reader, self._writer = reader, writer
        self.privmsgs: list[IrcLine] = []
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, host: str, nick: str, timeout: float = 10.0) -> IrcUser:
        """Connect to `host`:6667 as `nick` and wait for the welcome (001)."""
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, IRC_PORT), timeout)
        user = cls(reader, writer, nick)
        user._task = asyncio.get_running_loop().create_task(user._read_loop())
        user.send(f"NICK {nick}")
        user.send(f"USER {nick} 0 * :tuichat test user")
        await user.wait_line(lambda line: _command(line) == "001", timeout)
        return user

    def send(self, line: str) -> None:
        """Send one raw IRC line."""
        self._writer.write(line.encode() + b"\r\n")

    async def join(self, channel: str, timeout: float = 10.0) -> None:
        """JOIN `channel` and wait for the end of its names list (366)."""
        self.send(f"JOIN {channel}")
        await self.wait_line(
            lambda line: _command(line) == "366" and channel.lower() in line.lower(), timeout
        )

    def say(self, target: str, text: str) -> None:
        """PRIVMSG `target` (a channel or a nick)."""
        self.send(f"PRIVMSG {target} :{text}")

    async def wait_line(self, pred: Callable[[str], bool], timeout: float = 10.0) -> str:
        """Wait for a raw line satisfying `pred` (any line read so far counts)."""
        return await self._wait(lambda: next((x for x in self.lines if pred(x)), None), timeout)

    async def wait_privmsg(self, text: str, timeout: float = 15.0) -> IrcLine:
        """Wait for a PRIVMSG whose text is `text`."""
        return await self._wait(
            lambda: next((m for m in self.privmsgs if m.text == text), None), timeout
        )

    async def _wait(self, find: Callable[[], T | None], timeout: float) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (found := find()) is None:
            if loop.time() > deadline:
                raise AssertionError(
                    f"IRC user {self.nick}: waited {timeout} s; last lines: {self.lines[-10:]}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), 0.5)
        return found

    async def _read_loop(self) -> None:
        while raw := await self._reader.readline():
            line = raw.decode(errors="replace").rstrip("\r\n")
            self.lines.append(line)
            if line.startswith("PING"):
                self.send("PONG" + line[4:])
            elif _command(line) == "PRIVMSG":
                prefix, _, rest = line[1:].partition(" ")
                _cmd, _, rest = rest.partition(" ")
                target, _, text = rest.partition(" :")
                self.privmsgs.append(IrcLine(prefix.split("!", 1)[0], target, text))
            self._changed.set()

    async def close(self) -> None:
        """QUIT and close the socket."""
        with contextlib.suppress(OSError):
            self.send("QUIT :bye")
            await self._writer.drain()
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await self._task


def _command(line: str) -> str:
    """The command word of a raw IRC line (after the optional `:prefix`)."""
    parts = line.split(" ")
    if parts and parts[0].startswith(":"):
        parts = parts[1:]
    return parts[0] if parts else ""


@dataclass
class IrcGateway:
    """A started Prosody + ngircd + biboumi set, as the `irc_gateway` fixture gives it."""

    server: ProsodyServer
    irc: IrcServer
    biboumi: Biboumi

    def channel_jid(self, channel: str) -> str:
        """The room JID of IRC `channel` (with or without '#') on the test IRC server."""
        name = channel if channel.startswith("#") else f"#{channel}"
        return f"{name}%{self.irc.address}@{self.biboumi.domain}"

    def diagnostics(self) -> str:
        """Both logs' tails, for assertion messages."""
        return f"{self.irc.log_tail()}\n{self.biboumi.log_tail(60)}"


@dataclass(frozen=True)
class GatewayServer:
    """A started Prosody that accepts one external component (`gateway_server` fixture)."""

    server: ProsodyServer
    domain: str
    secret: str
    port: int


def new_component_port() -> int:
    """A free TCP port for Prosody's component listener."""
    return free_ports(1)[0]
