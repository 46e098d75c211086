"""Pilot tests of the whole app against the real Prosody: real manager, real peers, no fakes.

Each test builds the app as ``tuichat run`` does (``build_app`` + ``ConnectionManager``),
lets it connect to the session server, and checks what the user sees (roster rows, message
log, status bar, title) and what the other side (a ``Peer``) receives.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from slixmpp import JID
from textual.pilot import Pilot
from textual.widgets import Input

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.helpers import account_config
from tests.ui.helpers import log_text, main_screen, roster_text, type_text
from tuichat.bus import EventBus
from tuichat.config import Config, UIConfig
from tuichat.model import ConnectionState
from tuichat.paths import Paths
from tuichat.store import Store
from tuichat.ui.app import TuichatApp, build_app
from tuichat.ui.dialogs.switcher import QuickSwitcher
from tuichat.ui.state import RosterRow
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.roster_list import RosterList
from tuichat.ui.widgets.status_bar import StatusBar
from tuichat.xmpp.manager import ConnectionManager

Cond = Callable[[], bool]
MakeAccount = Callable[..., TestAccount]


async def until(pilot: Pilot[None], cond: Cond, timeout: float = 10.0, what: str = "") -> None:
    """Let the app run until ``cond()`` holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not within {timeout} s: {what or cond!r}\n--- roster ---\n{roster_text(pilot)}"
                f"\n--- status ---\n{status_text(pilot)}\n--- log ---\n{log_text(pilot)}"
            )
        await pilot.pause(0.03)


def status_text(pilot: Pilot[None]) -> str:
    """The status bar line as the user reads it."""
    return str(main_screen(pilot).query_one(StatusBar).render())


def section(pilot: Pilot[None], account: str) -> list[str]:
    """The painted roster lines under ``account``'s heading (up to the next account heading)."""
    accounts = set(main_screen(pilot).accounts)
    lines = roster_on_screen(pilot)
    start = lines.index(account) + 1
    rest = lines[start:]
    end = next((i for i, line in enumerate(rest) if line in accounts), len(rest))
    return rest[:end]


def roster_on_screen(pilot: Pilot[None]) -> list[str]:
    """The roster lines as painted (after truncation to the sidebar's width)."""
    roster = main_screen(pilot).query_one(RosterList)
    return [roster.render_line(y).text.rstrip() for y in range(roster.size.height)]


def row_of(pilot: Pilot[None], account: str, jid: str) -> RosterRow | None:
    """The roster row of ``(account, jid)``, if the roster shows one."""
    for row in main_screen(pilot).query_one(RosterList).rows:
        if row.kind == "contact" and row.key == (account, jid):
            return row
    return None


def unread_badge(pilot: Pilot[None], account: str, jid: str) -> int:
    """The unread count the roster row of ``(account, jid)`` shows (0 when no row/badge)."""
    row = row_of(pilot, account, jid)
    return row.unread if row is not None else 0


async def befriend(server: ProsodyServer, me: TestAccount, other: Peer, name: str) -> None:
    """Make ``me`` and ``other`` mutually subscribed, with ``other`` named ``name`` in my roster.

    Done by logging in as ``me`` with a throw-away peer before the app starts (``other``
    approves automatically), so the app starts with the contact in its roster.
    """
    async with Peer.connect(server, me.jid, me.password) as mine:
        pushed = mine.client.update_roster(JID(other.bare), name=name)
        assert pushed is not None
        await pushed
        mine.subscribe(other.bare)
        await mine.wait_until(lambda: mine.subscription(other.bare) == "both", timeout=10)


@dataclass
class Live:
    """One running app over the real manager."""

    pilot: Pilot[None]
    app: TuichatApp
    manager: ConnectionManager
    store: Store

    async def connected(self, timeout: float = 15.0) -> None:
        """Wait until the status bar shows every account connected."""
        accounts = self.manager.accounts

        def shown() -> bool:
            text = status_text(self.pilot)
            return all(f"● {a} {ConnectionState.CONNECTED.value}" in text for a in accounts)

        await until(self.pilot, shown, timeout, "every account connected in the status bar")

    async def line(self, text: str) -> None:
        """Type ``text`` into the composer and press Enter."""
        composer = main_screen(self.pilot).query_one(Composer)
        composer.focus()
        composer.set_text(text)
        await self.pilot.press("enter")


