"""Pilot tests of the conversation pane: sending, receiving, unread counts, drafts, recall."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.pilot import Pilot

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, BOB, ME, T0, incoming
from tests.ui.helpers import assert_hints_whole, log_text, main_screen, roster_text, settle
from tuichat.events import MessageReceived, MessageStateChanged
from tuichat.model import MessageState
from tuichat.ui.key_bar import KeyBar
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.message_log import MessageLog


async def open_alice(pilot, ui: UI) -> None:  # type: ignore[no-untyped-def]
    """Put Alice's conversation in view, all of its page laid out."""
    main_screen(pilot).open_conversation((ME, ALICE))
    await settle(pilot)


async def test_incoming_message_lands_in_its_conversation_with_unread_count(ui: UI) -> None:
    """A message for Bob while Alice is in view counts as unread for Bob only."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        before = log_text(pilot)
        message = ui.store.save_message(incoming(BOB, "are you there?", 60))
        assert message is not None
        ui.client.bus.publish(MessageReceived(ME, message))
        await settle(pilot)
        screen = main_screen(pilot)
        assert screen.convs.unread[(ME, BOB)] == 1
        assert (ME, ALICE) not in screen.convs.unread
        assert "are you there?" not in log_text(pilot)
        assert log_text(pilot) == before
        assert "Bob [b]bold[/b] [1]" in roster_text(pilot)
        assert ui.app.title == "(1) tuichat"
        assert any("\x1b]2;(1) tuichat" in s for s in ui.app.terminal.written)


async def test_message_in_view_is_shown_and_not_counted(ui: UI) -> None:
    """A message for the conversation in view appears in the log and is not unread."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        message = ui.store.save_message(incoming(ALICE, "fresh news", 61))
        assert message is not None
        ui.client.bus.publish(MessageReceived(ME, message))
        await pilot.pause(0.2)
        assert "fresh news" in log_text(pilot)
        assert (ME, ALICE) not in main_screen(pilot).convs.unread


async def test_typing_and_enter_sends_and_shows_pending_then_acked(ui: UI) -> None:
    """Enter calls send_message; the message shows at once as pending, then acked."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("h", "i", "space", "t", "h", "e", "r", "e", "enter")
        await pilot.pause(0.2)
        assert ui.client.called("send_message") == [("send_message", ME, ALICE, "hi there")]
        log = main_screen(pilot).query_one(MessageLog)
        sent = log.messages[-1]
        assert sent.body == "hi there" and sent.state is MessageState.PENDING
        assert "hi there …" in log_text(pilot)
        assert main_screen(pilot).query_one(Composer).text == ""
        assert sent.id is not None
        ui.client.bus.publish(MessageStateChanged(ME, sent.id, ALICE, MessageState.ACKED))
        await pilot.pause(0.1)
        assert log.messages[-1].state is MessageState.ACKED
        assert "hi there ✓" in log_text(pilot)


async def test_ctrl_j_inserts_a_newline_instead_of_sending(ui: UI) -> None:
    """Ctrl+J (works over SSH) adds a line; nothing is sent until Enter."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("a", "ctrl+j", "b")
        await pilot.pause()
        assert main_screen(pilot).query_one(Composer).text == "a\nb"
        assert ui.client.called("send_message") == []


async def test_failed_send_shows_error_and_keeps_text(ui: UI) -> None:
    """When the client refuses, the reason is shown inline and the text is not lost."""
    ui.client.fail_send = True
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("y", "o", "enter")
        await pilot.pause(0.2)
        screen = main_screen(pilot)
        error = screen.query_one("#inline-error")
        assert "the server is on fire" in str(error.render())
        assert screen.query_one(Composer).text == "yo"


async def test_draft_is_kept_across_switching(ui: UI) -> None:
    """Text typed but not sent survives a switch to another conversation and back."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("d", "r", "a", "f", "t")
        screen = main_screen(pilot)
        screen.open_conversation((ME, BOB))
        await pilot.pause()
        assert screen.query_one(Composer).text == ""
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        assert screen.query_one(Composer).text == "draft"


async def test_text_typed_while_msg_runs_follows_to_the_conversation_it_opens(ui: UI) -> None:
    """Keys typed right after ``/msg bob`` Enter, before the line ran, are for Bob's
    conversation: opening it neither wipes them nor keeps them as Alice's draft."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        screen = main_screen(pilot)
        pane = screen.view
        pane.set_composer("/upload /tmp/a")  # typed after the line was submitted
        pane.post_message(pane.LineSubmitted(f"/msg {BOB}"))
        await pilot.pause()
        assert screen.convs.current == (ME, BOB)
        assert screen.query_one(Composer).text == "/upload /tmp/a"
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        assert screen.query_one(Composer).text == ""


