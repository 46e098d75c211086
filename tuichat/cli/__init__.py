"""Provides the ``tuichat`` command: runs the app, or a headless subcommand for scripts.

Exit codes: 0 success, 2 bad input or a bad config, 1 any other failure. Errors are one line
on stderr, never a traceback. Each subcommand lives in its own module with a
``register(subparsers)`` function that adds its parser and sets ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from tuichat import __version__
from tuichat.heap import resume_collector
from tuichat.store.errors import StoreError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

# Subcommand modules, in the order they appear in --help.
SUBCOMMANDS = (
    "tuichat.cli.run",
    "tuichat.cli.config_cmd",
    "tuichat.cli.account_cmd",
    "tuichat.cli.sync_cmd",
    "tuichat.cli.send_file",
    "tuichat.cli.history_cmd",
    "tuichat.cli.contact_cmd",
    "tuichat.cli.disco_cmd",
    "tuichat.cli.feed_cmd",
    "tuichat.cli.command_cmd",
    "tuichat.cli.gateway_cmd",
    "tuichat.cli.omemo_cmd",
    "tuichat.cli.actions_cmd",
)


class CliError(Exception):
    """A failure to report in one line; ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(*, subcommands: bool = True) -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand registered (``subcommands=False``: the
    global options only, for a bare ``tuichat``, which runs the chat client)."""
    parser = _Parser(prog="tuichat", description="A fast, keyboard-driven terminal XMPP client.")
    parser.add_argument("--version", action="version", version=f"tuichat {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file to use (default: $TUICHAT_CONFIG, else the XDG config dir)",
    )
    parser.add_argument("--debug", action="store_true", help="log at debug level (bodies too)")
    if not subcommands:
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run tuichat with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    # Library log records never reach the terminal (Python's last-resort handler would print
    # slixmpp's warnings on stderr); commands that load the config add the log file.
    logging.getLogger().addHandler(logging.NullHandler())
    argv = sys.argv[1:] if argv is None else list(argv)
    # A bare `tuichat` (the chat client) need not import and build every subcommand's parser.
    args = build_parser(subcommands=bool(argv)).parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:  # the app: it resumes the cycle collector once it has started
        func = importlib.import_module("tuichat.cli.run").run
    else:
        resume_collector()
    try:
        return int(func(args))
    except CliError as exc:
        print(f"tuichat: {exc}", file=sys.stderr)
        return exc.code
    except StoreError as exc:
        print(f"tuichat: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("tuichat: interrupted", file=sys.stderr)
        return 130