@contextlib.asynccontextmanager
async def live_app(
    tmp_path: Path, server: ProsodyServer, *accounts: TestAccount
) -> AsyncIterator[Live]:
    """Run the app for ``accounts`` against ``server``; always stop the manager afterwards."""
    configs = tuple(account_config(server, a.jid, a.password) for a in accounts)
    config = Config(path=tmp_path / "config.toml", ui=UIConfig(), accounts=configs)
    paths = Paths(
        config_file=tmp_path / "config.toml",
        data_dir=tmp_path / "data",
        state_dir=tmp_path / "state",
    )
    store = Store.memory()
    manager = ConnectionManager(configs, store, EventBus())
    app = build_app(config, paths, store, manager)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            live = Live(pilot, app, manager, store)
            await live.connected()
            yield live
    finally:
        await manager.stop()
        store.close()


async def test_peer_message_lands_in_its_conversation_with_unread_count(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount
) -> None:
    """A message for a conversation not in view counts as unread (badge, title), not in the log."""
    me, bob, carol = account("me"), account("bob"), account("carol")
    async with (
        Peer.connect(prosody, bob.jid, bob.password) as pb,
        Peer.connect(prosody, carol.jid, carol.password) as pc,
    ):
        await befriend(prosody, me, pb, "Bob Builder")
        await befriend(prosody, me, pc, "Carol Singer")
        async with live_app(tmp_path, prosody, me) as live:
            pilot = live.pilot
            main_screen(pilot).open_conversation((me.jid, bob.jid))
            await pilot.pause()
            pc.send(me.jid, "carol says one")
            pc.send(me.jid, "carol says two")
            await until(pilot, lambda: unread_badge(pilot, me.jid, carol.jid) == 2, what="[2]")
            assert any("Carol Singer [2]" in line for line in section(pilot, me.jid))
            assert live.app.title == "(2) tuichat"
            assert "✉ 2 unread" in status_text(pilot)
            assert "carol says" not in log_text(pilot)

            pb.send(me.jid, "bob in view")
            await until(pilot, lambda: "bob in view" in log_text(pilot), what="bob's message")
            assert unread_badge(pilot, me.jid, bob.jid) == 0
            assert live.app.title == "(2) tuichat"

            main_screen(pilot).open_conversation((me.jid, carol.jid))
            await until(pilot, lambda: live.app.title == "tuichat", what="title without count")
            text = log_text(pilot)
            assert text.index("carol says one") < text.index("carol says two")
            assert "bob in view" not in text
            assert live.store.unread_count(me.jid, carol.jid) == 0


async def test_enter_delivers_to_peer_and_shows_acked(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount
) -> None:
    """Typing and Enter reaches the peer, the message gets its ✓; Ctrl+Q signs off cleanly."""
    me, bob = account("me"), account("bob")
    async with Peer.connect(prosody, bob.jid, bob.password) as pb:
        await befriend(prosody, me, pb, "Bob")
        async with live_app(tmp_path, prosody, me) as live:
            pilot = live.pilot
            main_screen(pilot).open_conversation((me.jid, bob.jid))
            await pilot.pause()
            await type_text(pilot, "hello bob, typed live")
            await pilot.press("enter")
            got = await pb.wait_message(lambda m: m.body == "hello bob, typed live")
            assert got.from_.startswith(f"{me.jid}/")
            await until(
                pilot, lambda: "hello bob, typed live ✓" in log_text(pilot), what="acked mark"
            )
            assert main_screen(pilot).query_one(Composer).text == ""
            assert "unsent" not in status_text(pilot)
            assert pb.is_online(me.jid)
            await pilot.press("ctrl+q")  # quits through the manager: bob sees us leave
            await pb.wait_until(lambda: not pb.is_online(me.jid), timeout=10)


async def test_quick_switcher_and_slash_commands_reach_the_server(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount
) -> None:
    """Ctrl+K opens a contact by name; /msg delivers; /status away reaches the peer."""
    me, bob, carol = account("me"), account("bob"), account("carol")
    async with (
        Peer.connect(prosody, bob.jid, bob.password) as pb,
        Peer.connect(prosody, carol.jid, carol.password) as pc,
    ):
        await befriend(prosody, me, pb, "Bob Builder")
        await befriend(prosody, me, pc, "Carol Singer")
        async with live_app(tmp_path, prosody, me) as live:
            pilot = live.pilot
            screen = main_screen(pilot)
            # The switcher lists what the roster holds when it opens: wait for the roster.
            await until(pilot, lambda: "Carol Singer" in roster_text(pilot), what="the roster")
            await pilot.press("ctrl+k")
            await until(
                pilot,
                lambda: (
                    isinstance(live.app.screen, QuickSwitcher)
                    and isinstance(live.app.focused, Input)
                ),
                what="the quick switcher's input has the focus",
            )
            await type_text(pilot, "sing")
            await pilot.press("enter")
            await until(pilot, lambda: screen.convs.current == (me.jid, carol.jid))
            header = str(screen.query_one("#conversation-header").render())
            assert "Carol Singer" in header

            await live.line(f"/msg {bob.jid} sent by slash")
            got = await pb.wait_message(lambda m: m.body == "sent by slash")
            assert got.from_.startswith(f"{me.jid}/")
            assert screen.convs.current == (me.jid, bob.jid)
            await until(pilot, lambda: "sent by slash ✓" in log_text(pilot))

            await live.line("/status away gone fishing")

            def bob_sees_away() -> bool:
                resources = pb.client.client_roster[me.jid].resources.values()
                return any(r["show"] == "away" and r["status"] == "gone fishing" for r in resources)

            await pb.wait_until(bob_sees_away, timeout=10)
            assert screen.query_one("#inline-error").has_class("-shown") is False


