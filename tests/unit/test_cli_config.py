"""Tests for `tuichat config` and `tuichat account`: exit codes and output scripts rely on."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import XdgDirs
from tuichat.cli import main


def config_file(xdg: XdgDirs) -> Path:
    """Where the config lives under the test's XDG home."""
    return xdg.config / "tuichat" / "config.toml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `tuichat ARGV` in-process: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: --help and usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_config_path_follows_xdg_config_and_env(
    xdg: XdgDirs, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scripts find the file with `config path`; --config beats $TUICHAT_CONFIG beats XDG."""
    assert run(capsys, "config", "path") == (0, f"{config_file(xdg)}\n", "")
    monkeypatch.setenv("TUICHAT_CONFIG", str(xdg.home / "env.toml"))
    assert run(capsys, "config", "path")[1] == f"{xdg.home / 'env.toml'}\n"
    code, out, _ = run(capsys, "--config", str(xdg.home / "opt.toml"), "config", "path")
    assert (code, out) == (0, f"{xdg.home / 'opt.toml'}\n")


def test_config_check_ok(xdg: XdgDirs, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid file: exit 0 and `FILE: OK` on stdout."""
    path = config_file(xdg)
    path.parent.mkdir()
    path.write_text('[ui]\ntheme = "dark"\n')
    assert run(capsys, "config", "check") == (0, f"{path}: OK\n", "")


def test_config_check_missing_file(xdg: XdgDirs, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file is a problem (exit 2): the script probably has the wrong path."""
    code, out, err = run(capsys, "config", "check")
    assert (code, out) == (2, "")
    assert err.startswith(f"{config_file(xdg)}: file: does not exist")


def test_config_check_prints_every_problem(
    xdg: XdgDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each problem on its own stderr line as FILE:LINE: key: message, exit 2."""
    path = config_file(xdg)
    path.parent.mkdir()
    path.write_text('[ui]\nbell = "no"\n[[account]]\njid = "a@x.test"\nport = 0\n')
    code, out, err = run(capsys, "config", "check")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [f"{path}:2", "ui.bell"],
        [f"{path}:3", "account"],
        [f"{path}:5", "account.port"],
    ]


