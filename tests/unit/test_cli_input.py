"""Hostile command-line and config input: exit 2 with the argument's name or FILE[:LINE].

Numbers on the command line are bounded and finite; the config must be a regular file of
sane size and nesting. The config cases run the real command in a subprocess with a timeout,
because the bugs they guard against are a hang (a FIFO) and unbounded memory (/dev/zero).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness import XdgDirs
from tests.integration.cli_helpers import env_for
from tuichat.cli import main
from tuichat.cli.args import MAX_LIMIT, MAX_TIMEOUT, bounded_int, seconds
from tuichat.config.read import MAX_CONFIG_BYTES, deepest_line, read_config_bytes

# --- the argparse types, table-driven ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1), ("50", 50), (" 7 ", 7), (str(MAX_LIMIT), MAX_LIMIT)],
)
def test_bounded_int_accepts(text: str, value: int) -> None:
    assert bounded_int(1, MAX_LIMIT)(text) == value


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0", "out of range"),
        ("-3", "out of range"),
        (str(MAX_LIMIT + 1), "out of range"),
        ("99999999999999999999", "out of range"),
        pytest.param("9" * 5000, "out of range", id="5000 digits (past int()'s limit)"),
        ("1.5", "not a whole number"),
        ("ten", "not a whole number"),
        ("", "not a whole number"),
    ],
)
def test_bounded_int_refuses(text: str, words: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=words) as info:
        bounded_int(1, MAX_LIMIT)(text)
    assert len(str(info.value)) < 120


@pytest.mark.parametrize(("text", "value"), [("0.5", 0.5), ("60", 60.0), ("86400", MAX_TIMEOUT)])
def test_seconds_accepts(text: str, value: float) -> None:
    assert seconds(text) == value


@pytest.mark.parametrize(
    "text", ["-5", "0", "-0", "nan", "NaN", "inf", "-inf", "1e999", "86401", "abc", ""]
)
def test_seconds_refuses(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        seconds(text)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a = 1\n", 1),
        ("a = [1]\nb = [[[2]]]\n", 2),
        ("a = '[[[['\nb = [\n [\n  [1]\n ]\n]\n", 4),
        ('x = "{{{{"\n[t]\ny = {z = [1]}\n', 3),
        ("# [[[[[[\n[t]\n", 2),
    ],
)
def test_deepest_line(text: str, line: int) -> None:
    assert deepest_line(text) == line


# --- numeric arguments through the command -----------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run `tuichat ARGV` in-process: (exit code, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (("history", "bob@example.org", "--limit", "99999999999999999999"), "--limit"),
        (("history", "bob@example.org", "--limit", "0"), "--limit"),
        (("history", "bob@example.org", "--limit", "-1"), "--limit"),
        (("search", "hello", "--limit", "99999999999999999999"), "--limit"),
        (("search", "hello", "--limit", "x"), "--limit"),
        (("sync", "--timeout", "-5"), "--timeout"),
        (("sync", "--timeout", "nan"), "--timeout"),
        (("sync", "--timeout", "inf"), "--timeout"),
        (("sync", "--timeout", "0"), "--timeout"),
        (("send", "bob@example.org", "hi", "--timeout", "-5"), "--timeout"),
        (("send", "bob@example.org", "hi", "--timeout", "nan"), "--timeout"),
        (("send", "bob@example.org", "hi", "--timeout", "1e999"), "--timeout"),
        (("account", "add", "a@example.org", "--password-env", "X", "--port", "70000"), "--port"),
    ],
)
def test_bad_numbers_exit_2_naming_the_argument(
    xdg: XdgDirs, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], name: str
) -> None:
    code, err = run(capsys, *argv)
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert f"argument {name}:" in err
    assert "Traceback" not in err


# --- the config file -----------------------------------------------------------------------------


def tuichat(xdg: XdgDirs, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command, bounded in time (a hang is a failure, not a stuck test run)."""
    return subprocess.run(
        [sys.executable, "-m", "tuichat", *args],
        capture_output=True,
        text=True,
        env=env_for(xdg),
        timeout=30,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _directory(path: Path) -> None:
    path.mkdir()


def _too_large(path: Path) -> None:
    path.write_text("# padding\n" * (MAX_CONFIG_BYTES // 10 + 1))


def _deeply_nested(path: Path) -> None:
    path.write_text('[ui]\ntheme = "dark"\n\nx = ' + "[" * 3000 + "]" * 3000 + "\n")


CONFIGS: dict[str, tuple[Callable[[Path], None], str]] = {
    "a FIFO": (_fifo, ": file: is a FIFO (named pipe), not a regular file"),
    "a symlink to /dev/zero": (_dev_zero, ": file: is a character device, not a regular file"),
    "a directory": (_directory, ": file: is a directory, not a regular file"),
    "over 1 MiB": (_too_large, ": file: is larger than 1 MiB"),
    "nested 3000 deep": (_deeply_nested, ":4: toml: arrays or tables are nested too deeply"),
}


@pytest.mark.parametrize("kind", list(CONFIGS))
@pytest.mark.parametrize(
    "command",
    [("config", "check"), ("history", "bob@example.org"), ("sync",), ("account", "list"), ()],
)
def test_a_config_that_is_not_a_sane_file_exits_2_naming_it(
    xdg: XdgDirs, tmp_path: Path, kind: str, command: tuple[str, ...]
) -> None:
    """Never a hang, a traceback or unbounded memory: one line, FILE[:LINE], exit 2."""
    path = tmp_path / "config.toml"
    make, words = CONFIGS[kind]
    make(path)
    result = tuichat(xdg, "--config", str(path), *command)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert f"{path}{words}" in result.stderr


def test_read_config_bytes_reads_a_regular_file_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text("[ui]\n")
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    data, status = read_config_bytes(link)
    assert data == b"[ui]\n"
    assert status.st_size == 5


# --- user themes: files beside the config, read the same way --------------------------------------


def test_user_themes_that_are_not_sane_files_are_reported_not_read(tmp_path: Path) -> None:
    """A FIFO, /dev/zero, a huge or a deeply nested theme: a problem each, never a hang."""
    from tuichat.ui.themes import load_themes

    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    _too_large(tmp_path / "huge.toml")
    (tmp_path / "deep.toml").write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    (tmp_path / "fine.toml").write_text('name = "fine"\nprimary = "#336699"\n')
    loaded = load_themes([tmp_path])
    assert set(loaded.themes) == {"fine"}
    problems = sorted(loaded.problems)
    assert problems == [
        f"{tmp_path / 'deep.toml'}: arrays or tables are nested too deeply",
        f"{tmp_path / 'fifo.toml'}: is a FIFO (named pipe), not a regular file",
        f"{tmp_path / 'huge.toml'}: is larger than 1 MiB",
        f"{tmp_path / 'zero.toml'}: is a character device, not a regular file",
    ]
