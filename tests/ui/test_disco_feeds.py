"""Pilot tests of the disco browser, the Feeds view and the server contacts in Accounts, over the
FakeClient's canned services (``services_app``); snapshots at 80x24."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList, Static, Tree

from tests.ui.conftest import UI, make_ui
from tests.ui.services_app import (
    GATEWAY,
    HOSTILE,
    ME,
    MUC,
    PUBSUB,
    ROOM,
    SERVER,
    entry,
    seed_services,
)
from tests.ui.test_commands import run_line
from tests.ui.test_snapshots import steady
from tuichat.forms import Field, FieldType, Form
from tuichat.gateway_client import Registration
from tuichat.model import ConnectionState
from tuichat.ui.dialogs.data_form import DataFormScreen
from tuichat.ui.dialogs.disco_browser import DiscoBrowser
from tuichat.ui.dialogs.feeds_view import FeedsView
from tuichat.ui.dialogs.room_picker import RoomPicker
from tuichat.ui.messages import ServiceActionRequested
from tuichat.ui.screens.accounts import AccountsScreen
from tuichat.ui.screens.main import MainScreen


def _ui(tmp_path: Path) -> UI:
    ui = make_ui(tmp_path)
    seed_services(ui.client)
    return ui


def text_of(pilot: Pilot[None], selector: str) -> str:
    """The plain text a Static shows."""
    return str(pilot.app.screen.query_one(selector, Static).render())


def tree_lines(pilot: Pilot[None]) -> list[str]:
    """The tree's visible node labels."""
    tree: Tree[Any] = pilot.app.screen.query_one(Tree)
    return [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]  # type: ignore[union-attr]


async def wait_for(pilot: Pilot[None], cond: Any, timeout: float = 2.0) -> None:
    """Pause until ``cond()`` holds (workers and messages run meanwhile)."""
    waited = 0.0
    while not cond():
        assert waited < timeout, "condition not met in time"
        await pilot.pause(0.02)
        waited += 0.02


async def open_disco(
    pilot: Pilot[None], line: str = "/disco", *, items: bool = True
) -> DiscoBrowser:
    """Run ``/disco`` and wait until the entity's info (and items) are shown."""
    await run_line(pilot, line)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DiscoBrowser))
    browser = pilot.app.screen
    assert isinstance(browser, DiscoBrowser)
    if items:
        await wait_for(pilot, lambda: len(tree_lines(pilot)) > 1)
    await wait_for(pilot, lambda: "Identities" in text_of(pilot, "#disco-details"))
    return browser


async def highlight(pilot: Pilot[None], label: str) -> None:
    """Move the tree's cursor down to the node whose label starts with ``label``."""
    for _ in range(20):
        tree: Tree[Any] = pilot.app.screen.query_one(Tree)
        node = tree.cursor_node
        if node is not None and str(node.label).startswith(label):
            await wait_for(pilot, lambda: "Identities" in text_of(pilot, "#disco-details"))
            return
        await pilot.press("down")
        await pilot.pause(0.05)
    raise AssertionError(f"no node {label!r} in {tree_lines(pilot)}")


async def test_disco_shows_identities_features_and_items(tmp_path: Path) -> None:
    """/disco opens on the account's server: its identity, features, and its items as a tree;
    a hostile name is shown as text, not as markup or an escape sequence."""
    ui = _ui(tmp_path)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_disco(pilot)
        details = text_of(pilot, "#disco-details")
        assert "server/im  Prosody" in details
        assert "urn:xmpp:ping" in details and "Features (4)" in details
        lines = tree_lines(pilot)
        assert lines[0].startswith(SERVER)
        assert [line.split()[0] for line in lines[1:4]] == ["Chatrooms", "News", "IRC"]
        assert "red[/b] [bold]x" in lines[4] and "\x1b" not in lines[4]
        assert (SERVER, "") in ui.client.disco_data.asked


async def test_disco_joins_a_room_found_in_the_tree(tmp_path: Path) -> None:
    """Open the chat service, highlight its room, press j: the room is joined."""
    ui = _ui(tmp_path)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_disco(pilot)
        await highlight(pilot, "Chatrooms")
        await pilot.press("j")  # a service is not a room: refused in words, browser stays
        await pilot.pause(0.05)
        assert "does not offer to join" in text_of(pilot, "#disco-status")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("Developers" in line for line in tree_lines(pilot)))
        await highlight(pilot, "Developers")
        assert "j join the room" in text_of(pilot, "#disco-status")
        await pilot.press("j")
        await wait_for(pilot, lambda: bool(ui.client.called("join_room")))
        assert ui.client.called("join_room")[0][1:3] == (ME, ROOM)
        assert not isinstance(pilot.app.screen, DiscoBrowser)


async def test_disco_commands_and_register_are_handed_to_their_features(
    tmp_path: Path,
) -> None:
    """c and g on a gateway close the browser with ServiceActionRequested; the app hands it
    to the ad-hoc commands (the gateway's command list) and to gateway registration (its
    form in the form screen, sent filled in)."""
    ui = _ui(tmp_path)
    ui.client.command_lists[GATEWAY] = [("hello", "Say hello"), ("configure", "Configure")]
    username = Field("username", FieldType.TEXT_SINGLE, label="Nick", required=True)
    ui.client.gateway_data.forms[GATEWAY] = Registration(Form(fields=(username,)))
    posted: list[ServiceActionRequested] = []

    def hook(message: object) -> None:
        if isinstance(message, ServiceActionRequested):
            posted.append(message)

    async with ui.app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await open_disco(pilot, f"/disco {GATEWAY}", items=False)
        assert "c run a command · g register" in text_of(pilot, "#disco-status")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RoomPicker))
        await wait_for(pilot, lambda: bool(ui.client.called("list_commands")))
        assert ui.client.called("list_commands") == [("list_commands", ME, GATEWAY)]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, MainScreen))

        await open_disco(pilot, f"/disco {GATEWAY}", items=False)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DataFormScreen))
        assert "Register with irc.example.org" in text_of(pilot, "#form-heading")
        await pilot.press("ctrl+s")  # the nick is required: refused in place
        await pilot.pause(0.05)
        assert isinstance(pilot.app.screen, DataFormScreen)
        assert ui.client.called("register_gateway") == []
        for char in "bob":
            await pilot.press(char)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: GATEWAY in ui.client.gateway_data.registered)
        assert ui.client.gateway_data.registered[GATEWAY].values() == {"username": ("bob",)}
        assert [(m.account, m.action, m.jid) for m in posted] == [
            (ME, "command", GATEWAY),
            (ME, "register", GATEWAY),
        ]


