"""Provides ``tuichat config path`` and ``tuichat config check``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tuichat.cli import EXIT_OK, EXIT_USAGE, CliError
from tuichat.config import check_config
from tuichat.paths import Paths


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``config`` command and its subcommands."""
    parser = sub.add_parser(
        "config",
        help="show or check the config file",
        description="Show where the config file is, or check it for problems.",
    )
    parser.set_defaults(func=_missing_subcommand)
    actions = parser.add_subparsers(dest="config_command", metavar="SUBCOMMAND")
    path = actions.add_parser(
        "path",
        help="print the config file path",
        description="Print the path of the config file (honours --config and $TUICHAT_CONFIG).",
    )
    path.set_defaults(func=run_path)
    check = actions.add_parser(
        "check",
        help="check the config file, printing every problem",
        description=(
            "Check the config file. Prints each problem as FILE:LINE: key: what is wrong on "
            "stderr and exits 2, or prints FILE: OK and exits 0."
        ),
    )
    check.set_defaults(func=run_check)


def _missing_subcommand(args: argparse.Namespace) -> int:
    raise CliError("config: choose a subcommand: path or check (see tuichat config --help)", 2)


def run_path(args: argparse.Namespace) -> int:
    """Print the config file path."""
    print(Paths.default(args.config).config_file)
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    """Print every problem of the config file (exit 2), or ``FILE: OK``."""
    path = Paths.default(args.config).config_file
    problems = check_config(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_USAGE
    print(f"{path}: OK")
    return EXIT_OK
