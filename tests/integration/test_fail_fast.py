"""Failing fast with the real reason, and keeping a password command's secrets out of sight.

Each test drives the real `tuichat` command or tuichat's own connection manager against Prosody
or a real local socket; nothing of slixmpp or the network is mocked.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness import XdgDirs
from tests.harness.pki import make_pki
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import config_file, history, tuichat
from tests.integration.helpers import Recorder, account_config
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.config import AccountConfig, PasswordSource
from tuichat.model import ConnectionState
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


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


# -- item 9: a CA file that holds no certificate ----------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("/etc/passwd", "holds no PEM certificate"),
        ("", "holds no PEM certificate"),
        ("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", "certificate"),
        ("<dir>", "is not a file"),
    ],
    ids=["passwd", "empty", "broken-pem", "directory"],
)
def test_a_ca_file_without_a_certificate_fails_at_once(
    prosody: ProsodyServer,
    account: Callable[..., TestAccount],
    xdg: XdgDirs,
    tmp_path: Path,
    content: str,
    reason: str,
) -> None:
    """`config check` names FILE:LINE and the reason; `sync` and `send` say the same at once."""
    if content == "/etc/passwd":
        ca = Path("/etc/passwd")
    elif content == "<dir>":
        ca = tmp_path / "ca-dir"
        ca.mkdir()
    else:
        ca = tmp_path / "ca.pem"
        ca.write_text(content)
    me = account("ca")
    path = write_config(
        xdg,
        account_table(
            me.jid, prosody.starttls_port, f'password = "{me.password}"\nca_file = "{ca}"'
        ),
    )
    check = tuichat(xdg, "config", "check")
    assert check.returncode == 2
    assert f"{path}:6: account.ca_file: {ca}" in check.stderr and reason in check.stderr
    for args in (("sync",), ("send", "bob@example.test", "hello")):
        started = time.monotonic()
        result = tuichat(xdg, *args, timeout=60)
        assert time.monotonic() - started < 10
        assert result.returncode == 2, result.stderr
        assert f"account.ca_file: {ca}" in result.stderr and reason in result.stderr
        assert "timed out" not in result.stderr


def test_account_add_refuses_a_ca_file_without_a_certificate(xdg: XdgDirs) -> None:
    """`account add --ca-file /etc/passwd` is a usage error that says why."""
    result = tuichat(
        xdg, "account", "add", "me@example.test", "--password-stdin", "--ca-file", "/etc/passwd",
        stdin="pw\n",
    )  # fmt: skip
    assert result.returncode == 2
    assert "--ca-file: /etc/passwd holds no PEM certificate" in result.stderr
    assert not config_file(xdg).exists()


# -- item 9: a password SASLprep refuses ---------------------------------------------------


@pytest.mark.parametrize("bad", ["\x01", "\x00", "\x7f", "\x9b"])
async def test_a_password_with_a_control_character_fails_without_retrying(
    prosody: ProsodyServer, account: Callable[..., TestAccount], bad: str
) -> None:
    """slixmpp cannot carry it: we say so at once instead of retrying until a timeout."""
    me = account("ctl")
    bus = EventBus()
    rec = Recorder(bus)
    config = account_config(prosody, me.jid, me.password + bad + "x")
    manager = ConnectionManager([config], Store.memory(), bus)
    await manager.start()
    try:
        states = await manager.wait_connected(8)
        assert states[me.jid] == ConnectionState.AUTH_FAILED
        _, reason = manager.state(me.jid)
        assert f"U+{ord(bad):04X}" in reason and "XMPP cannot carry" in reason
        assert not rec.of(ev.ConnectionStateChanged, lambda e: "retrying" in e.reason)
    finally:
        await manager.stop()


def test_account_add_refuses_a_password_xmpp_cannot_carry(xdg: XdgDirs) -> None:
    """The password is refused when it is given, not at every connection attempt."""
    result = tuichat(xdg, "account", "add", "me@example.test", "--password-stdin", stdin="a\x01b\n")
    assert result.returncode == 2
    assert "the password contains a control character (U+0001)" in result.stderr
    assert not config_file(xdg).exists()


# -- item 9: a server that refuses STARTTLS ---------------------------------------------------

_FEATURES = (
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s1' version='1.0'>"
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "</stream:features>"
)
_FAILURE = "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>"


class StartTLSRefuser:
    """A TCP server that speaks just enough XMPP to offer STARTTLS, then answer `<failure/>`."""

    def __init__(self) -> None:
        self.connections = 0
        self.failures_sent = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self._read_until(reader, b"<stream:stream")
            writer.write(_FEATURES.encode())
            await writer.drain()
            await self._read_until(reader, b"<starttls")
            writer.write(_FAILURE.encode())  # RFC 6120 5.4.2.2: failure, then close
            self.failures_sent += 1
            await writer.drain()
        except (TimeoutError, ConnectionError, EOFError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _read_until(reader: asyncio.StreamReader, marker: bytes) -> None:
        seen = b""
        while marker not in seen:
            chunk = await asyncio.wait_for(reader.read(4096), 10)
            if not chunk:
                raise EOFError
            seen += chunk

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_a_server_refusing_starttls_is_a_final_failure(tmp_path: Path) -> None:
    """One connection, a clear reason, and no retry loop."""
    refuser = StartTLSRefuser()
    port = await refuser.start()
    pki = make_pki(tmp_path / "pki")
    bus = EventBus()
    config = account_config_for(port, pki.ca_cert)
    manager = ConnectionManager([config], Store.memory(), bus)
    await manager.start()
    try:
        states = await manager.wait_connected(6)
        await asyncio.sleep(3)  # a retry would come within this
        assert states[config.jid] == ConnectionState.FAILED
        assert manager.state(config.jid) == (
            ConnectionState.FAILED,
            "the server refused to start TLS",
        )
        assert refuser.failures_sent == 1 and refuser.connections == 1
    finally:
        await manager.stop()
        await refuser.stop()


def account_config_for(port: int, ca: Path | None) -> AccountConfig:
    """An account that points at a local port (no Prosody there)."""
    return AccountConfig(
        jid="me@example.test",
        password=PasswordSource("plain", "pw"),
        host="127.0.0.1",
        port=port,
        ca_file=ca,
    )


# -- item 9: nothing listening -------------------------------------------------------------


def test_send_and_sync_fail_fast_on_a_refused_connection(xdg: XdgDirs) -> None:
    """No server: a few seconds and the real reason, and the message waits in the outbox."""
    port = free_port()
    write_config(xdg, account_table("me@example.test", port, 'password = "pw"'))
    started = time.monotonic()
    result = tuichat(xdg, "send", "bob@example.test", "kept for later", timeout=60)
    assert time.monotonic() - started < 10
    assert result.returncode == 1
    assert f"connection refused at 127.0.0.1:{port}" in result.stderr
    assert "kept in the outbox" in result.stderr
    [row] = history(xdg, "bob@example.test")
    assert (row["body"], row["state"]) == ("kept for later", "pending")
    started = time.monotonic()
    result = tuichat(xdg, "sync", timeout=60)
    assert time.monotonic() - started < 10
    assert result.returncode == 1
    assert f"connection refused at 127.0.0.1:{port}" in result.stderr


async def test_the_app_keeps_retrying_a_refused_connection() -> None:
    """The TUI's manager (no attempt limit) keeps its backoff: a server may come back."""
    port = free_port()
    config = account_config_for(port, None)
    bus = EventBus()
    rec = Recorder(bus)
    manager = ConnectionManager([config], Store.memory(), bus)
    await manager.start()
    try:
        await rec.wait(
            ev.ConnectionStateChanged, lambda e: "retrying" in e.reason, count=2, timeout=10
        )
        assert manager.state(config.jid)[0] != ConnectionState.FAILED
        assert f"connection refused at 127.0.0.1:{port}" in manager.state(config.jid)[1]
    finally:
        await manager.stop()
