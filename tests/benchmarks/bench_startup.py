"""Benchmark: start-up and conversation switching of the real `tuichat` command, in tmux.

Run: /work/venv/bin/python tests/benchmarks/bench_startup.py [--runs 5]

Needs the 1,000,000-message store built by `bench_store.py` (it builds it if missing). Prints,
median of N runs each, side by side in one run: time from launching `tuichat` in a 120x40 tmux
pane to the first full screen (status bar with the account, conversations listed) with an
empty store and with the million-message store; a bare Textual app (Header/Static/Footer) as
the floor; then, in the big store, time from the key press to the screen showing the newest
message when switching to the 1,000,000-message conversation and to the 1,000-message one;
resident memory of the tuichat process after start-up. No server is reachable (the account
points at a closed port), so nothing waits for the network — which is the point.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.e2e.tmux import Pane, TmuxServer

BIG_STORE = Path("/tmp/tuichat-bench-store-1000000.sqlite3")
ACCOUNT = "me@example.org"
FLOOR_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static
class Hello(App):
    def compose(self):
        yield Header(); yield Static("floor-ready"); yield Footer()
Hello().run()
"""


def poll(pane: Pane, marker: str, timeout: float = 30.0) -> float:
    """Seconds until ``marker`` is on the screen (polling every 5 ms)."""
    started = time.perf_counter()
    while marker not in pane.capture():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"never saw {marker!r}:\n{pane.capture()}")
        time.sleep(0.005)
    return time.perf_counter() - started


def rss_of_session(server: TmuxServer, name: str) -> float:
    """Resident MiB of the python process under the pane."""
    pid = server.run("display-message", "-p", "-t", name, "#{pane_pid}").stdout.strip()
    out = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split()
    for child in [pid, *out]:
        status = Path(f"/proc/{child}/status")
        if status.exists() and "python" in Path(f"/proc/{child}/cmdline").read_text():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    return 0.0


def home_with(store: Path | None, base: Path) -> dict[str, str]:
    """An isolated HOME with one account on a closed port and, maybe, a copy of ``store``."""
    home = base / "home"
    shutil.rmtree(home, ignore_errors=True)
    config = home / ".config" / "tuichat"
    data = home / ".local" / "share" / "tuichat"
    config.mkdir(parents=True)
    data.mkdir(parents=True)
    (config / "config.toml").write_text(
        f'[[account]]\njid = "{ACCOUNT}"\npassword_env = "BENCH_PW"\nhost = "127.0.0.1"\nport = 9\n'
    )
    (config / "config.toml").chmod(0o600)
    if store is not None:
        target = data / "messages.sqlite3"
        try:  # a reflink/hardlink would be faster, but a plain copy keeps the original intact
            shutil.copyfile(store, target)
        except OSError as exc:
            raise SystemExit(f"cannot copy the store: {exc}") from None
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "BENCH_PW": "x",
        "TERM": "tmux-256color",
    }


def newest_body(conversation: str) -> str:
    with sqlite3.connect(BIG_STORE) as conn:
        row = conn.execute(
            "SELECT body FROM messages WHERE conversation = ? ORDER BY ts DESC, id DESC LIMIT 1",
            (conversation,),
        ).fetchone()
    return str(row[0])[:30]


def main(runs: int) -> None:
    if not BIG_STORE.exists():
        subprocess.run(
            [sys.executable, str(Path(__file__).with_name("bench_store.py"))], check=True
        )
    tuichat = str(Path(sys.executable).with_name("tuichat"))
    server = TmuxServer(f"tuichat-bench-{time.time_ns()}")
    results: dict[str, list[float]] = {
        k: [] for k in ("floor", "empty", "big", "sw_big", "sw_small")
    }
    rss: list[float] = []
    big_marker, small_marker = newest_body("big@example.org"), newest_body("small@example.org")
    try:
        # tmux ends its server with the last session: keep one alive between the runs.
        server.start("base", ["sleep", "3600"], env={})
        with tempfile.TemporaryDirectory(prefix="tuichat-bench-") as tmp:
            base = Path(tmp)
            floor_script = base / "floor.py"
            floor_script.write_text(FLOOR_APP)
            for _ in range(runs):
                pane = server.start("floor", [sys.executable, str(floor_script)], env={})
                results["floor"].append(poll(pane, "floor-ready"))
                pane.kill()
                env = home_with(None, base)
                pane = server.start("empty", [tuichat], env=env)
                results["empty"].append(poll(pane, ACCOUNT))
                pane.kill()
            env = home_with(BIG_STORE, base)
            for _ in range(runs):
                pane = server.start("big", [tuichat], env=env)
                results["big"].append(poll(pane, "big@example.org"))
                time.sleep(1.0)
                rss.append(rss_of_session(server, pane.name))
                for key, jid, marker in (
                    ("sw_small", "small@exam", small_marker),
                    ("sw_big", "big@example", big_marker),
                    ("sw_small", "small@exam", small_marker),
                    ("sw_big", "big@example", big_marker),
                ):
                    pane.send_keys("C-k")
                    time.sleep(0.3)
                    pane.type(jid)
                    time.sleep(0.3)
                    started = time.perf_counter()
                    assert marker not in pane.capture(), f"{marker!r} already on screen"
                    pane.send_keys("Enter")
                    while marker not in pane.capture():
                        if time.perf_counter() - started > 20:
                            raise SystemExit(f"switch never showed {marker!r}:\n{pane.capture()}")
                        time.sleep(0.005)
                    results[key].append(time.perf_counter() - started)
                pane.kill()
    finally:
        server.kill()
    med = {k: statistics.median(v) * 1000 for k, v in results.items()}
    print(f"tuichat start-up and switching, median of {runs} runs (tmux 120x40, 5 ms polling)")
    print(f"  first screen, bare Textual app (floor)           {med['floor']:7.0f} ms")
    print(f"  first screen, tuichat, empty store               {med['empty']:7.0f} ms")
    print(f"  first screen, tuichat, 1,011,000-message store   {med['big']:7.0f} ms")
    print(f"  switch to the 1,000,000-message conversation     {med['sw_big']:7.0f} ms")
    print(f"  switch to the 1,000-message conversation         {med['sw_small']:7.0f} ms")
    print(
        f"  ratio big/small switch                           {med['sw_big'] / med['sw_small']:7.2f}"
    )
    print(f"  RSS after start-up with the big store            {statistics.median(rss):7.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args().runs)
