"""Benchmark: start-up of the real `tuichat` command in tmux, side by side with its references.

Run: /work/venv/bin/python tests/benchmarks/bench_startup.py [--runs 5] [--no-anchors]
[--no-instructions] [--before DIR]... (each DIR another version's ``tuichat`` package, run
as ``tuichat-DIRNAME``)

Every client is launched in a 120x40 tmux pane and its screen polled every 5 ms; the runs are
interleaved (one of each client per round), so a busy machine slows them all alike. Printed,
median of N runs each, with tuichat's ratio to its reference: the ratio of the two medians,
and the ratio round by round (median and quartiles), which leaves out how the machine's speed
drifts from one round to the next:

- first frame: tuichat (cached roster and the account on screen; its account on a local
  Prosody) against a bare Textual app (Header, Static, Footer) from the same venv; tuichat with
  the 1,011,000-message store of ``bench_store.py`` as well (its account points at a closed
  port: nothing waits for the network);
- the CPU time (user + system) each client had used when its first frame was seen, and its
  ratios: on a busy shared machine wall times swing with the load, CPU times less (they
  include what a client did between its frame and the poll that saw it: tuichat starts
  connecting at once, the bare app idles);
- logged in: tuichat's status bar says "connected", against Poezio's "Your JID is" line (and
  Profanity's "logged in successfully");
- resident memory of each client ``--settle`` seconds after login (OMEMO not used);
- the instructions the bare app and each tuichat run up to their first frame, counted under
  valgrind (``instructions.py``; one run each, deterministic) when it is installed;
- then, in the big store, key press to the newest message on screen when switching to the
  1,000,000- and the 1,000-message conversations.

Poezio and Profanity are the Debian packages, installed here with ``apt-get install`` when
missing (``--no-anchors`` skips them). Poezio refuses to run as root, so it runs as the
unprivileged user ``tuichat-bench``, created for the purpose. All clients trust the test CA of
the throw-away Prosody (``tests/harness/prosody.py``), with certificates verified.
"""

from __future__ import annotations

import argparse
import compileall
import os
import pwd
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import instructions
from tests.e2e.tmux import Pane, TmuxServer
from tests.harness.prosody import ProsodyServer

BIG_STORE = Path("/tmp/tuichat-bench-store-1000000.sqlite3")
BIG_ACCOUNT = "me@example.org"
ANCHOR_USER = "tuichat-bench"
FLOOR_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static
class Hello(App):
    def compose(self):
        yield Header(); yield Static("floor-ready"); yield Footer()
Hello().run()
"""


@dataclass
class Client:
    """One client to launch: how, and what on its screen marks each stage."""

    name: str
    argv: list[str]
    env: dict[str, str]
    first: tuple[str, ...]
    """Words that are all on the first full screen."""
    logged_in: Callable[[str], bool] | None = None
    """The client says it is logged in (None: it never logs in)."""
    unset: tuple[str, ...] = ()
    probe: str | None = None
    """What ``instructions.count`` runs to the frame that holds :attr:`first` (``tuichat`` or
    a script; None: not counted)."""
    instructions_m: float | None = None
    first_ms: list[float] = field(default_factory=list)
    first_cpu_ms: list[float] = field(default_factory=list)
    """CPU time (user + system) the client had used when its first frame was seen: on a busy
    shared machine it varies far less than the wall time."""
    login_ms: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)

    def forget(self) -> None:
        """Drop what was measured (a warm-up run's figures)."""
        for figures in (self.first_ms, self.first_cpu_ms, self.login_ms, self.rss_mib):
            figures.clear()


def has(*words: str) -> Callable[[str], bool]:
    """A screen test: every one of ``words`` is on the screen."""
    return lambda screen: all(w in screen for w in words)


def poll(pane: Pane, ready: Callable[[str], bool], started: float, timeout: float = 30.0) -> float:
    """Milliseconds from ``started`` until ``ready(screen)`` (polling every 5 ms)."""
    while True:
        screen = pane.capture()
        if ready(screen):
            return (time.perf_counter() - started) * 1000
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"{pane.name}: never got there:\n{screen}")
        time.sleep(0.005)


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        out = subprocess.run(["pgrep", "-P", str(current)], capture_output=True, text=True)
        queue.extend(int(p) for p in out.stdout.split())
    return found


