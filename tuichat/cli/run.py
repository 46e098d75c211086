"""Provides ``tuichat run``, the default command: the full-screen chat client."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tuichat.bus import EventBus
from tuichat.cli import EXIT_OK
from tuichat.cli.context import load, new_bus, open_store
from tuichat.config import AccountConfig
from tuichat.encryption_policy import conversation_encryption, device_list_key, lists_devices
from tuichat.lazy_client import LazyClient
from tuichat.model import Encryption
from tuichat.store import Store

if TYPE_CHECKING:
    from tuichat.client import ChatClient

FRAME_RATE = 120
"""Textual's frame limit (``TEXTUAL_FPS``; 60 by default). While a room scrolls, a keystroke's
frame waits for the limiter: at 60 its p95 was ~30 ms under 200 msg/s, at 120 ~16 ms
(``bench_ui_room.py``). Idle, nothing is drawn either way. A user's own ``TEXTUAL_FPS`` wins."""


def use_frame_rate() -> None:
    """Set the frame limit, before Textual is first imported (it reads it then)."""
    os.environ.setdefault("TEXTUAL_FPS", str(FRAME_RATE))


def register(sub: Any) -> None:
    """Add the ``run`` command."""
    parser = sub.add_parser(
        "run",
        help="start the chat client (the default)",
        description="Start the full-screen chat client. With no account configured it opens "
        "the account setup.",
    )
    parser.set_defaults(func=run)


def manager_factory(store: Store, bus: EventBus) -> Callable[[Sequence[AccountConfig]], ChatClient]:
    """Builds the connection manager when first needed: slixmpp is imported then, not before.

    The app asks for it after its first frame (``client.start()``), so the frame never waits
    for the XMPP library.
    """

    def build(accounts: Sequence[AccountConfig]) -> ChatClient:
        from tuichat.xmpp.manager import ConnectionManager

        return ConnectionManager(accounts, store, bus)

    return build


def run(args: argparse.Namespace) -> int:
    """Build the app from config, store and a client that connects after the first frame."""
    paths, config = load(args)
    use_frame_rate()
    # Imported here so that headless commands never pay for (or depend on) Textual.
    from tuichat.ui.app import build_app

    with open_store(paths) as store:
        bus = new_bus()
        client = LazyClient(
            config.accounts,
            bus,
            manager_factory(store, bus),
            encryption=stored_encryption(store, config.accounts),
        )
        app = build_app(config, paths, store, client)
        app.run()
        if app.store_failure is not None:
            raise app.store_failure  # one line on stderr, exit 1 (see tuichat.cli.main)
    return app.return_code or EXIT_OK


def stored_encryption(
    store: Store, accounts: Sequence[AccountConfig]
) -> Callable[[str, str], Encryption]:
    """How a conversation sends, from the store alone (before the XMPP layer is loaded): the
    same rule the session follows (:mod:`tuichat.encryption_policy`)."""
    omemo_on = {a.jid: a.omemo for a in accounts}

    def encryption(account: str, conversation: str) -> Encryption:
        return conversation_encryption(
            omemo_on=omemo_on.get(account, False),
            chosen=store.conversation_encryption(account, conversation),
            last_incoming=store.last_incoming_encryption(account, conversation),
            publishes=lists_devices(store.load_key(account, device_list_key(conversation))),
        )

    return encryption
