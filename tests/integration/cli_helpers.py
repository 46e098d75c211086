"""Provides helpers to run the real `tuichat` command (a subprocess) against the test server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.harness import XdgDirs
from tests.harness.prosody import ProsodyServer


def env_for(xdg: XdgDirs) -> dict[str, str]:
    """The environment of a tuichat process confined to the test's XDG dirs."""
    env = dict(os.environ)
    env.update(
        HOME=str(xdg.home),
        XDG_CONFIG_HOME=str(xdg.config),
        XDG_DATA_HOME=str(xdg.data),
        XDG_STATE_HOME=str(xdg.state),
    )
    env.pop("TUICHAT_CONFIG", None)
    return env


def tuichat(
    xdg: XdgDirs, *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `python -m tuichat ARGS` and return the finished process (text mode)."""
    return subprocess.run(
        [sys.executable, "-m", "tuichat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env_for(xdg),
        timeout=timeout,
        check=False,
    )


def popen(xdg: XdgDirs, *args: str) -> subprocess.Popen[str]:
    """Start `python -m tuichat ARGS` without waiting."""
    return subprocess.Popen(
        [sys.executable, "-m", "tuichat", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(xdg),
    )


def add_account(
    xdg: XdgDirs, server: ProsodyServer, jid: str, password: str, port: int | None = None
) -> None:
    """`tuichat account add` pointing at the test server (password from stdin, CA trusted)."""
    result = tuichat(
        xdg,
        "account", "add", jid, "--password-stdin",
        "--host", server.host, "--port", str(port or server.starttls_port),
        "--ca-file", str(server.ca_file),
        stdin=password + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def history(xdg: XdgDirs, jid: str, *extra: str) -> list[dict[str, Any]]:
    """`tuichat history JID --json`, parsed."""
    result = tuichat(xdg, "history", jid, "--json", *extra)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def config_file(xdg: XdgDirs) -> Path:
    """Where the test's config file lives."""
    return xdg.config / "tuichat" / "config.toml"