def pane_pid(server: TmuxServer, pane: Pane) -> int:
    """The pid of the shell running in ``pane``."""
    return int(server.run("display-message", "-p", "-t", pane.name, "#{pane_pid}").stdout)


def client_rss(pids: list[int]) -> float:
    """Resident MiB of the biggest process among ``pids`` (the client, not its shell)."""
    best = 0.0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                best = max(best, int(line.split()[1]) / 1024)
    return best


def cpu_ms(pids: list[int]) -> float:
    """CPU milliseconds (user + system, 10 ms ticks) used so far by ``pids``."""
    total = 0
    for pid in pids:
        with suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def client_pids(server: TmuxServer, pane: Pane, started: float) -> list[int]:
    """The processes below the pane's shell, once the client has started (before its first
    frame: found now, they are read in an instant when the frame comes)."""
    shell = pane_pid(server, pane)
    while time.perf_counter() - started < 5:
        below = descendants(shell)[1:]
        if below:
            return below
        time.sleep(0.002)
    return []


def kill_all(pids: list[int]) -> None:
    """SIGKILL each of ``pids`` (Poezio ignores SIGHUP and would spin on after its pane)."""
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def run_once(server: TmuxServer, client: Client, settle: float) -> None:
    """Launch ``client`` once; record its first frame, login and memory."""
    started = time.perf_counter()
    pane = server.start(client.name, client.argv, env=client.env, unset=client.unset)
    try:
        pids = client_pids(server, pane, started)
        client.first_ms.append(poll(pane, has(*client.first), started))
        client.first_cpu_ms.append(cpu_ms(pids))
        if client.logged_in is not None:
            client.login_ms.append(poll(pane, client.logged_in, started))
            time.sleep(settle)
            client.rss_mib.append(client_rss(descendants(pane_pid(server, pane))))
    finally:
        pids = descendants(pane_pid(server, pane))
        pane.kill()
        kill_all(pids)


def xdg_home(base: Path, name: str) -> tuple[Path, dict[str, str]]:
    """A fresh HOME for one client and the environment that points every XDG dir into it."""
    home = base / name
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "TERM": "tmux-256color",
    }
    return home, env


def tuichat_home(
    base: Path, name: str, jid: str, host: str, port: int, ca: Path | None
) -> dict[str, str]:
    """A HOME with one tuichat account (password in ``BENCH_PW``)."""
    home, env = xdg_home(base, name)
    config = home / ".config" / "tuichat" / "config.toml"
    config.parent.mkdir(parents=True)
    ca_line = f'ca_file = "{ca}"\n' if ca else ""
    config.write_text(
        f'[[account]]\njid = "{jid}"\npassword_env = "BENCH_PW"\n'
        f'host = "{host}"\nport = {port}\n{ca_line}'
    )
    config.chmod(0o600)
    (home / ".local" / "share" / "tuichat").mkdir(parents=True)
    return env


def run_tuichat(tuichat: str, env: dict[str, str], *args: str) -> None:
    """A headless ``tuichat`` command (exit 0 expected) in ``env``."""
    subprocess.run([tuichat, *args], env={**os.environ, **env}, check=True, timeout=60)


