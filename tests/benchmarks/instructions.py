"""Instructions a client runs up to its first frame, counted by valgrind: the start-up figure
that does not move with the machine's load.

Wall and CPU times of the same start vary by a third from one run to the next on a shared
machine; the number of instructions does not (two runs agree to 0.01 %). It leaves out what
the kernel does (page faults, reading files), so it complements the wall time; it does not
replace it. ``bench_startup.py`` prints it beside its timings when valgrind is installed.

How: the client runs under ``valgrind --tool=cachegrind --cache-sim=no`` in a tmux pane (it
needs a terminal), with Textual's driver patched to end the process the moment it writes the
frame's mark; cachegrind writes its count at that exit. Under valgrind a start takes some
twenty seconds, so tuichat's fallback that connects one second after mounting, if no first
frame came by then, would fire before the frame: it is pushed out of the way, as the frame
comes first in a real start.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tests.e2e.tmux import TmuxServer

PROBE = """
import os, sys
if sys.argv[1] == "tuichat":
    from tuichat.heap import pause_collector
    pause_collector()  # first, as tuichat.launch does: before the imports below
from textual.drivers import linux_driver
marks, write = os.environ["BENCH_FRAME_MARKS"].split("\\n"), linux_driver.LinuxDriver.write
def seen(self, data):
    if all(mark in data for mark in marks):
        os._exit(0)
    return write(self, data)
linux_driver.LinuxDriver.write = seen
if sys.argv[1] == "tuichat":
    import tuichat.ui.app
    tuichat.ui.app.FIRST_FRAME_LIMIT = 1e6
    from tuichat.launch import main
    sys.argv = ["tuichat"]
    main()
else:
    exec(open(sys.argv[1]).read())
"""
"""Run as ``python -P -c PROBE tuichat`` or ``python -P -c PROBE SCRIPT``."""

TIMEOUT = 300.0
"""Seconds a start under valgrind may take (~20 s here)."""


def available() -> bool:
    """Whether valgrind is installed."""
    return shutil.which("valgrind") is not None


def count(
    server: TmuxServer, python: str, what: str, env: dict[str, str], marks: Sequence[str]
) -> float:
    """Millions of instructions ``python`` runs until it writes a frame that holds all of
    ``marks`` (the words of the wall-time figure's first screen: a frame before it, as one
    without the contact list, must not end the count); ``what`` is ``tuichat`` or the path of
    a Textual app's script."""
    with tempfile.TemporaryDirectory(prefix="tuichat-instructions-") as tmp:
        out = Path(tmp) / "cachegrind.out"
        argv: Sequence[str] = [
            "valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}",
            python, "-P", "-c", PROBE, what,
        ]  # fmt: skip
        pane = server.start(
            "instructions", argv, env={**env, "BENCH_FRAME_MARKS": "\n".join(marks)}
        )
        try:
            started = time.monotonic()
            while "summary:" not in (text := _read(out)):
                if time.monotonic() - started > TIMEOUT:
                    raise SystemExit(f"{what}: no first frame under valgrind:\n{pane.capture()}")
                time.sleep(0.5)
        finally:
            pane.kill()
    summary = next(line for line in text.splitlines() if line.startswith("summary:"))
    return int(summary.split()[1]) / 1e6


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""
