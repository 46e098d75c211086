"""Provides ``tuichat run``, the default command: the full-screen chat client."""

from __future__ import annotations

import argparse
from typing import Any

from tuichat.cli import EXIT_OK
from tuichat.cli.context import load, new_bus, open_store


def register(sub: Any) -> None:
    """Add the ``run`` command."""
    parser = sub.add_parser(
        "run",
        help="start the chat client (the default)",
        description="Start the full-screen chat client. With no account configured it opens "
        "the account setup.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the app from config, store and connection manager, and run it."""
    paths, config = load(args)
    # Imported here so that headless commands never pay for (or depend on) Textual.
    from tuichat.ui.app import build_app
    from tuichat.xmpp.manager import ConnectionManager

    with open_store(paths) as store:
        manager = ConnectionManager(config.accounts, store, new_bus())
        app = build_app(config, paths, store, manager)
        app.run()
        if app.store_failure is not None:
            raise app.store_failure  # one line on stderr, exit 1 (see tuichat.cli.main)
    return app.return_code or EXIT_OK
