"""Ad-hoc commands from the TUI against the real Prosody: ``mod_admin_adhoc`` as an admin, and
a slixmpp peer's two-step command (every field type, then a confirmation) for Back.

Real manager, real server, no fakes; the keyboard only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.harness.peer import Peer
from tests.harness.prosody import DOMAIN, ProsodyServer, TestAccount
from tests.integration.adhoc_server import ADMIN_JID, ADMIN_PASSWORD, admin_server, host_wizard
from tests.ui.helpers import main_screen
from tests.ui.test_live_prosody import live_app, until
from tuichat.ui.dialogs.command_run import CommandScreen
from tuichat.ui.dialogs.room_picker import RoomPicker

MakeAccount = Callable[..., TestAccount]


async def _type(pilot: Pilot[None], text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)


async def _pick_next(pilot: Pilot[None]) -> None:
    """In a drop-down: open it, move down one, pick."""
    await pilot.press("enter")
    await pilot.pause(0.1)
    await pilot.press("down")
    await pilot.pause(0.05)
    await pilot.press("enter")
    await pilot.pause(0.05)


def _screen(pilot: Pilot[None]) -> CommandScreen:
    screen = pilot.app.screen
    assert isinstance(screen, CommandScreen), screen
    return screen


async def _step(pilot: Pilot[None], status: str = "", count: int = 0) -> CommandScreen:
    """Wait for the command screen's answer (the ``count``-th request, or any)."""
    screen = _screen(pilot)

    def answered() -> bool:
        return (
            screen.step is not None
            and not screen.busy
            and (not status or screen.step.status == status)
        )

    await until(pilot, answered, 15, f"a command step {status}")
    await pilot.pause(0.05)
    return screen


def _text(screen: CommandScreen, ident: str) -> str:
    return str(screen.query_one(ident, Static).render())


async def test_admin_commands_from_the_tui(
    tmp_path: Path, prosody_factory: Callable[..., ProsodyServer]
) -> None:
    """Pick "Add User" from the server's list and fill it (jid-single, text-private twice);
    the new account is made; "Get List of Online Users" (list-single, boolean) completes with
    its result; Esc cancels "Change User Password" at the server."""
    server = admin_server(prosody_factory)
    async with live_app(tmp_path, server, TestAccount(ADMIN_JID, ADMIN_PASSWORD)) as live:
        pilot = live.pilot
        await live.line(f"/command {DOMAIN}")
        await until(pilot, lambda: isinstance(pilot.app.screen, RoomPicker), 5, "the picker")
        await until(
            pilot,
            lambda: "command" in str(pilot.app.screen.query_one("#picker-status").render()),
            10,
            "the command list",
        )
        await _type(pilot, "add user")
        await pilot.press("enter")
        screen = await _step(pilot)
        assert screen.step is not None and screen.step.form is not None
        assert [f.var for f in screen.step.form.answerable] == [
            "accountjid", "password", "password-verify",
        ]  # fmt: skip
        await _type(pilot, f"tuiuser@{DOMAIN}")
        await pilot.press("tab")
        assert screen.query_one("#field-2", Input).password
        await _type(pilot, "pw-one")
        await pilot.press("tab")
        await _type(pilot, "pw-one")
        await pilot.press("ctrl+s")
        screen = await _step(pilot, "completed")
        assert "info: Account successfully created" in _text(screen, "#command-notes")
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is main_screen(pilot), 5, "closed")
        async with Peer.connect(server, f"tuiuser@{DOMAIN}", "pw-one"):
            pass  # the account exists with that password

        online = "http://jabber.org/protocol/admin#get-online-users-list"
        await live.line(f"/command {DOMAIN} {online}")
        screen = await _step(pilot)
        await _pick_next(pilot)  # max_items: (none given) → 25
        await pilot.press("tab", "space")  # details: yes
        form = screen.query_one("#command-form")
        assert form.answers() == {"max_items": ("25",), "details": ("1",)}  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        screen = await _step(pilot, "completed")
        assert ADMIN_JID in str(screen.step.form) if screen.step else False
        await pilot.press("escape")

        change = "http://jabber.org/protocol/admin#change-user-password"
        await until(pilot, lambda: pilot.app.screen is main_screen(pilot), 5, "closed")
        await live.line(f"/command {DOMAIN} {change}")
        screen = await _step(pilot)
        await _type(pilot, f"tuiuser@{DOMAIN}")
        await pilot.press("escape")
        screen = await _step(pilot, "canceled")
        assert "canceled" in _text(screen, "#command-status")
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is main_screen(pilot), 5, "closed")
        async with Peer.connect(server, f"tuiuser@{DOMAIN}", "pw-one"):
            pass  # the cancelled change changed nothing


async def test_peer_command_back_next_and_finish(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount
) -> None:
    """A client's command at its full JID: every field type filled, Next, the warning shown,
    Back returns the first form with the name kept, Next again, Finish with the tick: the
    result arrives; the peer got every value."""
    me, bob = account("me"), account("bob")
    async with Peer.connect(prosody, bob.jid, bob.password) as pb:
        seen = host_wizard(pb)
        target = str(pb.client.boundjid)
        async with live_app(tmp_path, prosody, me) as live:
            pilot = live.pilot
            assert await live.manager.list_commands(me.jid, target) == [("wizard", "Wizard")]
            await live.line(f"/command {target} wizard")
            screen = await _step(pilot)
            assert screen.step is not None and screen.step.actions == ("next",)
            await _type(pilot, "Ann")  # name
            await pilot.press("tab")
            await _type(pilot, "pst")  # secret
            await pilot.press("tab")
            await _type(pilot, "hello")  # bio
            await pilot.press("enter")
            await _type(pilot, "world")
            await pilot.press("tab", "space")  # news
            await pilot.press("tab")
            await _type(pilot, "carol@example.test")  # buddy
            await pilot.press("tab")
            await _type(pilot, "d@example.test")  # friends
            await pilot.press("enter")
            await _type(pilot, "e@example.test")
            await pilot.press("tab")
            await _pick_next(pilot)  # colour: Blue
            await pilot.press("tab", "down", "space")  # sizes: L
            await pilot.press("ctrl+s")
            screen = await _step(pilot)
            assert screen.step is not None and screen.step.form is not None
            assert screen.step.form.title == "Confirm"
            assert "warning: Check twice" in _text(screen, "#command-notes")
            assert set(screen.step.actions) == {"prev", "complete"}
            assert seen["submitted"][0] == {
                "FORM_TYPE": ["urn:test:wizard"],  # slixmpp reads hidden as multi
                "name": "Ann",
                "secret": "pst",
                "bio": ["hello", "world"],
                "news": True,
                "buddy": "carol@example.test",
                "friends": ["d@example.test", "e@example.test"],
                "colour": "b",
                "sizes": ["l"],
            }

            await pilot.press("ctrl+b")
            await until(pilot, lambda: seen["prevs"] == 1, 10, "the peer's prev")
            screen = await _step(pilot)
            assert screen.step is not None and screen.step.form is not None
            assert screen.step.form.title == "Everything"
            assert screen.query_one("#field-2", Input).value == "Ann"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: len(seen["submitted"]) == 2, 10, "the second next")
            screen = await _step(pilot)
            await pilot.press("space", "ctrl+s")
            screen = await _step(pilot, "completed")
            assert seen["finished"] == {"sure": True}
            assert "info: All set" in _text(screen, "#command-notes")
            await pilot.press("escape")
            await until(pilot, lambda: pilot.app.screen is main_screen(pilot), 5, "closed")