async def test_peer_presence_changes_show_in_roster(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount
) -> None:
    """A contact going dnd with a status, then offline, is shown so in the roster row."""
    me, bob = account("me"), account("bob")
    async with Peer.connect(prosody, bob.jid, bob.password) as pb:
        await befriend(prosody, me, pb, "Bob")
        async with live_app(tmp_path, prosody, me) as live:
            pilot = live.pilot
            await until(pilot, lambda: "● Bob" in roster_text(pilot), what="Bob online")
            pb.set_presence("dnd", "deep work")
            await until(
                pilot, lambda: "⊘ Bob deep work" in roster_text(pilot), what="Bob dnd in roster"
            )
            main_screen(pilot).open_conversation((me.jid, bob.jid))
            await pilot.pause()
            header = str(main_screen(pilot).query_one("#conversation-header").render())
            assert "do not disturb" in header and "deep work" in header
            await pb.disconnect()
            await until(pilot, lambda: "· Bob" in roster_text(pilot), what="Bob offline in roster")


async def test_subscription_request_accepted_shows_contact_online(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount
) -> None:
    """A stranger's request is shown; /accept answers it and the contact then shows online."""
    me, dora = account("me"), account("dora")
    async with live_app(tmp_path, prosody, me) as live:
        pilot = live.pilot
        async with Peer.connect(prosody, dora.jid, dora.password) as pd:
            pd.subscribe(me.jid)
            await until(
                pilot,
                lambda: getattr(row_of(pilot, me.jid, dora.jid), "request", False),
                what="request row",
            )
            painted = [line for line in section(pilot, me.jid) if dora.jid[:8] in line]
            assert len(painted) == 1 and " ?" in painted[0], painted
            await live.line(f"/accept {dora.jid}")
            await pd.wait_until(lambda: pd.subscription(me.jid) in ("to", "both"), timeout=10)
            await until(
                pilot,
                lambda: any(f"● {dora.jid[:8]}" in line for line in section(pilot, me.jid)),
                what="dora online in roster",
            )
            assert "asks to subscribe" not in roster_text(pilot)
            await pd.wait_until(lambda: pd.subscription(me.jid) == "both", timeout=10)


async def test_two_accounts_each_receive_their_own_messages(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount
) -> None:
    """With two accounts, each message lands under the account it was sent to, nowhere else."""
    one, two, bob, carol = account("one"), account("two"), account("bob"), account("carol")
    async with (
        Peer.connect(prosody, bob.jid, bob.password) as pb,
        Peer.connect(prosody, carol.jid, carol.password) as pc,
        live_app(tmp_path, prosody, one, two) as live,
    ):
        pilot = live.pilot
        pb.send(one.jid, "bob to one")
        pb.send(two.jid, "bob to two")
        pc.send(two.jid, "carol to two")
        await until(
            pilot,
            lambda: (
                unread_badge(pilot, one.jid, bob.jid) == 1
                and unread_badge(pilot, two.jid, bob.jid) == 1
                and unread_badge(pilot, two.jid, carol.jid) == 1
            ),
            what="three unread rows",
        )
        assert unread_badge(pilot, one.jid, carol.jid) == 0
        assert not any(carol.jid[:8] in line for line in section(pilot, one.jid))
        painted = [line for line in section(pilot, two.jid) if carol.jid[:8] in line]
        assert len(painted) == 1 and " [1]" in painted[0], painted
        assert live.app.title == "(3) tuichat"

        screen = main_screen(pilot)
        screen.open_conversation((one.jid, bob.jid))
        await pilot.pause()
        assert "bob to one" in log_text(pilot) and "bob to two" not in log_text(pilot)
        screen.open_conversation((two.jid, bob.jid))
        await pilot.pause()
        assert "bob to two" in log_text(pilot) and "bob to one" not in log_text(pilot)
        header = str(screen.query_one("#conversation-header").render())
        assert f"via {two.jid}" in header

        await live.line("reply from two")
        got = await pb.wait_message(lambda m: m.body == "reply from two")
        assert got.from_.startswith(f"{two.jid}/")
