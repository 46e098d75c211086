"""Missing XDG base directories are created 0700 whatever the umask (the XDG spec's rule)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tuichat.paths import private_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def tuichat_with_umask(home: Path, umask: str, *args: str, stdin: str = "") -> None:
    """Run the real command under ``umask``, with HOME and no XDG_* variables at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.pop("TUICHAT_CONFIG", None)
    env["HOME"] = str(home)
    env["TUICHAT_TEST_PASSWORD"] = "secret"
    command = " ".join(["umask", umask, ";", "exec", '"$0"', "-m", "tuichat", '"$@"'])
    result = subprocess.run(
        ["sh", "-c", command, sys.executable, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("umask", ["000", "022", "277"])
def test_the_real_command_creates_missing_base_directories_0700(tmp_path: Path, umask: str) -> None:
    """`account add` then `history` under the umask: every folder they made is 0700."""
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    tuichat_with_umask(home, umask, "account", "add", "me@example.org", "--password-env", "X")
    tuichat_with_umask(home, umask, "history", "bob@example.org")
    made = sorted(p for p in home.rglob("*") if p.is_dir())
    expected = {
        home / ".config",
        home / ".config" / "tuichat",
        home / ".local",
        home / ".local" / "share",
        home / ".local" / "share" / "tuichat",
        home / ".local" / "state",
        home / ".local" / "state" / "tuichat",
    }
    assert expected <= set(made)
    assert {str(p.relative_to(home)): oct(mode(p)) for p in made} == {
        str(p.relative_to(home)): oct(0o700) for p in made
    }
    assert mode(home) == 0o755  # what existed is not ours to change


def test_private_dir_leaves_existing_parents_alone(tmp_path: Path) -> None:
    parent = tmp_path / "shared"
    parent.mkdir(mode=0o755)
    os.chmod(parent, 0o755)
    private_dir(parent / "a" / "b")
    assert mode(parent) == 0o755
    assert mode(parent / "a") == 0o700
    assert mode(parent / "a" / "b") == 0o700


def test_private_dir_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(OSError):
        private_dir(tmp_path / "file" / "sub")