def ensure_anchors() -> bool:
    """Poezio and Profanity installed (apt) and the unprivileged user made; False if not."""
    missing = [p for p in ("poezio", "profanity") if shutil.which(p) is None]
    if missing:
        print(f"installing {' '.join(missing)} (apt-get)…", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(["apt-get", "install", "-y", *missing], env=env, capture_output=True)
        if done.returncode != 0:
            print(f"  could not install them: {done.stderr.decode()[-300:]}")
            return False
    try:
        pwd.getpwnam(ANCHOR_USER)
    except KeyError:
        subprocess.run(["useradd", "-m", "-s", "/bin/sh", ANCHOR_USER], check=True)
    return True


def poezio_client(server: ProsodyServer, jid: str, password: str) -> Client:
    """Poezio as ``ANCHOR_USER``, its config and a copy of the CA in that user's home."""
    user = pwd.getpwnam(ANCHOR_USER)
    home = Path(user.pw_dir)
    folder = home / "bench-poezio"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copy(server.ca_file, folder / "ca.crt")
    (folder / "poezio.cfg").write_text(
        "[Poezio]\n"
        f"jid = {jid}\npassword = {password}\n"
        f"custom_host = {server.host}\ncustom_port = {server.starttls_port}\n"
        f"ca_cert_path = {folder / 'ca.crt'}\nuse_log = false\n"
    )
    for path in (folder, folder / "ca.crt", folder / "poezio.cfg"):
        os.chown(path, user.pw_uid, user.pw_gid)
    (folder / "poezio.cfg").chmod(0o600)
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CACHE_HOME": str(folder / "cache"),
        "TERM": "tmux-256color",
    }
    argv = ["runuser", "-u", ANCHOR_USER, "--", "env", *(f"{k}={v}" for k, v in env.items())]
    argv += ["poezio", "-f", str(folder / "poezio.cfg")]
    return Client("poezio", argv, {}, first=("Roster:", "Welcome to"), logged_in=has("Your JID is"))


def profanity_client(base: Path, server: ProsodyServer, jid: str, password: str) -> Client:
    """Profanity with its accounts file and the CA as a hashed directory."""
    home, env = xdg_home(base, "profanity")
    ca_dir = home / "ca"
    ca_dir.mkdir()
    shutil.copy(server.ca_file, ca_dir / "ca.crt")
    subprocess.run(["openssl", "rehash", str(ca_dir)], check=True, capture_output=True)
    data = home / ".local" / "share" / "profanity"
    data.mkdir(parents=True)
    (data / "accounts").write_text(
        f"[{jid}]\nenabled=true\njid={jid}\nserver={server.host}\n"
        f"port={server.starttls_port}\npassword={password}\nresource=profanity\n"
        "tls.policy=force\n"
    )
    config = home / ".config" / "profanity"
    config.mkdir(parents=True)
    (config / "profrc").write_text(f"[connection]\ntls.certpath={ca_dir}\n")
    return Client(
        "profanity",
        ["profanity", "-a", jid],
        env,
        first=("Welcome to", "/help"),
        logged_in=has("logged in successfully"),
    )


@contextmanager
def prosody(base: Path) -> Iterator[ProsodyServer]:
    """A throw-away Prosody on loopback (info log only), stopped afterwards."""
    server = ProsodyServer(base / "prosody")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def newest_body(conversation: str) -> str:
    with sqlite3.connect(BIG_STORE) as conn:
        row = conn.execute(
            "SELECT body FROM messages WHERE conversation = ? ORDER BY ts DESC, id DESC LIMIT 1",
            (conversation,),
        ).fetchone()
    return str(row[0])[:30]