async def test_up_in_empty_composer_recalls_last_sent(ui: UI) -> None:
    """Up in an empty composer brings back the last message sent here, for editing."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("o", "k", "enter")
        await pilot.pause(0.1)
        await pilot.press("up")
        await pilot.pause()
        assert main_screen(pilot).query_one(Composer).text == "ok"


async def test_scrolling_to_top_loads_older_page(ui: UI) -> None:
    """The log starts with the newest page and loads older ones from the store at the top."""
    ui.store.save_messages(incoming(ALICE, f"old {n}", -5000 + n) for n in range(250))
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        log = main_screen(pilot).query_one(MessageLog)
        assert len(log.messages) == 100
        log.scroll_home(animate=False, immediate=True)
        await pilot.pause(0.2)
        assert len(log.messages) == 200
        assert log.messages[0].timestamp < T0 - timedelta(minutes=1500)


async def test_new_messages_notice_when_scrolled_up(ui: UI) -> None:
    """A message arriving while the reader is scrolled up shows "1 new message"."""
    ui.store.save_messages(incoming(ALICE, f"line {n}", -3000 + n) for n in range(80))
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        log = main_screen(pilot).query_one(MessageLog)
        log.scroll_to(y=5, animate=False, immediate=True)
        await pilot.pause()
        message = ui.store.save_message(incoming(ALICE, "while away", 90))
        assert message is not None
        ui.client.bus.publish(MessageReceived(ME, message))
        await pilot.pause(0.2)
        notice = main_screen(pilot).query_one("#new-messages")
        assert notice.has_class("-shown")
        assert "1 new message" in str(notice.render())
        assert main_screen(pilot).convs.unread.get((ME, ALICE)) == 1


async def test_hostile_nick_and_body_render_literally(ui: UI) -> None:
    """Markup and escape sequences from the network are shown as text, never interpreted."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        hostile = incoming(ALICE, "[red]boom[/red] [link=http://x]y[/link] \x1b[31mred", 70)
        message = ui.store.save_message(hostile)
        assert message is not None
        ui.client.bus.publish(MessageReceived(ME, message))
        await pilot.pause(0.2)
        text = log_text(pilot)
        assert "[red]boom[/red]" in text
        assert "[link=http://x]y[/link]" in text
        assert "\x1b" not in text
        assert "Bob [b]bold[/b]" in roster_text(pilot)
        lines = main_screen(pilot).query_one(MessageLog)._lines
        boom = next(s for s in lines if "boom" in s.text)
        assert not any(
            seg.style and seg.style.color and seg.style.color.name == "red"
            for seg in boom
            if "boom" in seg.text
        )


async def test_up_recalls_last_own_message_from_history(ui: UI) -> None:
    """With nothing sent this session, Up brings back our last stored message here."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("up")
        await pilot.pause()
        assert main_screen(pilot).query_one(Composer).text == "👍"


async def test_header_keeps_the_account_at_80_columns_and_the_sidebar_grows_wide(
    tmp_path: Path,
) -> None:
    """With two accounts at 80 columns the header still says which account ("via …"), the
    address and status go last; at 200 columns the sidebar takes more room for long names."""
    from tests.ui.conftest import make_ui

    other = "another-account@example.net"
    ui = make_ui(tmp_path, accounts=(ME, other))
    async with ui.app.run_test(size=(80, 24)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await settle(pilot)
        header = screen.query_one("#conversation-header")
        shown = header.render_line(0).text  # what fits on the screen's one line
        assert f"via {ME}" in shown, shown
    (tmp_path / "wide").mkdir()
    async with make_ui(tmp_path / "wide", accounts=(ME, other)).app.run_test(
        size=(200, 50)
    ) as pilot:
        await settle(pilot)
        assert main_screen(pilot).query_one("#sidebar").size.width >= 40


async def test_main_footer_labels_are_whole_at_80_columns(ui: UI, tmp_path: Path) -> None:
    """Every key the main screen's footer shows keeps its label at 80 columns, in a chat and
    in a room (where F5 joins them): "f4 Ac▏" was cut by the palette key."""
    from tests.ui.test_rooms import room_ui

    def check(pilot: Pilot[None]) -> None:
        assert_hints_whole(main_screen(pilot).query_one(KeyBar))

    async with ui.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        check(pilot)
    async with room_ui(tmp_path, size=(80, 24)) as r:
        check(r.pilot)


async def test_a_click_on_a_key_hint_presses_its_key(ui: UI) -> None:
    """The key bar is one widget, but each hint still answers a click: F1's opens the help."""
    from tuichat.ui.screens.help import HelpScreen

    async with ui.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = main_screen(pilot).query_one(KeyBar)
        line = str(bar.render())
        column = line.index(" f1 Help ") + 2
        await pilot.click(KeyBar, offset=(column, 0))
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)


async def test_the_key_bar_resolves_keys_as_textual_does(ui: UI, tmp_path: Path) -> None:
    """The bar checks only the keys it can show, but for those it finds what Textual's
    ``active_bindings`` finds (binding, enabled, namespace), wherever the focus is, and in a
    room, where F5's ``check_action`` says yes."""
    from tests.ui.test_rooms import room_ui

    def same(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        bar = screen.query_one(KeyBar)
        mine = bar._active_bindings(pilot.app.COMMAND_PALETTE_BINDING)
        textual = screen.active_bindings
        assert mine and all(textual[key] == found for key, found in mine.items())
        shown = {k for k, b in textual.items() if b.binding.show}
        assert shown <= mine.keys()

    async with ui.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        same(pilot)  # the composer focused
        main_screen(pilot).query_one("#roster").focus()
        await pilot.pause()
        same(pilot)
    async with room_ui(tmp_path, size=(120, 40)) as r:
        same(r.pilot)
        assert "f5" in main_screen(r.pilot).query_one(KeyBar)._active_bindings("f10")
