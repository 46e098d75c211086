"""Tests of the window list: numbers that stay put, Alt+N and /win N, the status bar's list."""

from __future__ import annotations

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, BOB, ME, incoming
from tests.ui.helpers import log_text, main_screen, settle, status_text
from tuichat.ui.state import Conversations, WindowMark
from tuichat.ui.widgets.composer import Composer

CAROL = "carol@example.org"
A, B, C, D = ((ME, f"{n}@example.org") for n in "abcd")


def test_closing_a_conversation_leaves_the_others_numbers_alone() -> None:
    """Close number 2 of 3: number 3 stays 3; the next one opened takes the free 2."""
    convs = Conversations()
    for key in (A, B, C):
        convs.show(key)
    assert [convs.number(k) for k in (A, B, C)] == [1, 2, 3]
    convs.close(B)
    assert convs.number(C) == 3 and convs.nth(3) == C and convs.nth(2) is None
    convs.show(D)
    assert convs.number(D) == 2 and convs.open == [A, D, C]
    convs.add_unread(A)
    assert convs.windows({}) == (
        WindowMark(1, unread=True),
        WindowMark(2, current=True),
        WindowMark(3),
    )


async def run_line(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Put ``text`` in the composer and press Enter."""
    composer = main_screen(pilot).query_one(Composer)
    composer.focus()
    composer.set_text(text)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_window_numbers_stay_put_and_win_n_reaches_them(ui: UI) -> None:
    """Bob, Alice, Carol are 1, 2, 3; closing Alice keeps Carol on Alt+3 and /win 3, and the
    status bar lists [1]-and-3 with the one in view marked."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        screen.open_conversation((ME, CAROL))
        await settle(pilot)
        assert screen.convs.open == [(ME, BOB), (ME, ALICE), (ME, CAROL)]
        assert status_text(pilot).startswith("[1][2][3]")
        await run_line(pilot, "/win 2")
        await run_line(pilot, "/close")
        await settle(pilot)
        assert screen.convs.current == (ME, CAROL)
        assert status_text(pilot).startswith("[1][3]")
        await pilot.press("alt+1")
        await pilot.pause()
        assert screen.convs.current == (ME, BOB)
        await pilot.press("alt+3")
        await pilot.pause()
        assert screen.convs.current == (ME, CAROL)
        assert str(screen.query_one("#conversation-header").render()).startswith("3 ")
        await run_line(pilot, "/win 1")
        assert screen.convs.current == (ME, BOB)
        await run_line(pilot, "/win 2")
        error = str(screen.query_one("#inline-error").render())
        assert "no conversation numbered 2 (open: 1, 3)" in error


async def test_next_unread_lands_on_the_first_unread_message_under_a_divider(ui: UI) -> None:
    """Ctrl+N into a conversation with three unread messages: the first of them is marked and
    in view, with a "new messages" line right above it (and the read ones above that)."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await settle(pilot)
        older = [incoming(BOB, f"old {n}", 40 + n) for n in range(30)]
        fresh = [incoming(BOB, f"fresh {n}", 80 + n) for n in range(3)]
        ui.store.save_messages(older)
        ui.store.mark_read(ME, BOB)
        ui.store.save_messages(fresh)
        screen.convs.add_unread((ME, BOB), 3)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.convs.current == (ME, BOB)
        log = screen.view.message_log
        first = next(m for m in log.messages if m.body == "fresh 0")
        assert log.highlight_id == first.id
        text = log_text(pilot)
        assert text.index("old 29") < text.index("new messages") < text.index("fresh 0")
        assert text.count("new messages") == 1