async def open_news(pilot: Pilot[None]) -> FeedsView:
    """From the browser, open the news node of the PubSub service as a feed."""
    await open_disco(pilot)
    await highlight(pilot, "News")
    await pilot.press("enter")
    await wait_for(pilot, lambda: any("Project news" in line for line in tree_lines(pilot)))
    await highlight(pilot, "Project news")
    await pilot.press("f")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FeedsView))
    view = pilot.app.screen
    assert isinstance(view, FeedsView)
    await wait_for(pilot, lambda: len(view.entries) == 3)
    return view


def entry_texts(pilot: Pilot[None]) -> list[str]:
    """The entries as the list shows them, top first."""
    listing = pilot.app.screen.query_one("#feed-entries", OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_feed_opened_from_disco_lists_entries_and_takes_new_ones_live(
    tmp_path: Path,
) -> None:
    """f on a node reads it; entries show title, author, date and summary, newest first; a
    notification shows its entry at once; s and u subscribe and unsubscribe."""
    ui = _ui(tmp_path)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_news(pilot)
        assert ui.client.called("read_feed") == [("read_feed", ME, PUBSUB, "news")]
        texts = entry_texts(pilot)
        assert texts[2].startswith("● Version 1.0 released\n  Pat · 2025-03-03 10:00\n")
        assert "The first stable version is out." in texts[2]
        assert "red[/b] [bold]x" in texts[0] and "\x1b" not in texts[0]
        assert ui.store.feeds(ME)[0].unread == 0  # seen: marked read

        await pilot.press("s")
        await wait_for(pilot, lambda: bool(ui.client.called("subscribe_feed")))
        ui.client.notify_entries(ME, PUBSUB, "news", [entry(4, "Live entry", "Ann")])
        await wait_for(pilot, lambda: "Live entry" in entry_texts(pilot)[0], timeout=1.0)
        assert "1 new entry in news" in text_of(pilot, "#feeds-status")
        await pilot.press("u")
        await wait_for(pilot, lambda: bool(ui.client.called("unsubscribe_feed")))


async def test_feeds_view_counts_unread_of_other_feeds(tmp_path: Path) -> None:
    """/feeds lists every feed held; a new entry of a feed not in view counts as unread."""
    ui = _ui(tmp_path)
    ui.store.save_feed_entries(ME, [entry(1, "Old news")])
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await run_line(pilot, "/feeds")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FeedsView))
        other = entry(9, "Release 2")
        other = type(other)(PUBSUB, "releases", "r2", "Release 2", "Pat", other.published)
        ui.client.notify_entries(ME, PUBSUB, "releases", [other])
        listing = pilot.app.screen.query_one("#feeds-list", OptionList)
        await wait_for(pilot, lambda: listing.option_count == 2)
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(2)]
        assert prompts[0].startswith("releases (1)")
        assert prompts[1].startswith("news\n")


async def test_accounts_view_shows_the_servers_contact_addresses(tmp_path: Path) -> None:
    """A connected account's server contacts (XEP-0157) are shown under the table."""
    ui = _ui(tmp_path)
    ui.client.states[ME] = (ConnectionState.CONNECTED, "")
    async with ui.app.run_test(size=(100, 24)) as pilot:
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AccountsScreen))
        await wait_for(pilot, lambda: "Server contacts" in text_of(pilot, "#accounts-note"))
        note = text_of(pilot, "#accounts-note")
        assert "abuse mailto:abuse@example.org · admin xmpp:admin@example.org" in note


def test_disco_browser_snapshot(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The browser at 80x24: the server's items, the PubSub service highlighted and its info."""
    ui = _ui(tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await steady(pilot)
        await open_disco(pilot)
        await highlight(pilot, "News")
        await pilot.pause(0.1)

    assert snap_compare(ui.app, terminal_size=(80, 24), run_before=run_before)


def test_feeds_view_snapshot(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The Feeds view at 80x24: the news feed's entries, newest first, and the feed list."""
    ui = _ui(tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await steady(pilot)
        await open_news(pilot)
        await pilot.pause(0.1)

    assert snap_compare(ui.app, terminal_size=(80, 24), run_before=run_before)


__all__ = ["HOSTILE", "MUC"]


async def test_search_hit_in_a_feed_opens_the_feeds_view(tmp_path: Path) -> None:
    """/search finds a feed entry (stored like a message); Enter opens its feed, not a chat."""
    ui = _ui(tmp_path)
    ui.store.save_feed_entries(ME, [entry(1, "Quokka sighting")])
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await run_line(pilot, "/search quokka")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FeedsView))
        view = pilot.app.screen
        assert isinstance(view, FeedsView) and view.shown == (PUBSUB, "news")
        await wait_for(pilot, lambda: any("Quokka" in t for t in entry_texts(pilot)))
