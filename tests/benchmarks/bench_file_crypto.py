"""Benchmark: what encrypting a shared file (XEP-0454) costs, next to copying it, in one run.

Run: /work/venv/bin/python tests/benchmarks/bench_file_crypto.py [--mb 100] [--runs 3]
[--folder DIR]

One file of random bytes is written to a temporary folder (on disk, not tmpfs, unless
``--folder`` says otherwise). Each run, interleaved, times:

- ``copyfile``: ``shutil.copyfile`` (the kernel copies, no Python in the loop, no fsync);
- ``chunked copy``: the same I/O as :mod:`tuichat.file_crypto` without the cipher (reads of
  ``CHUNK`` bytes, a hidden temporary file, fsync, rename), so the difference is the crypto;
- ``encrypt``: :func:`tuichat.file_crypto.encrypt_file`;
- ``decrypt``: :func:`tuichat.file_crypto.decrypt_file` of that output (tag checked).

Prints the median MB/s (decimal megabytes of the plain file) of each, and each one's ratio to
the chunked copy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tuichat.file_crypto import CHUNK, decrypt_file, encrypt_file


def chunked_copy(src: Path, dst: Path) -> None:
    """Copy as file_crypto streams: chunks, a temporary file, fsync, rename."""
    fd, temp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".part")
    with src.open("rb") as source, os.fdopen(fd, "wb") as out:
        while chunk := source.read(CHUNK):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, dst)


def timed(step: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call (CPU time is steadier on a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the file (default 100 MB)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=Path.home() / ".cache")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    size = args.mb * 1_000_000
    with tempfile.TemporaryDirectory(dir=args.folder, prefix="bench-file-crypto-") as name:
        folder = Path(name)
        plain = folder / "plain.bin"
        with plain.open("wb") as out:
            for _ in range(0, size, 1_000_000):
                out.write(os.urandom(1_000_000))
        keys = [encrypt_file(plain, folder / "enc")]  # warms the page cache and the imports
        steps: dict[str, Callable[[], object]] = {
            "copyfile": lambda: shutil.copyfile(plain, folder / "copy"),
            "chunked copy": lambda: chunked_copy(plain, folder / "chunks"),
            "encrypt": lambda: keys.append(encrypt_file(plain, folder / "enc")),
            "decrypt": lambda: decrypt_file(folder / "enc", folder / "dec", keys[-1]),
        }
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in steps}
        for _ in range(args.runs):
            for label, step in steps.items():
                times[label].append(timed(step))
        assert (folder / "dec").read_bytes() == plain.read_bytes()
    medians = {
        label: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
        for label, runs in times.items()
    }
    baseline = medians["chunked copy"][0]
    print(f"file of {args.mb} MB, {args.runs} runs, medians, chunk {CHUNK // 1024} KiB")
    print(f"  {'step':<13} {'MB/s':>8} {'wall ms':>8} {'CPU ms':>8}  speed vs chunked copy")
    for label, (wall, cpu) in medians.items():
        rate = size / 1_000_000 / wall
        times_ms = f"{wall * 1000:8.1f} {cpu * 1000:8.1f}"
        print(f"  {label:<13} {rate:8.1f} {times_ms}  {baseline / wall:5.2f}×")


if __name__ == "__main__":
    main()
