"""Provides the disco browser (``/disco [JID] [NODE]``): a tree of a service's items and nodes,
and the highlighted entity's identities and features beside it.

Keyboard only: Up/Down move, Enter or Right opens an entity's items (asked when first opened),
Left closes. From the highlighted entity: ``j`` joins a room, ``f`` opens a feed, ``c`` runs
one of its commands and ``g`` registers with a gateway; the browser closes with a
:class:`DiscoChoice` saying which, and the command that opened it acts on it. ``r`` asks again.
Everything shown came from the network and is rendered as plain text (``safe_text``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from tuichat.discovery import DiscoInfo, DiscoItem
from tuichat.errors import ClientError
from tuichat.ui.key_bar import KeyBar
from tuichat.ui.render import safe_text

if TYPE_CHECKING:
    from tuichat.disco_client import DiscoClient

log = logging.getLogger(__name__)

Action = Literal["join", "feed", "command", "register"]

SHOWN_ITEMS = 500
"""Children shown under one entity (the rest are counted, not drawn)."""


@dataclass(frozen=True, slots=True)
class DiscoChoice:
    """What the user chose to do with an entity in the browser."""

    action: Action
    jid: str
    node: str = ""


@dataclass(slots=True)
class _Entry:
    """A tree node's entity and whether its items were asked yet."""

    item: DiscoItem
    loaded: bool = False


def actions_for(info: DiscoInfo | None, item: DiscoItem) -> list[Action]:
    """What can be done with an entity, by what it says it is (none while unknown)."""
    if info is None:
        return []
    found: list[Action] = []
    if info.is_room:
        found.append("join")
    if item.node and info.is_pubsub:
        found.append("feed")
    if info.has_commands:
        found.append("command")
    if info.is_gateway:
        found.append("register")
    return found


KEYS: dict[Action, str] = {"join": "j", "feed": "f", "command": "c", "register": "g"}
WORDS: dict[Action, str] = {
    "join": "join the room",
    "feed": "open the feed",
    "command": "run a command",
    "register": "register",
}


