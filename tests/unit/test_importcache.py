"""The import cache: a later start reads kept modules from one file, and never stale code."""

from __future__ import annotations

import compileall
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from tuichat import importcache
cache = importcache.install()
import demo.values
from demo import values
result = [values.VALUE, values.__file__, values.shout("hi"), cache.served]
importcache.close()
print(json.dumps(result))
"""


def start(tmp: Path) -> tuple[int, str, str, int]:
    """One process importing ``demo.values`` through the cache: ``(VALUE, __file__, shout,
    modules served from the cache)``."""
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp / 'lib'}{os.pathsep}{Path(__file__).resolve().parents[2]}",
        "XDG_CACHE_HOME": str(tmp / "cache"),
    }
    done = subprocess.run(
        [sys.executable, "-P", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    value, file, shouted, served = json.loads(done.stdout.splitlines()[-1])
    return value, file, shouted, served


def write_module(tmp: Path, value: int, mtime: float) -> Path:
    """``demo/values.py`` (and ``demo/__init__.py``), compiled, with ``mtime``."""
    package = tmp / "lib" / "demo"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    module = package / "values.py"
    module.write_text(f"VALUE = {value}\n\ndef shout(text):\n    return text.upper() + '!'\n")
    for path in (package, package / "__init__.py", module):
        os.utime(path, (mtime, mtime))
    compileall.compile_dir(package, quiet=1, force=True)
    os.utime(package, (mtime, mtime))  # compiling added __pycache__ to the folder
    os.utime(tmp / "lib", (mtime, mtime))
    return module


def cache_files(tmp: Path) -> list[Path]:
    return sorted((tmp / "cache" / "tuichat").glob("modules.*.index"))


def test_the_next_start_reads_the_modules_from_the_file(tmp_path: Path) -> None:
    module = write_module(tmp_path, 1, 1_700_000_000)
    assert start(tmp_path)[:3] == (1, str(module), "HI!")
    (file,) = cache_files(tmp_path)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    value, path, shouted, served = start(tmp_path)
    assert (value, path, shouted) == (1, str(module), "HI!")
    assert served >= 2  # demo and demo.values at least (with ours)


def test_a_changed_source_is_imported_from_disk_not_from_the_file(tmp_path: Path) -> None:
    """The same size, another time: the module's new code runs, never the kept one."""
    write_module(tmp_path, 1, 1_700_000_000)
    start(tmp_path)
    module = tmp_path / "lib" / "demo" / "values.py"
    module.write_text(module.read_text().replace("VALUE = 1", "VALUE = 2"))
    os.utime(module, (1_700_000_100, 1_700_000_100))
    assert start(tmp_path)[0] == 2
    assert start(tmp_path)[0] == 2  # kept anew (or read from disk), never the old code


def test_a_file_added_to_a_path_folder_makes_the_file_unused(tmp_path: Path) -> None:
    """A module put in a ``sys.path`` folder may shadow a kept one: nothing is served from a
    file written before the folder changed."""
    write_module(tmp_path, 1, 1_700_000_000)
    start(tmp_path)
    (tmp_path / "lib" / "other.py").write_text("")
    assert start(tmp_path)[3] == 0
    assert start(tmp_path)[3] > 0  # written again for the folders as they are


def test_a_damaged_file_only_costs_the_cache(tmp_path: Path) -> None:
    write_module(tmp_path, 1, 1_700_000_000)
    start(tmp_path)
    (file,) = cache_files(tmp_path)
    for junk in (b"", b"\x00garbage\xff" * 50, file.read_bytes()[:200]):
        file.write_bytes(junk)
        assert start(tmp_path)[:3] == (1, str(tmp_path / "lib/demo/values.py"), "HI!")
