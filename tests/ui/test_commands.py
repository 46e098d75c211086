"""Pilot tests of slash commands, the quick switcher, keys, help and themes."""

from __future__ import annotations

from textual import events

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, BOB, ME
from tests.ui.helpers import main_screen, type_text
from tuichat.model import Show
from tuichat.ui.screens.help import HelpScreen
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.roster_list import RosterList


async def run_line(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Put ``text`` in the composer and press Enter."""
    composer = main_screen(pilot).query_one(Composer)
    composer.focus()
    composer.set_text(text)
    await pilot.press("enter")
    await pilot.pause(0.2)


def inline_error(pilot) -> str:  # type: ignore[no-untyped-def]
    """The inline error text under the log."""
    return str(main_screen(pilot).query_one("#inline-error").render())


async def test_quick_switcher_selects_a_conversation(ui: UI) -> None:
    """Ctrl+K, a few letters, Enter: the matching contact's conversation is in view."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+k")
        await pilot.pause()
        await pilot.press("a", "l", "i")
        await pilot.pause(0.1)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert main_screen(pilot).convs.current == (ME, ALICE)
        assert pilot.app.screen is main_screen(pilot)


async def test_slash_msg_opens_and_sends(ui: UI) -> None:
    """/msg JID text opens that conversation and sends the text."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/msg Carol@Example.org hello carol")
        assert main_screen(pilot).convs.current == (ME, "carol@example.org")
        assert ui.client.called("send_message") == [
            ("send_message", ME, "carol@example.org", "hello carol")
        ]


async def test_slash_status_sets_presence_everywhere(ui: UI) -> None:
    """/status away text sets presence on every account (account None)."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/status away back at 3")
        assert ui.client.called("set_presence") == [("set_presence", None, Show.AWAY, "back at 3")]


async def test_slash_add_adds_contact_with_name(ui: UI) -> None:
    """/add JID name asks the client to add the contact."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/add zed@example.com Zed Zedson")
        assert ui.client.called("add_contact") == [
            ("add_contact", ME, "zed@example.com", "Zed Zedson")
        ]


async def test_slash_close_closes_current(ui: UI) -> None:
    """/close closes the conversation in view and shows another open one."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        await run_line(pilot, "/close")
        assert (ME, ALICE) not in screen.convs.open
        assert screen.convs.current == (ME, BOB)


async def test_unknown_command_shows_inline_error(ui: UI) -> None:
    """An unknown /command is not sent; a clear error shows and the text stays."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/frobnicate now")
        assert "unknown command /frobnicate" in inline_error(pilot)
        assert ui.client.called("send_message") == []
        assert main_screen(pilot).query_one(Composer).text == "/frobnicate now"


async def test_bad_jid_in_command_is_reported(ui: UI) -> None:
    """/msg with an invalid JID says why instead of sending."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/msg a@b@@c x")
        assert "not a valid JID" in inline_error(pilot)
        assert ui.client.called("send_message") == []


async def test_tab_completes_commands_and_jids(ui: UI) -> None:
    """Tab completes /ms to /msg and then a JID prefix to the roster JID."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        composer = main_screen(pilot).query_one(Composer)
        composer.focus()
        composer.set_text("/ms")
        await pilot.press("tab")
        assert composer.text == "/msg "
        composer.set_text("/msg ali")
        await pilot.press("tab")
        assert composer.text == f"/msg {ALICE} "


async def test_double_slash_sends_literal_slash(ui: UI) -> None:
    """//text sends "/text" as a message rather than running a command."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "//shrug")
        assert ui.client.called("send_message") == [("send_message", ME, BOB, "/shrug")]


async def test_f1_opens_help_listing_commands(ui: UI) -> None:
    """F1 shows the help screen built from the command registry."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        table = str(pilot.app.screen.query_one("#help-table").render())
        assert table  # rendered
        texts = [c.slash_usage for c in pilot.app.screen.registry.commands]
        assert "/msg JID [text]" in texts
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, HelpScreen)


async def test_help_with_a_command_explains_that_command(ui: UI) -> None:
    """/help join shows /join's usage and what it does; /help nosuch says there is none."""
    async with ui.app.run_test(size=(80, 24)) as pilot:
        composer = main_screen(pilot).query_one(Composer)
        composer.set_text("/help join")
        await pilot.press("enter")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, HelpScreen)
        text = str(screen.query_one("#help-table").render())
        assert "/join ROOM [password]" in text and "Join room@service" in text
        await pilot.press("escape")
        composer.set_text("/help /kick")
        await pilot.press("enter")
        await pilot.pause()
        assert "/kick NICK [reason]" in str(pilot.app.screen.query_one("#help-table").render())
        await pilot.press("escape")
        composer.set_text("/help nosuch")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, HelpScreen)
        notes = [str(n.message) for n in pilot.app._notifications]
        assert any("no command 'nosuch'" in n for n in notes), notes