class DiscoBrowser(ModalScreen[DiscoChoice | None]):
    """The service browser; dismisses with a :class:`DiscoChoice`, or ``None`` on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss_none", "Close"),
        Binding("j", "choose('join')", "Join"),
        Binding("f", "choose('feed')", "Feed"),
        Binding("c", "choose('command')", "Command"),
        Binding("g", "choose('register')", "Register"),
        Binding("r", "refresh", "Refresh"),
    ]

    DEFAULT_CSS = """
    DiscoBrowser { background: $background; }
    DiscoBrowser #disco-title { padding: 0 1; background: $panel; text-style: bold; height: 1; }
    DiscoBrowser Horizontal { height: 1fr; }
    DiscoBrowser Tree {
        width: 40%; min-width: 24; border-right: solid $primary; overflow-x: hidden;
    }
    DiscoBrowser #disco-details { width: 1fr; padding: 0 1; }
    DiscoBrowser #disco-status { padding: 0 1; height: 1; color: $text-muted; }
    DiscoBrowser #disco-status.-error { color: $error; }
    """

    def __init__(self, client: DiscoClient, account: str, jid: str, node: str = "") -> None:
        super().__init__()
        self.client = client
        self.account = account
        self.start = DiscoItem(jid, node)
        self.infos: dict[tuple[str, str], DiscoInfo | str] = {}
        """(JID, node) → its info, or why it could not be had."""
        self.counts: dict[tuple[str, str], int] = {}
        """(JID, node) → how many items it has, once opened."""
        self.current: DiscoItem = self.start

    def compose(self) -> ComposeResult:
        """Title, tree and details, status, footer."""
        where = self.start.jid + (f" node {self.start.node}" if self.start.node else "")
        yield Static(safe_text(f"Service discovery — {where} ({self.account})"), id="disco-title")
        with Horizontal():
            tree: Tree[_Entry] = Tree(self._label(self.start), data=_Entry(self.start))
            tree.show_root = True
            yield tree
            with VerticalScroll(id="disco-details-scroll"):
                yield Static("", id="disco-details")
        yield Static("loading…", id="disco-status")
        yield KeyBar()

    def on_mount(self) -> None:
        """Open the starting entity."""
        tree = self.query_one(Tree)
        tree.focus()
        tree.root.expand()
        tree.move_cursor(tree.root)
        self._show(self.start)

    # -- loading --------------------------------------------------------------------------------

    def _label(self, item: DiscoItem) -> Text:
        text = safe_text(item.label, Style(bold=True))
        if item.name and item.name != item.jid:
            text.append_text(safe_text(f"  {item.node or item.jid}", Style(dim=True)))
        elif item.node and item.node != item.label:
            text.append_text(safe_text(f"  {item.node}", Style(dim=True)))
        return text

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[_Entry]) -> None:
        entry = event.node.data
        if entry is not None and not entry.loaded:
            entry.loaded = True
            self.run_worker(self._load_items(event.node), group="disco-items", exit_on_error=False)

    async def _load_items(self, node: TreeNode[_Entry]) -> None:
        assert node.data is not None
        item = node.data.item
        try:
            items = await self.client.disco_items(self.account, item.jid, item.node)
        except ClientError as exc:
            self._status(f"{item.jid}: {exc}", error=True)
            node.allow_expand = False
            return
        for child in items[:SHOWN_ITEMS]:
            node.add(self._label(child), data=_Entry(child))
        if len(items) > SHOWN_ITEMS:
            node.add_leaf(Text(f"… {len(items) - SHOWN_ITEMS} more", style=Style(dim=True)))
        if not items:
            node.allow_expand = False
        self.counts[(item.jid, item.node)] = len(items)
        if self.current == item and (item.jid, item.node) in self.infos:
            self._render_details(item)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[_Entry]) -> None:
        if event.node.data is not None:
            self._show(event.node.data.item)

    def _show(self, item: DiscoItem, *, refresh: bool = False) -> None:
        self.current = item
        key = (item.jid, item.node)
        if key in self.infos and not refresh:
            self._render_details(item)
            return
        self.query_one("#disco-details", Static).update(safe_text(f"{item.jid}\nasking…"))
        self.run_worker(self._load_info(item, refresh), group="disco-info", exclusive=True)

    async def _load_info(self, item: DiscoItem, refresh: bool) -> None:
        try:
            info: DiscoInfo | str = await self.client.disco_info(
                self.account, item.jid, item.node, refresh=refresh
            )
        except ClientError as exc:
            info = str(exc)
        self.infos[(item.jid, item.node)] = info
        if self.current == item:
            self._render_details(item)

    def _info(self, item: DiscoItem) -> DiscoInfo | None:
        info = self.infos.get((item.jid, item.node))
        return info if isinstance(info, DiscoInfo) else None

    # -- showing --------------------------------------------------------------------------------

    def _render_details(self, item: DiscoItem) -> None:
        found = self.infos.get((item.jid, item.node))
        text = safe_text(item.jid, Style(bold=True))
        if item.node:
            text.append_text(safe_text(f"\nnode {item.node}"))
        if isinstance(found, str):
            text.append_text(safe_text(f"\n{found}", Style(italic=True)))
            self._status("could not ask it", error=True)
        elif found is not None:
            text.append("\n\nIdentities\n", style=Style(bold=True, underline=True))
            for i in found.identities or ():
                line = f"  {i.category}/{i.type}" + (f"  {i.name}" if i.name else "")
                text.append_text(safe_text(line + "\n"))
            if not found.identities:
                text.append("  none\n", style=Style(dim=True))
            text.append(
                f"\nFeatures ({len(found.features)})\n", style=Style(bold=True, underline=True)
            )
            for feature in found.features:
                text.append_text(safe_text(f"  {feature}\n"))
            count = self.counts.get((item.jid, item.node))
            if count is not None:
                text.append(f"\nItems: {count}\n", style=Style(bold=True))
            can = actions_for(found, item)
            hint = " · ".join(f"{KEYS[a]} {WORDS[a]}" for a in can)
            self._status(hint or "Enter opens its items · Esc closes")
        self.query_one("#disco-details", Static).update(text)

    def _status(self, words: str, *, error: bool = False) -> None:
        status = self.query_one("#disco-status", Static)
        status.update(safe_text(words))
        status.set_class(error, "-error")

    # -- actions --------------------------------------------------------------------------------

    def action_dismiss_none(self) -> None:
        """Close without a choice."""
        self.dismiss(None)

    def action_choose(self, action: Action) -> None:
        """Close with ``action`` on the highlighted entity, when it offers that."""
        item = self.current
        if action not in actions_for(self._info(item), item):
            self._status(f"{item.label} does not offer to {WORDS[action]}", error=True)
            return
        self.dismiss(DiscoChoice(action, item.jid, item.node))

    def action_refresh(self) -> None:
        """Ask the highlighted entity again."""
        self._show(self.current, refresh=True)
