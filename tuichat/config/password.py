"""Provides password resolution: a command, an environment variable, or the plain value.

Rule: a secret never reaches a log line or an error message; a failing command's stderr (which
may hold a token) is shown to the user as its first line only, shortened, and never logged.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import unicodedata

from tuichat.config.model import PasswordSource

PASSWORD_COMMAND_TIMEOUT = 10.0
"""Seconds a ``password_command`` may run before it and its children are killed."""
STDERR_SHOWN = 80
"""How much of a failing ``password_command``'s first stderr line the user is shown."""


class PasswordError(Exception):
    """The password could not be obtained; the message says why, without any secret.

    ``str(exc)`` is for the user and may end with ``detail`` (the first line of a failing
    command's stderr, shortened); ``reason`` leaves the detail out and is what may be logged.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    lines = text.splitlines()
    return lines[0] if lines else ""


def shorten(text: str, width: int = STDERR_SHOWN) -> str:
    """``text`` with control characters as spaces, stripped, cut to ``width`` with an ellipsis."""
    clean = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text).strip()
    return clean if len(clean) <= width else clean[: width - 1].rstrip() + "…"


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` and everything it started (it leads its own process group)."""
    with contextlib.suppress(ProcessLookupError):  # already gone, with its group
        os.killpg(process.pid, signal.SIGKILL)


def _run_password_command(command: str) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise PasswordError(f"password_command cannot be parsed: {exc}") from None
    if not argv:
        raise PasswordError("password_command is empty")
    try:
        # Its own session: on timeout we kill the whole group, so a child that keeps the
        # output pipe open (`sleep 300 &`) can neither make us wait nor outlive us.
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise PasswordError(f"password_command: {argv[0]!r} not found") from None
    except PermissionError:
        raise PasswordError(f"password_command: {argv[0]!r} is not executable") from None
    with process:
        try:
            stdout, stderr = process.communicate(timeout=PASSWORD_COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.wait()  # a child that escaped the group may hold the pipes: do not read
            raise PasswordError(
                f"password_command did not finish within {PASSWORD_COMMAND_TIMEOUT:g} s"
            ) from None
    if process.returncode != 0:
        failed = f"password_command {argv[0]!r} failed with exit code {process.returncode}"
        # Its stderr may hold a token: only the first line, shortened, and never in the log.
        raise PasswordError(failed, detail=shorten(_first_line(stderr)))
    password = _first_line(stdout)
    if not password:
        raise PasswordError(f"password_command {argv[0]!r} printed no password")
    return password


def resolve_password(source: PasswordSource) -> str:
    """The password ``source`` gives; raises :class:`PasswordError` in words, never the secret.

    A command runs without a shell (split with :func:`shlex.split`) and its first output line
    is the password. This blocks: call it from a worker thread in the UI.
    """
    if source.kind == "command":
        return _run_password_command(source.value)
    if source.kind == "env":
        value = os.environ.get(source.value)
        if not value:
            raise PasswordError(f"environment variable {source.value} is not set or empty")
        return value
    if not source.value:
        raise PasswordError("the password is empty")
    return source.value
