"""Pilot tests of message actions: selecting a message, replying, reacting, correcting with Up,
retracting; what the log shows for each."""

from __future__ import annotations

from textual.widgets import OptionList

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME
from tests.ui.helpers import log_text, main_screen, settle
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.selection import SelectableLog


async def open_alice(pilot, ui: UI) -> None:  # type: ignore[no-untyped-def]
    main_screen(pilot).open_conversation((ME, ALICE))
    await pilot.pause()


def selected_lines(pilot) -> list[str]:  # type: ignore[no-untyped-def]
    return [line for line in log_text(pilot).splitlines() if "▶" in line]


async def test_selection_moves_with_the_keys_and_esc_leaves(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("alt+up")
        await settle(pilot)
        log = main_screen(pilot).query_one(SelectableLog)
        assert log.has_focus and log.selected is not None and log.selected.body == "👍"
        assert len(selected_lines(pilot)) == 1 and "👍" in selected_lines(pilot)[0]
        await pilot.press("up")
        await settle(pilot)
        assert log.selected is not None and log.selected.body.startswith("Great, see you")
        assert "Great, see you" in selected_lines(pilot)[0]
        await pilot.press("escape")
        await settle(pilot)
        assert selected_lines(pilot) == [] and main_screen(pilot).query_one(Composer).has_focus


async def test_reply_to_the_selected_message_shows_the_quote(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("alt+up", "up", "r")
        await settle(pilot)
        assert main_screen(pilot).query_one(Composer).has_focus
        await pilot.press("s", "u", "r", "e", "enter")
        await settle(pilot)
        replies = [c for c in ui.client.calls if c[0] == "reply"]
        assert len(replies) == 1 and replies[0][3] == "sure"
        text = log_text(pilot)
        assert "↱ alice@example.org: Great, see" in text, text[-600:]
        assert "sure" in text.rstrip().splitlines()[-1]
        await pilot.press("o", "k", "enter")  # the next line is an ordinary message again
        await settle(pilot)
        assert ("send_message", ME, ALICE, "ok") in ui.client.calls


async def test_react_with_the_picker_and_again_takes_it_back(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("alt+up", "up", "plus")
        await settle(pilot)
        assert isinstance(pilot.app.screen.query_one(OptionList), OptionList)
        await pilot.press("enter")
        await settle(pilot)
        assert [c[3] for c in ui.client.calls if c[0] == "react"] == [("👍",)]
        assert "👍 1" in log_text(pilot)
        await pilot.press("plus", "enter")
        await settle(pilot)
        assert [c[3] for c in ui.client.calls if c[0] == "react"][-1] == ()
        assert "👍 1" not in log_text(pilot)


async def test_up_corrects_the_last_message_in_place(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("up")
        await pilot.pause()
        assert main_screen(pilot).query_one(Composer).text == "👍"
        await pilot.press("backspace", "o", "k", "enter")
        await settle(pilot)
        assert [c[0] for c in ui.client.calls if c[0] in ("correct_message", "send_message")] == [
            "correct_message"
        ]
        text = log_text(pilot)
        assert "ok (edited)" in text and "👍" not in text.splitlines()[-1]
        [row] = [m for m in ui.store.history(ME, ALICE) if m.body == "ok"]
        assert [b for _t, b in ui.store.versions(row.id or 0)] == ["👍"]


async def test_retract_own_message_leaves_a_tombstone(ui: UI) -> None:
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("alt+up", "x")
        await settle(pilot)
        assert "message retracted" in log_text(pilot).splitlines()[-1]
        assert ui.store.search("👍") == []
        await pilot.press("up", "x")  # not ours: refused in words
        await settle(pilot)
        assert "only your own messages can be retracted" in str(
            main_screen(pilot).query_one("#inline-error").render()
        )


async def test_go_to_the_quoted_message_far_back(ui: UI) -> None:
    from datetime import timedelta

    from tests.ui.fakes import T0, incoming

    old = ui.store.save_messages([incoming(ALICE, "the very first question", -90000)])[0]
    ui.store.save_messages(incoming(ALICE, f"filler {n}", -80000 + n) for n in range(300))
    ui.client.clock = T0 + timedelta(hours=1)  # the reply is the newest message
    await ui.client.reply(ME, old, "answering at last")
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        assert "the very first question\n" not in log_text(pilot) + "\n"
        await pilot.press("alt+up", "g")
        await settle(pilot)
        log = main_screen(pilot).query_one(SelectableLog)
        assert log.highlight_id == old.id
        assert any("the very first question" in line for line in log_text(pilot).splitlines())


async def test_remove_asks_for_a_reason_then_shows_the_tombstone() -> None:
    from tests.ui.room_app import ROOM, make_room_app

    app, client, _clock = make_room_app("dark", traffic=False)
    async with app.run_test(size=(120, 40)) as pilot:
        while main_screen(pilot).convs.current != (ME, ROOM):
            await pilot.pause(0.05)
        await settle(pilot)
        await pilot.press("alt+up", "m")
        await settle(pilot)
        composer = main_screen(pilot).query_one(Composer)
        assert composer.has_focus and composer.text == "/moderate "
        await pilot.press("s", "p", "a", "m", "enter")
        await settle(pilot)
        assert [c[3] for c in client.calls if c[0] == "moderate"] == ["spam"]
        assert "message retracted (spam)" in log_text(pilot).splitlines()[-1]


async def test_copy_versions_and_open_link_on_the_selected_message(ui: UI) -> None:
    opened: list[str] = []
    async with ui.app.run_test(size=(120, 40)) as pilot:
        pilot.app.open_url = lambda url, **_kw: opened.append(url)  # type: ignore[method-assign]
        await open_alice(pilot, ui)
        await pilot.press("alt+up", "c")
        await settle(pilot)
        assert pilot.app.clipboard == "👍"
        screen = main_screen(pilot)
        thumb = screen.query_one(SelectableLog).selected
        assert thumb is not None
        await ui.client.correct_message(ME, thumb, "see https://example.org/menu")
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        options = pilot.app.screen.query_one(OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(2)] == [
            "earlier: 👍",
            "now: see https://example.org/menu",
        ]
        await pilot.press("escape", "o")
        await settle(pilot)
        assert opened == ["https://example.org/menu"]


async def test_a_correction_waiting_in_the_outbox_shows_at_once_marked_until_sent(ui: UI) -> None:
    from tuichat.events import MessageChanged
    from tuichat.model import MessageState

    ui.client.offline_actions = True  # type: ignore[attr-defined]
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await open_alice(pilot, ui)
        await pilot.press("up")
        await pilot.pause()
        await pilot.press("backspace", "o", "k", "enter")
        await settle(pilot)
        assert "ok (edited) (not sent yet)" in log_text(pilot)
        [queued] = ui.store.queued_actions.waiting(ME)
        ui.store.queued_actions.update_state(queued.row, MessageState.ACKED)  # the server took it
        ui.client.bus.publish(MessageChanged(ME, ui.store.get_message(queued.target)))  # type: ignore[arg-type]
        await settle(pilot)
        text = log_text(pilot)
        assert "ok (edited)" in text and "not sent yet" not in text
