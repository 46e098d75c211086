"""Pilot tests of how the message log lays out and scrolls: re-wrapping, following the end."""

from __future__ import annotations

from textual.color import Color

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME, incoming
from tests.ui.helpers import main_screen, settle
from tuichat.events import MessageReceived
from tuichat.ui.widgets.message_log import MessageLog


def the_log(pilot) -> MessageLog:  # type: ignore[no-untyped-def]
    """The main screen's message log."""
    return main_screen(pilot).query_one(MessageLog)


async def test_lines_rewrap_when_the_scrollbar_takes_a_column(ui: UI) -> None:
    """Lines laid out before the scrollbar appeared are wrapped again, none under the bar."""
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        log = the_log(pilot)
        full = "0123456789" * 12 + " tail"
        first = ui.store.save_message(incoming(ALICE, full, 100, stanza="wide"))
        assert first is not None
        ui.client.bus.publish(MessageReceived(ME, first))
        await pilot.pause()
        assert not log.show_vertical_scrollbar
        for minute in range(101, 121):
            message = ui.store.save_message(incoming(ALICE, f"line {minute}", minute))
            assert message is not None
            ui.client.bus.publish(MessageReceived(ME, message))
        await pilot.pause(0.1)
        assert log.show_vertical_scrollbar
        width = log.scrollable_content_region.width
        assert [s.text for s in log._lines if len(s.text.rstrip()) > width] == []
        texts = [s.text for s in log._lines]
        start = next(i for i, text in enumerate(texts) if "0123" in text)
        column = texts[start].index("0123")
        body = []
        for text in texts[start:]:
            body.append(text[column:].rstrip())
            if text.rstrip().endswith("tail"):
                break
        assert "".join(body).replace(" ", "") == full.replace(" ", "")


async def test_opened_conversation_stays_at_the_newest_line_when_content_follows(ui: UI) -> None:
    """Ctrl+K opens at the newest message, and a catch-up message inserted by time (or any
    later re-layout) keeps it there: the end is held, not scrolled to once."""
    ui.store.save_messages(
        [incoming(ALICE, f"message {i} " + "x" * (i % 50), 10 + i) for i in range(30)]
    )
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await pilot.pause()
        await pilot.press("a", "l", "i", "enter")
        await pilot.pause(0.1)
        log = the_log(pilot)
        assert main_screen(pilot).convs.current == (ME, ALICE)
        assert log.max_scroll_y > 0
        assert log.scroll_y == log.max_scroll_y
        caught_up = ui.store.save_message(incoming(ALICE, "from the archive", 7, stanza="mam"))
        assert caught_up is not None
        ui.client.bus.publish(MessageReceived(ME, caught_up))
        await pilot.pause(0.1)
        assert "from the archive" in "".join(s.text for s in log._lines)
        assert log.scroll_y == log.max_scroll_y
        log.update_state(log.messages[-1].id or 0, log.messages[-1].state)
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y


async def test_reader_who_scrolled_up_is_not_pulled_down(ui: UI) -> None:
    """Once the reader scrolls up, new content no longer moves the view to the end."""
    ui.store.save_messages([incoming(ALICE, f"message {i}", 10 + i) for i in range(40)])
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        log = the_log(pilot)
        log.focus()
        await pilot.press("pageup")
        await pilot.pause()
        where = log.scroll_y
        assert where < log.max_scroll_y
        late = ui.store.save_message(incoming(ALICE, "later", 200, stanza="later"))
        assert late is not None
        ui.client.bus.publish(MessageReceived(ME, late))
        await pilot.pause(0.1)
        assert log.scroll_y == where
        assert log.unseen == 1


async def test_nick_column_grows_with_the_width(ui: UI) -> None:
    """A JID shown as the author is whole on a wide terminal (it was cut at 14 cells)."""
    stranger = "qbob@example.org"
    message = ui.store.save_message(incoming(stranger, "hello from afar", 40))
    assert message is not None
    async with ui.app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        main_screen(pilot).open_conversation((ME, stranger))
        await pilot.pause()
        [line] = [s.text for s in the_log(pilot)._lines if "hello from afar" in s.text]
        assert line.startswith(f"09:40 {stranger} ")


async def test_focused_log_shows_a_bar_in_every_theme(ui: UI) -> None:
    """Tabbing to the log shows it: a bar in the primary colour on its left edge, which is
    there (in the background colour) while unfocused, so focus never re-wraps the lines."""
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main_screen(pilot).open_conversation((ME, ALICE))
        await pilot.pause()
        log = the_log(pilot)
        for theme in ("dark", "light", "high-contrast"):
            pilot.app.theme = theme
            await pilot.pause()
            main_screen(pilot).view.composer.focus()
            await pilot.pause()
            width = log.scrollable_content_region.width
            kind, color = log.styles.border_left
            assert kind == "tall"
            assert color == log.styles.background
            log.focus()
            await pilot.pause()
            kind, color = log.styles.border_left
            assert kind == "tall"
            primary = Color.parse(pilot.app.current_theme.primary)
            assert max(abs(a - b) for a, b in zip(color.rgb, primary.rgb, strict=True)) <= 2
            assert color != log.styles.background
            assert log.scrollable_content_region.width == width


async def test_a_changed_message_is_re_rendered_alone_in_its_place(ui: UI) -> None:
    """A reaction (a line more) and a correction re-render that message only, not the log,
    and leave the same lines as a whole new layout would."""
    from dataclasses import replace

    from tuichat.actions import Marks
    from tuichat.events import MessageChanged

    async with ui.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        screen.open_conversation((ME, ALICE))
        await pilot.pause()
        log = the_log(pilot)
        shown = ui.store.save_messages([incoming(ALICE, f"line {n}", 200 + n) for n in range(8)])
        for message in shown:
            assert message is not None
            ui.client.bus.publish(MessageReceived(ME, message))
        await pilot.pause(0.2)
        relayouts = [0]
        relayout = log._relayout

        def counted() -> None:
            relayouts[0] += 1
            relayout()

        log._relayout = counted  # type: ignore[method-assign]
        target = log.messages[-4]
        reacted = replace(target, marks=Marks(reactions=(("👍", ("bob@example.net",)),)))
        before = log.line_count
        ui.client.bus.publish(MessageChanged(ME, reacted))
        await pilot.pause()
        edited = replace(reacted, body="line fixed", marks=replace(reacted.marks, edited=True))
        ui.client.bus.publish(MessageChanged(ME, edited))
        await pilot.pause()
        assert relayouts[0] == 0
        assert log.line_count == before + 1
        texts = [s.text.rstrip() for s in log._lines]
        assert any("👍" in text for text in texts) and any("line fixed" in t for t in texts)
        starts = list(log._starts)
        relayout()  # a whole new layout gives the same lines
        assert [s.text.rstrip() for s in log._lines] == texts and log._starts == starts
