"""Provides `ProsodyServer`: a throw-away real Prosody on free loopback ports for the test suite.

Each server lives in its own directory (config, data, pid, log) and runs `prosody -F` as a child
process. Accounts are made with `prosodyctl register`. See `/work/shared/ENV.md` §3–5 for the
verified settings this is built from.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.harness.pki import PKI, make_pki

DOMAIN = "example.test"
MUC_DOMAIN = f"conference.{DOMAIN}"
UPLOAD_DOMAIN = f"upload.{DOMAIN}"
PUBSUB_DOMAIN = f"pubsub.{DOMAIN}"
"""Not configured by default: ``prosody_factory(extra_components=PUBSUB_COMPONENT)``."""
PUBSUB_COMPONENT = f'Component "{PUBSUB_DOMAIN}" "pubsub"'
"""A PubSub service (feeds), for ``extra_components``."""
HOST = "127.0.0.1"

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
_PORT_FAILURE = "Failed to open server port"
_PR_SET_PDEATHSIG = 1


class ProsodyError(RuntimeError):
    """The test Prosody could not be found, configured, started or driven."""


def prosody_binaries() -> tuple[str, str]:
    """Return the paths of `prosody` and `prosodyctl`, or raise a clear `ProsodyError`."""
    prosody = shutil.which("prosody")
    prosodyctl = shutil.which("prosodyctl")
    if prosody is None or prosodyctl is None:
        raise ProsodyError(
            "the XMPP tests need a real Prosody server but `prosody`/`prosodyctl` is not on "
            "PATH: install it with `apt-get install prosody` (Debian/Ubuntu)"
        )
    return prosody, prosodyctl


def free_ports(count: int) -> list[int]:
    """Return `count` distinct TCP ports that were free on 127.0.0.1 a moment ago."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def stop_process(proc: subprocess.Popen[bytes] | None, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM, wait, then SIGKILL; nothing for ``None`` or a process that has ended."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