def switching(server: TmuxServer, env: dict[str, str], tuichat: str, runs: int) -> dict[str, float]:
    """Median ms from Enter in the quick switcher to the newest message on screen."""
    results: dict[str, list[float]] = {"big": [], "small": []}
    markers = {"big": newest_body("big@example.org"), "small": newest_body("small@example.org")}
    for _ in range(runs):
        pane = server.start("switch", [tuichat], env=env)
        try:
            poll(pane, has("big@example.org"), time.perf_counter())
            time.sleep(1.0)
            for key, typed in (("small", "small@exam"), ("big", "big@example")) * 2:
                pane.send_keys("C-k")
                time.sleep(0.3)
                pane.type(typed)
                time.sleep(0.3)
                assert markers[key] not in pane.capture(), f"{markers[key]!r} already shown"
                started = time.perf_counter()
                pane.send_keys("Enter")
                results[key].append(poll(pane, has(markers[key]), started, 20.0))
        finally:
            pane.kill()
    return {k: statistics.median(v) for k, v in results.items()}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(runs: int, settle: float, anchors: bool, before: list[Path], counts: bool) -> None:
    if not BIG_STORE.exists():
        subprocess.run(
            [sys.executable, str(Path(__file__).with_name("bench_store.py"))], check=True
        )
    # An installed package has its byte code compiled (pip does it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module at every start instead.
    compileall.compile_dir(Path(__file__).resolve().parents[2] / "tuichat", quiet=1)
    tuichat = str(Path(sys.executable).with_name("tuichat"))
    anchors = anchors and ensure_anchors()
    count_instructions = counts and instructions.available()
    tmux = TmuxServer(f"tuichat-bench-{time.time_ns()}")
    with tempfile.TemporaryDirectory(prefix="tuichat-bench-") as tmp, prosody(Path(tmp)) as xmpp:
        base = Path(tmp)
        password = "bench-pw-1"
        jid = xmpp.register("alice", password)
        contact = xmpp.register("bob", "bench-pw-2")
        floor_script = base / "floor.py"
        floor_script.write_text(FLOOR_APP)
        env = tuichat_home(base, "tuichat", jid, xmpp.host, xmpp.starttls_port, xmpp.ca_file)
        env["BENCH_PW"] = password
        # The roster cache the first frame shows: add a contact once, headless.
        run_tuichat(tuichat, env, "contact", "add", contact, "--name", "Bob")
        run_tuichat(tuichat, env, "sync")
        big_env = tuichat_home(base, "big", BIG_ACCOUNT, "127.0.0.1", 9, None)
        big_env["BENCH_PW"] = "x"
        shutil.copyfile(BIG_STORE, Path(big_env["XDG_DATA_HOME"]) / "tuichat" / "messages.sqlite3")
        clients = [
            Client(
                "floor",
                [sys.executable, str(floor_script)],
                {},
                first=("floor-ready",),
                probe=str(floor_script),
            ),
            Client(
                "tuichat",
                [tuichat],
                env,
                first=(jid, "offline hidden"),  # Bob, from the cached roster
                logged_in=has(f"{jid} connected"),
                probe="tuichat",
            ),
            Client(
                "tuichat-big",
                [tuichat],
                big_env,
                first=(BIG_ACCOUNT, "big@example.org"),
                probe="tuichat",
            ),
        ]
        for tree in before:  # other versions' source trees: same venv, same home and store
            compileall.compile_dir(tree / "tuichat", quiet=1)
            # but a cache folder each, as on two machines: versions read each other's start-up
            # caches as foreign (and one that mis-reads them can cost the other its start).
            caches = base / f"cache-{tree.name}"
            clients.insert(
                2,
                Client(
                    f"tuichat-{tree.name}",
                    # Its own entry point (the console script's may not be in that tree);
                    # -P: the working directory (a checkout of ours) must not come first.
                    [sys.executable, "-P", "-m", "tuichat"],
                    {**env, "PYTHONPATH": str(tree), "XDG_CACHE_HOME": str(caches)},
                    first=(jid, "offline hidden"),
                    logged_in=has(f"{jid} connected"),
                    probe="tuichat",
                ),
            )
        if anchors:
            clients.append(poezio_client(xmpp, jid, password))
            clients.append(profanity_client(base, xmpp, jid, password))
        try:
            tmux.start("base", ["sleep", "3600"], env={})  # keeps the tmux server up
            # One start each, not measured, as a user's last start was: the files read are in
            # the page cache, and tuichat's compiled dataclasses in its cache folder.
            for client in clients:
                run_once(tmux, client, settle)
                client.forget()
            for _ in range(runs):
                for client in clients:
                    run_once(tmux, client, settle)
            switch = switching(tmux, big_env, tuichat, max(1, runs // 2))
            if count_instructions:
                for client in clients:
                    if client.probe is not None:
                        client.instructions_m = instructions.count(
                            tmux, sys.executable, client.probe, client.env, client.first
                        )
        finally:
            tmux.kill()
    by_name = {c.name: c for c in clients}
    report(by_name, runs, settle, switch)


def paired(ours: list[float], theirs: list[float]) -> str:
    """The ratio round by round (the runs are interleaved: a round's starts share the machine's
    load of the moment, which the ratio of two medians does not), as median [quartiles]."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=True) if b]
    if len(ratios) < 2:
        return ""
    low, mid, high = statistics.quantiles(ratios, n=4)
    return f"{mid:5.2f} [{low:.2f}–{high:.2f}]"


def report(clients: dict[str, Client], runs: int, settle: float, switch: dict[str, float]) -> None:
    """Print the medians and tuichat's ratios to its references."""
    tui = clients["tuichat"]
    big = clients["tuichat-big"]
    print(f"start-up, median of {runs} interleaved runs (tmux 120x40, 5 ms polling)")
    print(f"{'':38} {'first frame':>12} {'(CPU)':>8} {'logged in':>10} {'RSS':>10}")
    for c in clients.values():
        login = f"{median(c.login_ms):8.0f} ms" if c.login_ms else f"{'—':>11}"
        rss = f"{median(c.rss_mib):6.1f} MiB" if c.rss_mib else f"{'—':>10}"
        cpu = f"{median(c.first_cpu_ms):5.0f} ms"
        print(f"  {c.name:36} {median(c.first_ms):9.0f} ms {cpu} {login} {rss}")
    floor_c = clients["floor"]
    ratios = [
        ("first frame, tuichat / bare Textual", tui.first_ms, floor_c.first_ms, "≤ 1.3"),
        ("first frame, tuichat 1,011,000 msgs / Textual", big.first_ms, floor_c.first_ms, "≤ 1.3"),
        ("  the same in CPU time", tui.first_cpu_ms, floor_c.first_cpu_ms, "-"),
        ("  the same in CPU time, 1,011,000 msgs", big.first_cpu_ms, floor_c.first_cpu_ms, "-"),
    ]
    if "poezio" in clients:
        poezio = clients["poezio"]
        ratios.append(("logged in, tuichat / Poezio", tui.login_ms, poezio.login_ms, "≤ 0.8"))
        what = f"RSS {settle:.0f} s after login, tuichat / Poezio"
        ratios.append((what, tui.rss_mib, poezio.rss_mib, "≤ 1.0"))
    if "profanity" in clients:
        profanity = clients["profanity"]
        ratios.append(("logged in, tuichat / Profanity", tui.login_ms, profanity.login_ms, "-"))
    if floor_m := clients["floor"].instructions_m:
        print("instructions to the first frame (valgrind; one run each, deterministic):")
        for c in clients.values():
            if c.instructions_m is not None:
                print(
                    f"  {c.name:36} {c.instructions_m:9,.0f} M  {c.instructions_m / floor_m:5.2f}"
                )
    print("ratios: of the medians; per round (one start of each client), median [quartiles]")
    for what, ours, theirs, target in ratios:
        rounds = paired(ours, theirs)
        print(f"  {what:46} {median(ours) / median(theirs):5.2f}  {rounds}  ({target})")
    print("switching in the 1,011,000-message store (key press to newest message on screen):")
    print(f"  to the 1,000,000-message conversation          {switch['big']:7.0f} ms")
    print(f"  to the 1,000-message conversation             {switch['small']:7.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds after login for RSS")
    parser.add_argument("--no-anchors", action="store_true", help="skip Poezio and Profanity")
    parser.add_argument(
        "--no-instructions", action="store_true", help="skip counting instructions (valgrind)"
    )
    parser.add_argument(
        "--before",
        type=Path,
        metavar="DIR",
        action="append",
        default=[],
        help="also run the tuichat package in DIR (e.g. `git archive OLD tuichat | tar -x -C DIR`)",
    )
    args = parser.parse_args()
    main(args.runs, args.settle, not args.no_anchors, args.before, not args.no_instructions)
