"""Provides argparse types for numbers on the command line: bounded, finite, named in errors.

argparse turns an :class:`argparse.ArgumentTypeError` into ``argument --limit: MESSAGE`` and
exit 2, so every message here says what was wrong and what would be right.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable

MAX_LIMIT = 10_000_000
"""The largest ``--limit`` (far more messages than a terminal can show)."""

MAX_TIMEOUT = 86_400.0
"""The longest ``--timeout``, in seconds (a day)."""


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        digits = text.strip().removeprefix("-").removeprefix("+")
        if digits.isdecimal() and len(digits) > len(str(max(abs(low), abs(high)))):
            raise argparse.ArgumentTypeError(f"{_short(text)} is out of range ({low}–{high})")
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{_short(text)!r} is not a whole number ({low}–{high})"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{_short(text)} is out of range ({low}–{high})")
        return value

    parse.__name__ = "whole number"
    return parse


def seconds(text: str) -> float:
    """An argparse type: a duration in seconds, finite, more than 0 and at most a day."""
    try:
        value = float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_short(text)!r} is not a number of seconds") from None
    if not math.isfinite(value) or not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(
            f"{_short(text)} is out of range (more than 0, at most {MAX_TIMEOUT:g} seconds)"
        )
    return value


def _short(text: str) -> str:
    """``text`` cut to 30 characters, for an error message."""
    return text if len(text) <= 30 else text[:27] + "..."


def add_online_options(
    parsers: Iterable[argparse.ArgumentParser], timeout: float, *, account: bool = True
) -> None:
    """``--account JID`` (unless ``account`` is false) and ``--timeout S`` on each of the
    subcommands of a command that goes online."""
    for parser in parsers:
        if account:
            parser.add_argument("--account", metavar="JID", help="account (needed with several)")
        parser.add_argument(
            "--timeout", type=seconds, default=timeout, metavar="S", help="give up after S"
        )