def _port_open(port: int) -> bool:
    """Tell whether something accepts TCP connections on HOST:port."""
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask the kernel to SIGTERM the child when the test process dies (no stray servers)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _lua(value: str) -> str:
    """Quote a string as a Lua string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ProsodyServer:
    """One Prosody test server with its own directory, ports and PKI.

    `pki` is the certificate the server presents; `trusted_pki` the one clients are told to
    trust (`ca_file`). Pass an untrusted `pki` for bad-certificate tests. With
    `starttls_offered=False` the server has no certificate at all: it offers neither STARTTLS
    nor direct TLS and does not require encryption.
    """

    def __init__(
        self,
        base_dir: Path,
        *,
        trusted_pki: PKI | None = None,
        pki: PKI | None = None,
        starttls_offered: bool = True,
        max_archive_query_results: int = 250,
        extra_config: str = "",
        extra_components: str = "",
        muc_modules: tuple[str, ...] = (),
    ) -> None:
        self._prosody, self._prosodyctl = prosody_binaries()
        self.base_dir = base_dir
        base_dir.mkdir(parents=True, exist_ok=True)
        if trusted_pki is None:
            trusted_pki = make_pki(base_dir / "pki", "tuichat test CA")
        self.trusted_pki = trusted_pki
        self.pki = pki if pki is not None else trusted_pki
        self.starttls_offered = starttls_offered
        self.max_archive_query_results = max_archive_query_results
        self.extra_config = extra_config
        self.extra_components = extra_components
        """Config text appended after the built-in components (a pubsub service, a gateway)."""
        self.muc_modules = muc_modules
        """Modules enabled on the MUC component besides ``muc_mam`` (``muc_moderation``)."""
        self.config_path = base_dir / "prosody.cfg.lua"
        self.data_dir = base_dir / "data"
        self.log_file = base_dir / "prosody.log"
        self.stdout_file = base_dir / "prosody.stdout"
        self._proc: subprocess.Popen[bytes] | None = None
        self._counter = itertools.count(1)
        self._ports: list[int] = []
        self._allocate_ports()

    # ----- properties -----

    @property
    def domain(self) -> str:
        """The XMPP domain of the only VirtualHost."""
        return DOMAIN

    @property
    def muc_domain(self) -> str:
        """The MUC (XEP-0045) component's domain."""
        return MUC_DOMAIN

    @property
    def upload_domain(self) -> str:
        """The HTTP upload (XEP-0363) component's domain."""
        return UPLOAD_DOMAIN

    @property
    def host(self) -> str:
        """The address to connect to (loopback)."""
        return HOST

    @property
    def starttls_port(self) -> int:
        """The c2s port that offers STARTTLS (plain TCP in the no-STARTTLS variant)."""
        return self._ports[0]

    @property
    def direct_tls_port(self) -> int:
        """The c2s direct TLS (XEP-0368) port; nothing listens there in the no-STARTTLS variant."""
        return self._ports[1]

    @property
    def http_port(self) -> int:
        """The plain HTTP port (http_file_share uploads and downloads)."""
        return self._ports[2]

    @property
    def https_port(self) -> int:
        """The HTTPS port (http_file_share's slots are https URLs there, with the test CA)."""
        return self._ports[3]

    @property
    def upload_base(self) -> str:
        """Where uploaded files live: https with the test CA (plain http without TLS)."""
        if self.starttls_offered:
            return f"https://{HOST}:{self.https_port}/"
        return f"http://{HOST}:{self.http_port}/"

    @property
    def ca_file(self) -> Path:
        """The PEM file of the CA clients should trust."""
        return self.trusted_pki.ca_cert

    @property
    def pid(self) -> int | None:
        """The PID of the running Prosody, or None."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    @property
    def running(self) -> bool:
        """Whether the Prosody child process is alive."""
        return self.pid is not None

    # ----- configuration -----

    def _allocate_ports(self) -> None:
        """Pick fresh free ports and (re)write the config."""
        self._ports = free_ports(4)
        self.write_config()

    def config_text(self) -> str:
        """Return the Lua configuration for the current ports and options."""
        base = self.base_dir
        tls = self.starttls_offered
        cert_dir = base / ("certs" if tls else "no-certs")
        log_file = _lua(str(self.log_file))
        lines = [
            "-- Generated by tests/harness/prosody.py; throw-away test server.",
            "run_as_root = true",
            f"data_path = {_lua(str(self.data_dir))}",
            f"pidfile = {_lua(str(base / 'prosody.pid'))}",
            "log = {",
            f'    {{ levels = {{ min = "info" }}, to = "file", filename = {log_file} }};',
            "}",
            'interfaces = { "127.0.0.1" }',
            f"c2s_ports = {{ {self.starttls_port} }}",
            f"c2s_direct_tls_ports = {{ {self.direct_tls_port} }}" if tls else "",
            "c2s_direct_tls_ports = { }" if not tls else "",
            f"http_ports = {{ {self.http_port} }}",
            f"https_ports = {{ {self.https_port} }}" if tls else "https_ports = { }",
            'http_interfaces = { "127.0.0.1" }',
            'https_interfaces = { "127.0.0.1" }',
            # Without a certificate Prosody 0.12 still offers STARTTLS (SNI contexts), so the
            # no-STARTTLS variant drops mod_tls altogether.
            'modules_disabled = { "s2s" }' if tls else 'modules_disabled = { "s2s"; "tls" }',
            f"certificates = {_lua(str(cert_dir))}",
            f"c2s_require_encryption = {'true' if tls else 'false'}",
            "s2s_require_encryption = false",
        ]
        if tls:
            lines += [
                "ssl = {",
                f"    certificate = {_lua(str(self.pki.server_cert))};",
                f"    key = {_lua(str(self.pki.server_key))};",
                "}",
                "https_ssl = {",
                f"    certificate = {_lua(str(self.pki.server_cert))};",
                f"    key = {_lua(str(self.pki.server_key))};",
                "}",
            ]
        lines += [
            'authentication = "internal_hashed"',
            "allow_registration = true",
            "min_seconds_between_registrations = 0",
            'storage = "internal"',
            "modules_enabled = {",
            '    "roster"; "saslauth"; "tls"; "disco";'
            if tls
            else '    "roster"; "saslauth"; "disco";',
            '    "carbons"; "pep"; "blocklist";',
            '    "vcard4"; "vcard_legacy";',
            '    "version"; "uptime"; "time"; "ping"; "lastactivity";',
            '    "register";',
            '    "mam"; "csi_simple"; "smacks";',
            '    "bookmarks"; "private";',
            "}",
            "default_archive_policy = true",
            f"max_archive_query_results = {int(self.max_archive_query_results)}",
            "smacks_hibernation_time = 120",
            f"http_default_host = {_lua(UPLOAD_DOMAIN)}",
            self.extra_config,
            "",
            f"VirtualHost {_lua(DOMAIN)}",
            "",
            f"Component {_lua(MUC_DOMAIN)} {_lua('muc')}",
            "    modules_enabled = { "
            + "; ".join(_lua(m) for m in ("muc_mam", *self.muc_modules))
            + " }",
            "    muc_log_by_default = true",
            "    muc_log_presences = false",
            "",
            f"Component {_lua(UPLOAD_DOMAIN)} {_lua('http_file_share')}",
            f"    http_external_url = {_lua(self.upload_base)}",
            "    http_file_share_size_limit = 10 * 1024 * 1024",
            "    http_file_share_expires_after = 60 * 60",
            "",
            self.extra_components,
            "",
        ]
        return "\n".join(lines)

    def write_config(self) -> None:
        """Write the config file and create the data and certificate directories."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.base_dir / ("certs" if self.starttls_offered else "no-certs")).mkdir(exist_ok=True)
        self.config_path.write_text(self.config_text())

    # ----- lifecycle -----

    def start(self) -> None:
        """Start Prosody and wait until its ports accept; raise `ProsodyError` with the log tail."""
        if self.running:
            return
        for attempt in range(3):
            if self._start_once():
                return
            # Another process took one of our ports between allocation and bind: pick new ones.
            self.stop()
            if attempt < 2:
                self._allocate_ports()
        raise ProsodyError(f"Prosody could not bind its ports\n{self.log_tail()}")

    def _start_once(self) -> bool:
        """Launch the process once; False when a port was taken, raise on other failures."""
        log_size = self.log_file.stat().st_size if self.log_file.exists() else 0
        with self.stdout_file.open("ab") as out:
            self._proc = subprocess.Popen(
                [self._prosody, "--config", str(self.config_path), "-F"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.base_dir,
                preexec_fn=_die_with_parent,
            )
        ports = [self.starttls_port, self.http_port]
        if self.starttls_offered:
            ports += [self.direct_tls_port, self.https_port]
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._port_failure_since(log_size):
                return False
            if self._proc.poll() is not None:
                raise ProsodyError(
                    f"Prosody exited with status {self._proc.returncode} while starting "
                    f"(config {self.config_path})\n{self.log_tail()}"
                )
            if all(_port_open(p) for p in ports):
                return not self._port_failure_since(log_size)
            if time.monotonic() > deadline:
                self.stop()
                raise ProsodyError(
                    f"Prosody did not accept connections within {START_TIMEOUT:.0f} s "
                    f"(config {self.config_path})\n{self.log_tail()}"
                )
            time.sleep(0.02)

    def _port_failure_since(self, offset: int) -> bool:
        """Tell whether the log reports a port it could not open after byte `offset`."""
        if not self.log_file.exists():
            return False
        with self.log_file.open("rb") as handle:
            handle.seek(offset)
            return _PORT_FAILURE.encode() in handle.read()

    def stop(self) -> None:
        """Stop Prosody: SIGTERM, wait, then SIGKILL. Safe to call when not running."""
        proc, self._proc = self._proc, None
        stop_process(proc)

    def restart(self) -> None:
        """Stop and start again on the same ports with the same data (accounts, archives)."""
        self.stop()
        self.start()

    # ----- accounts -----

    def register(self, user: str, password: str) -> str:
        """Create the account `user@example.test` with `password`; return its bare JID."""
        result = subprocess.run(
            [
                self._prosodyctl,
                "--config",
                str(self.config_path),
                "register",
                user,
                DOMAIN,
                password,
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            raise ProsodyError(
                f"prosodyctl register {user} failed ({result.returncode}): "
                f"{result.stdout.strip()} {result.stderr.strip()}"
            )
        return f"{user}@{DOMAIN}"

    def new_account(self, prefix: str = "user") -> tuple[str, str]:
        """Register a fresh, unique account and return `(bare_jid, password)`."""
        user = f"{prefix.lower()}{next(self._counter)}-{secrets.token_hex(3)}"
        password = f"pw-{secrets.token_urlsafe(12)}"
        return self.register(user, password), password

    # ----- diagnostics -----

    def log_tail(self, lines: int = 40) -> str:
        """Return the last lines of the Prosody log and of its stdout/stderr."""
        parts = []
        for path in (self.log_file, self.stdout_file):
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name} (last {len(text)} lines) ---\n" + "\n".join(text))
        return "\n".join(parts) or "(no Prosody log yet)"

    def stream_features(self, port: int | None = None, timeout: float = 5.0) -> str:
        """Open a plain c2s stream on `port` (default STARTTLS port); return `<stream:features>`."""
        header = (
            f"<?xml version='1.0'?><stream:stream to='{DOMAIN}' xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        )
        data = b""
        with socket.create_connection((HOST, port or self.starttls_port), timeout=timeout) as s:
            s.sendall(header.encode())
            deadline = time.monotonic() + timeout
            while b"</stream:features>" not in data and time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        text = data.decode(errors="replace")
        start = text.find("<stream:features")
        end = text.find("</stream:features>")
        if start < 0 or end < 0:
            raise ProsodyError(f"no stream features from port {port}: {text!r}")
        return text[start : end + len("</stream:features>")]

    def __repr__(self) -> str:
        """Show the ports and state for test failure messages."""
        return (
            f"ProsodyServer(dir={self.base_dir}, c2s={self.starttls_port}, "
            f"tls={self.direct_tls_port}, http={self.http_port}, pid={self.pid})"
        )


def stray_pids(server: ProsodyServer) -> list[int]:
    """Return PIDs of processes still running this server's config (for leak checks)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            if str(server.config_path).encode() in cmdline and int(proc.name) != os.getpid():
                pids.append(int(proc.name))
    return pids


@dataclass(frozen=True, slots=True)
class TestAccount:
    """A registered account on a test server: bare JID and password."""

    __test__ = False  # not a pytest test class

    jid: str
    password: str

    @property
    def user(self) -> str:
        """The localpart of the JID."""
        return self.jid.split("@", 1)[0]
