"""Pilot test of the disco browser and the Feeds view against the real Prosody: a node found
in the browser, opened and subscribed to from the keyboard, and a new entry published by a
peer showing in the Feeds view within a second."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.harness.peer import Peer
from tests.harness.prosody import PUBSUB_DOMAIN, ProsodyServer, TestAccount
from tests.integration.feeds_helpers import (
    PUBLISHER,
    PUBLISHER_PASSWORD,
    atom,
    make_node,
    services_server,
)
from tests.ui.test_disco_feeds import entry_texts, highlight, text_of, tree_lines
from tests.ui.test_live_prosody import live_app, until
from tuichat.ui.dialogs.disco_browser import DiscoBrowser
from tuichat.ui.dialogs.feeds_view import FeedsView


async def test_subscribed_feed_shows_a_new_entry_within_a_second(
    tmp_path: Path, prosody_factory: Callable[..., ProsodyServer]
) -> None:
    """/disco the PubSub service, open its node (f), subscribe (s); a peer publishes: the entry
    is in the Feeds view within a second, and search finds it."""
    server = services_server(prosody_factory)
    me = TestAccount(*server.new_account("feeder"))
    async with (
        Peer.connect(server, PUBLISHER, PUBLISHER_PASSWORD) as peer,
        live_app(tmp_path, server, me) as live,
    ):
        pubsub: Any = await make_node(peer, "live")
        await pubsub.publish(PUBSUB_DOMAIN, "live", id="one", payload=atom(1, "First light"))
        pilot = live.pilot
        await live.line(f"/disco {PUBSUB_DOMAIN}")
        await until(pilot, lambda: isinstance(pilot.app.screen, DiscoBrowser), what="browser")
        await until(pilot, lambda: len(tree_lines(pilot)) > 1, what="the service's nodes")
        await highlight(pilot, "live")
        await until(pilot, lambda: "f open the feed" in text_of(pilot, "#disco-status"))
        await pilot.press("f")
        await until(pilot, lambda: isinstance(pilot.app.screen, FeedsView), what="Feeds view")
        await until(pilot, lambda: "First light" in "".join(entry_texts(pilot)), what="read")
        await pilot.press("s")
        await until(pilot, lambda: "subscribed to live" in text_of(pilot, "#feeds-status"))

        started = time.monotonic()
        await pubsub.publish(PUBSUB_DOMAIN, "live", id="two", payload=atom(2, "Second wind"))
        await until(pilot, lambda: "Second wind" in entry_texts(pilot)[0], what="live entry")
        elapsed = time.monotonic() - started
        print(f"published → shown in the Feeds view: {elapsed * 1000:.0f} ms")
        assert elapsed < 1.0
        assert [m.body.split("\n")[0] for m in live.store.search("wind")] == ["Second wind"]