def test_account_add_list_remove(xdg: XdgDirs, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole scripted set-up round trip, with 0 exits and no password in any output."""
    code, out, err = run(
        capsys,
        "account",
        "add",
        "Alice@Example.test",
        "--password-command",
        "pass show xmpp/alice",
        "--host",
        "127.0.0.1",
        "--port",
        "25222",
        "--direct-tls",
        "--resource",
        "laptop",
        "--disabled",
    )
    assert (code, err) == (0, "")
    assert "alice@example.test" in out
    assert run(capsys, "account", "add", "bob@example.test", "--password-env", "BOB")[0] == 0

    code, out, _ = run(capsys, "account", "list", "--json")
    assert code == 0
    assert json.loads(out) == [
        {
            "jid": "alice@example.test",
            "enabled": False,
            "host": "127.0.0.1",
            "port": 25222,
            "tls": "direct",
            "resource": "laptop",
            "password_source": "command",
        },
        {
            "jid": "bob@example.test",
            "enabled": True,
            "host": None,
            "port": None,
            "tls": "starttls",
            "resource": "tuichat",
            "password_source": "env",
        },
    ]
    code, out, _ = run(capsys, "account", "list")
    assert out.splitlines()[0].split("\t")[:2] == ["alice@example.test", "disabled"]

    assert run(capsys, "account", "remove", "ALICE@example.test")[0] == 0
    assert [a["jid"] for a in json.loads(run(capsys, "account", "list", "--json")[1])] == [
        "bob@example.test"
    ]


def test_password_stdin_is_stored_private_and_never_printed(
    xdg: XdgDirs, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--password-stdin keeps the secret out of argv and output, in a 0600 file."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret pw\n"))
    code, out, err = run(capsys, "account", "add", "c@x.test", "--password-stdin")
    assert code == 0
    path = config_file(xdg)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert 'password = "s3cret pw"' in path.read_text()
    code, out, err = run(capsys, "account", "list", "--json")
    assert "s3cret" not in out + err
    assert run(capsys, "config", "check")[0] == 0


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["account", "add", "a b@x.test", "--password-env", "P"], "space"),
        (["account", "add", "x.test", "--password-env", "P"], "user name"),
        (["account", "add", "a@x.test"], "one of the arguments"),
        (["account", "add", "a@x.test", "--password-env", "P", "--password-stdin"], "not allowed"),
        (["account", "add", "a@x.test", "--password-env", "P", "--port", "70000"], "out of range"),
        (["account", "add", "a@x.test", "--password-env", "P", "--port", "x"], "not a number"),
        (["account", "add", "a@x.test", "--password-env", "1P"], "not a name"),
        (["account", "add", "a@x.test", "--password-command", "'"], "password-command"),
        (["account", "add", "a@x.test", "--password-env", "P", "--ca-file", "/nope"], "no such"),
        (["account", "add", "a@x.test", "--password-env", "P", "--host", "a b"], "host"),
        (["account", "remove", "zed@x.test"], "no account zed@x.test"),
        (["account"], "choose a subcommand"),
        (["config"], "choose a subcommand"),
        (["config", "frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    xdg: XdgDirs, capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    """Bad input is exit 2 and exactly one clear line on stderr."""
    code, _out, err = run(capsys, *argv)
    assert code == 2
    assert len(err.splitlines()) == 1 and fragment in err
    assert not config_file(xdg).exists() or "remove" in argv


def test_duplicate_account_exits_2(xdg: XdgDirs, capsys: pytest.CaptureFixture[str]) -> None:
    """Adding an account twice is refused, not duplicated."""
    assert run(capsys, "account", "add", "a@x.test", "--password-env", "P")[0] == 0
    code, _, err = run(capsys, "account", "add", "A@X.test", "--password-env", "Q")
    assert code == 2 and "already exists" in err and len(err.splitlines()) == 1


def test_list_on_broken_config_exits_2(xdg: XdgDirs, capsys: pytest.CaptureFixture[str]) -> None:
    """A broken config is reported in one line that points at `config check`."""
    path = config_file(xdg)
    path.parent.mkdir()
    path.write_text("[ui\n")
    code, out, err = run(capsys, "account", "list")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and f"{path}:1: toml: syntax error" in err


def test_list_without_config_is_empty(xdg: XdgDirs, capsys: pytest.CaptureFixture[str]) -> None:
    """No config yet: no accounts, success."""
    assert run(capsys, "account", "list", "--json") == (0, "[]\n", "")


def test_write_failure_exits_1(
    xdg: XdgDirs, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure that is not the user's input (disk full) is exit 1 with one line."""

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    code, _, err = run(capsys, "account", "add", "a@x.test", "--password-env", "P")
    assert code == 1
    assert err.splitlines() == [
        f"tuichat: cannot write {config_file(xdg)}: No space left on device"
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["config", "--help"],
        ["config", "path", "--help"],
        ["config", "check", "--help"],
        ["account", "--help"],
        ["account", "add", "--help"],
        ["account", "list", "--help"],
        ["account", "remove", "--help"],
        ["account", "register", "--help"],
    ],
)
def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """`--help` works everywhere and exits 0."""
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.startswith("usage: tuichat")


def test_check_in_subprocess_prints_no_traceback(xdg: XdgDirs, tmp_path: Path) -> None:
    """The real command on a broken file: exit 2, problem lines, never a Python traceback."""
    path = tmp_path / "broken.toml"
    path.write_text('[[account]]\njid = "a@@x"\nport = "high"\n= oops\n')
    done = subprocess.run(
        [sys.executable, "-m", "tuichat", "--config", str(path), "config", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{path}:4: toml: syntax error")
