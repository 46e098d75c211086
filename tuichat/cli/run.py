"""Provides ``tuichat run``, the default command (a placeholder until the UI is built)."""

from __future__ import annotations

import argparse
from typing import Any

from tuichat.cli import CliError


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``run`` command."""
    parser = sub.add_parser("run", help="start the chat client (default)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start the chat client."""
    raise CliError("the user interface is not built yet", 1)
