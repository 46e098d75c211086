"""Provides the Feeds view (``/feeds``, or ``f`` on a node in the disco browser): the feeds an
account holds entries of, with unread counts, and the entries of one as title, author, date
and summary, newest first.

New entries arrive by notification (``FeedEntriesReceived``) and show at once; the feed in
view is marked read. ``s`` subscribes to the feed in view, ``u`` unsubscribes, ``r`` reads it
again from its service. Everything from the network is rendered as plain text.
"""

from __future__ import annotations

import logging
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tuichat import events as ev
from tuichat.bus import Subscription
from tuichat.discovery import Feed, FeedEntry
from tuichat.errors import ClientError
from tuichat.ui.key_bar import KeyBar
from tuichat.ui.render import safe_text

if TYPE_CHECKING:
    from tuichat.client import ChatClient

log = logging.getLogger(__name__)

SHOWN = 200
"""Entries shown of one feed (the newest)."""


def entry_prompt(entry: FeedEntry, tz: tzinfo | None, width: int, *, new: bool = False) -> Text:
    """One entry as the list shows it, three lines cut to the width: the title (marked when
    ``new``: unread when the feed was opened), author and date, the summary's start."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("● " if new else "  ", style=Style(bold=True))
    text.append_text(safe_text(entry.title or "(no title)", Style(bold=True)))
    when = entry.published.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    byline = f"{entry.author} · {when}" if entry.author else when
    text.append("\n  ")
    text.append_text(safe_text(byline, Style(italic=True)))
    summary = " ".join(entry.summary.split())
    if summary:
        cut = summary if len(summary) <= width else summary[: max(10, width - 3)] + "…"
        text.append("\n  ")
        text.append_text(safe_text(cut, Style(dim=True)))
    return text


def feed_prompt(feed: Feed) -> Text:
    """One feed in the list: its node (service dim) and unread count."""
    text = safe_text(feed.node, Style(bold=bool(feed.unread)))
    if feed.unread:
        text.append(f" ({feed.unread})", style=Style(bold=True))
    text.append_text(safe_text(f"\n{feed.service}", Style(dim=True)))
    return text


class FeedsView(ModalScreen[None]):
    """Feeds on the left, the entries of the highlighted one on the right."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("s", "subscribe", "Subscribe"),
        Binding("u", "unsubscribe", "Unsubscribe"),
        Binding("r", "reload", "Read again"),
    ]

    DEFAULT_CSS = """
    FeedsView { background: $background; }
    FeedsView #feeds-title { padding: 0 1; background: $panel; text-style: bold; height: 1; }
    FeedsView Horizontal { height: 1fr; }
    FeedsView #feeds-list {
        width: 26; height: 1fr; border: none; border-right: solid $primary;
    }
    FeedsView Vertical { width: 1fr; }
    FeedsView #feed-heading { padding: 0 1; height: 1; text-style: bold; }
    FeedsView #feed-entries { height: 1fr; border: none; }
    FeedsView #feeds-status { padding: 0 1; height: 1; color: $text-muted; }
    FeedsView #feeds-status.-error { color: $error; }
    """

    def __init__(
        self,
        client: ChatClient,
        account: str,
        service: str = "",
        node: str = "",
        *,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.account = account
        self.wanted = (service, node) if service and node else None
        """The feed to show first (opened from the disco browser), read from its service."""
        self.tz = tz
        self.feeds: list[Feed] = []
        self.shown: tuple[str, str] | None = None
        self.entries: list[FeedEntry] = []
        self.new: set[str] = set()
        """Item ids of the feed in view that were unread when it was opened (or arrived
        since): marked until another feed is opened."""
        self._subs: list[Subscription] = []

    def compose(self) -> ComposeResult:
        """Title; the feeds and the entries; status; footer."""
        yield Static(safe_text(f"Feeds of {self.account}"), id="feeds-title")
        with Horizontal():
            yield OptionList(id="feeds-list")
            with Vertical():
                yield Static("", id="feed-heading")
                yield OptionList(id="feed-entries")
        yield Static("", id="feeds-status")
        yield KeyBar()

    def on_mount(self) -> None:
        """List the feeds, show the wanted (or newest) one, follow new entries."""
        handler: Any = self._received
        self._subs = [self.client.bus.subscribe(ev.FeedEntriesReceived, handler)]
        self._fill_feeds()
        if self.wanted is not None:
            self._open(*self.wanted)
            self.run_worker(self._read(*self.wanted), group="feeds-read", exit_on_error=False)
        elif self.feeds:
            self._open(self.feeds[0].service, self.feeds[0].node)
        else:
            self._status("no feeds yet: /disco a PubSub service and press f on a node")
        self.query_one("#feed-entries", OptionList).focus()

    def on_unmount(self) -> None:
        """Stop listening to the bus."""
        for sub in self._subs:
            sub.cancel()
        self._subs = []

    # -- data -------------------------------------------------------------------------------

    def _fill_feeds(self) -> None:
        feeds = self.client.feeds(self.account)
        if self.wanted is not None and not any((f.service, f.node) == self.wanted for f in feeds):
            feeds.insert(0, Feed(self.account, *self.wanted))
        self.feeds = feeds
        listing = self.query_one("#feeds-list", OptionList)
        highlighted = listing.highlighted
        listing.set_options([Option(feed_prompt(f)) for f in feeds])
        keys = [(f.service, f.node) for f in feeds]
        if self.shown in keys:
            listing.highlighted = keys.index(self.shown)
        elif feeds:
            listing.highlighted = min(highlighted or 0, len(feeds) - 1)

    def _open(self, service: str, node: str) -> None:
        """Show a feed's stored entries (newest first) and mark it read."""
        if self.shown != (service, node):
            self.new.clear()
        self.shown = (service, node)
        self.entries = self.client.feed_entries(self.account, service, node, SHOWN)
        self.new.update(e.item_id for e in self.entries if e.unread)
        heading = self.query_one("#feed-heading", Static)
        heading.update(safe_text(f"{node} on {service} — {len(self.entries)} entries"))
        listing = self.query_one("#feed-entries", OptionList)
        width = max(20, (listing.size.width or 50) - 3)
        listing.set_options(
            [
                Option(entry_prompt(e, self.tz, width, new=e.item_id in self.new))
                for e in reversed(self.entries)
            ]
        )
        if self.entries:
            listing.highlighted = 0
        if any(e.unread for e in self.entries):
            self.client.mark_feed_read(self.account, service, node)
        self._fill_feeds()

    async def _read(self, service: str, node: str) -> None:
        self._status(f"reading {node}…")
        try:
            entries = await self.client.read_feed(self.account, service, node)
        except ClientError as exc:
            self._status(f"could not read {node}: {exc}", error=True)
            return
        if self.shown == (service, node):
            self._open(service, node)
        self._status(f"{len(entries)} entries on the service · s subscribe · u unsubscribe")

    def _received(self, event: ev.FeedEntriesReceived) -> None:
        if event.account != self.account:
            return
        if self.shown == (event.service, event.node):
            self._open(event.service, event.node)
            n = len(event.entries)
            self._status(f"{n} new entr{'ies' if n != 1 else 'y'} in {event.node}")
        else:
            self._fill_feeds()

    def _status(self, words: str, *, error: bool = False) -> None:
        status = self.query_one("#feeds-status", Static)
        status.update(safe_text(words))
        status.set_class(error, "-error")

    # -- keys -------------------------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#feeds-list")
    def _feed_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = event.option_index
        if 0 <= index < len(self.feeds):
            feed = self.feeds[index]
            if (feed.service, feed.node) != self.shown:
                self._open(feed.service, feed.node)

    def action_close(self) -> None:
        """Back."""
        self.dismiss(None)

    def _request(self, work: Any, done: str, failure: str) -> None:
        async def run() -> None:
            try:
                await work
            except ClientError as exc:
                self._status(f"{failure}: {exc}", error=True)
                return
            self._status(done)

        self.run_worker(run(), group="feeds-request", exit_on_error=False)

    def action_subscribe(self) -> None:
        """Follow the feed in view: its new entries arrive by themselves."""
        if self.shown is not None:
            service, node = self.shown
            work = self.client.subscribe_feed(self.account, service, node)
            self._request(work, f"subscribed to {node}", f"could not subscribe to {node}")

    def action_unsubscribe(self) -> None:
        """Stop following the feed in view (its entries stay)."""
        if self.shown is not None:
            service, node = self.shown
            work = self.client.unsubscribe_feed(self.account, service, node)
            self._request(work, f"unsubscribed from {node}", f"could not unsubscribe from {node}")

    def action_reload(self) -> None:
        """Read the feed in view again from its service."""
        if self.shown is not None:
            self.run_worker(self._read(*self.shown), group="feeds-read", exit_on_error=False)