async def test_palette_offers_commands_that_take_words_and_prefills_them(ui: UI) -> None:
    """F10, "Join room": the composer gets "/join " to complete (also Kick, Topic, Invite…)."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        for title, start in (("Join room", "/join "), ("Kick", "/kick "), ("Message", "/msg ")):
            await pilot.press("f10")
            await pilot.pause()
            await type_text(pilot, title)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.2)
            composer = main_screen(pilot).query_one(Composer)
            assert composer.text == start, (title, composer.text)
            assert pilot.app.focused is composer
            composer.set_text("")


async def test_question_mark_starts_a_message_and_f1_opens_help(ui: UI) -> None:
    """A message may start with "?": typed into the empty composer it is text, not help.
    F1 opens help, and so does ? while the composer does not have the focus."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        composer = main_screen(pilot).query_one(Composer)
        composer.focus()
        composer.set_text("")
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, HelpScreen)
        assert composer.text == "?"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        main_screen(pilot).query_one(RosterList).focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)


def test_alt_enter_from_xterm_and_tmux_is_a_new_line() -> None:
    """ESC CR (Alt+Enter without the kitty protocol) reaches the composer as its new-line key,
    not as the Enter that sends."""
    from textual._xterm_parser import XTermParser

    from tuichat.ui.terminal_keys import teach_alt_enter

    teach_alt_enter()
    parser = XTermParser()
    keys = [getattr(e, "key", None) for e in parser.feed("\x1b\r")]
    assert keys == ["ctrl+j"]
    assert "ctrl+j" in {k for b in Composer.BINDINGS for k in str(getattr(b, "key", "")).split(",")}
    assert [getattr(e, "key", None) for e in parser.feed("\r")] == ["enter"]


async def test_alt_number_switches_open_conversations(ui: UI) -> None:
    """Alt+2 goes to the second open conversation."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        first = screen.convs.open[0]
        await pilot.press("alt+1")
        await pilot.pause()
        assert screen.convs.current == first
        await pilot.press("alt+2")
        await pilot.pause()
        assert screen.convs.current == screen.convs.open[1]


async def test_theme_command_switches_and_persists(ui: UI) -> None:
    """/theme light switches the theme and writes it to the config file."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await run_line(pilot, "/theme light")
        await pilot.pause(0.1)
        assert pilot.app.theme == "light"
        assert 'theme = "light"' in ui.config_path.read_text()


async def test_next_unread_goes_to_unread_conversation(ui: UI) -> None:
    """Ctrl+N jumps to a conversation with unread messages and clears its count."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        screen.convs.add_unread((ME, BOB), 3)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.convs.current == (ME, BOB)
        assert (ME, BOB) not in screen.convs.unread


async def test_mute_persists_in_account_config(ui: UI) -> None:
    """/mute writes the conversation into the account's muted list in the config file."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        await run_line(pilot, "/mute")
        assert ALICE in ui.config_path.read_text()
        assert ALICE in ui.app.ctx.policy(ME).muted


async def test_alt_digit_over_ssh_switches_only_with_empty_composer(ui: UI) -> None:
    """ESC+1 arrives as '¡' in Textual: it switches from an empty composer, else it is typed."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        await pilot.press("inverted_exclamation_mark")
        await pilot.pause()
        assert screen.convs.current == screen.convs.open[0] != (ME, ALICE)
        composer = screen.query_one(Composer)
        composer.set_text("hola ")
        # What the driver posts for ESC+1 (Pilot's press() gives no character for this name).
        pilot.app.post_message(events.Key("inverted_exclamation_mark", "¡"))
        await pilot.pause()
        assert composer.text == "hola ¡"
        assert screen.convs.current == screen.convs.open[0]
