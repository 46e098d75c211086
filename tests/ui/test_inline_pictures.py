"""Pilot and snapshot tests of pictures drawn in the log under their file line: a contact's
picture is fetched once (lazily, when painted) and drawn in half blocks; a stranger's is not
fetched, a line says how to (``f``), and ``f`` then fetches it; ``[ui] inline_images = false``
fetches none; a picture that cannot be read is said in words; ``f`` views one full size."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from rich.color import ColorSystem
from rich.text import Text
from textual.pilot import Pilot

from tests.pngs import rgb_png
from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME, FakeClient, incoming
from tests.ui.helpers import log_text, main_screen, settle
from tests.ui.room_app import ROOM, room_message
from tests.ui.snapshot_app import make_app
from tuichat.files import Attachment
from tuichat.model import Direction, Message
from tuichat.pictures import Picture
from tuichat.store import Store
from tuichat.ui.dialogs.picture_dialog import PictureDialog
from tuichat.ui.picture_lines import with_pictures
from tuichat.ui.picture_view import PictureView
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.selection import SelectableLog

STRANGER = "mallory@evil.example"
RED, BLUE = (220, 30, 30), (30, 60, 220)
PNG = rgb_png([[RED] * 8 + [BLUE] * 8] * 8)
"""16 x 8 pixels: red on the left, blue on the right."""


@pytest.fixture(autouse=True)
def half_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever terminal runs the tests: half blocks."""
    monkeypatch.setenv("TUICHAT_PICTURES", "blocks")
    monkeypatch.delenv("NO_COLOR", raising=False)


def picture(url: str) -> Attachment:
    return Attachment(url, url.rpartition("/")[2], len(PNG), "image/png")


CAT = picture("https://upload.example.org/slot/cat.png")
ODD = picture("https://upload.example.org/slot/odd.png")


def shared(sender: str, attachment: Attachment, minutes: int) -> Message:
    return replace(incoming(sender, attachment.url, minutes), attachments=(attachment,))


async def until(pilot: Pilot[None], done: object, timeout: float = 5.0) -> None:
    waited = 0.0
    while not callable(done) or not done():
        if waited > timeout:
            raise AssertionError("timed out")
        await pilot.pause(0.05)
        waited += 0.05


def drawn(pilot: Pilot[None]) -> int:
    """Lines of the log that carry half blocks."""
    return sum("▀" in line for line in log_text(pilot).splitlines())


async def open_chat(pilot: Pilot[None], jid: str) -> None:
    pilot.app.console._color_system = ColorSystem.TRUECOLOR  # tests run with TERM=xterm: 16
    main_screen(pilot).open_conversation((ME, jid))
    await settle(pilot)


async def test_a_contacts_picture_is_fetched_once_and_drawn_in_half_blocks(ui: UI) -> None:
    ui.client.pictures[CAT.url] = PNG
    ui.store.save_messages([shared(ALICE, CAT, 7)])
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_chat(pilot, ALICE)
        await until(pilot, lambda: drawn(pilot) > 0)
        assert drawn(pilot) == 4  # 16 x 8 pixels: 16 x 4 cells, never enlarged
        log = main_screen(pilot).query_one(SelectableLog)
        strip = next(s for s in log._lines if "▀" in s.text)
        colours = {
            tuple(seg.style.color.get_truecolor())
            for seg in strip
            if set(seg.text) == {"▀"} and seg.style and seg.style.color
        }
        assert colours == {RED, BLUE}
        await open_chat(pilot, "bob@example.net")
        await open_chat(pilot, ALICE)  # shown again: not fetched again
        await pilot.pause(0.2)
        assert drawn(pilot) == 4
        assert ui.client.called("fetch_preview") == [("fetch_preview", ME, CAT.url)]


async def test_a_strangers_picture_is_not_fetched_until_f_asks(ui: UI) -> None:
    ui.client.pictures[CAT.url] = PNG
    ui.store.save_messages([shared(STRANGER, CAT, 7)])
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_chat(pilot, STRANGER)
        await until(pilot, lambda: "not fetched: press f" in log_text(pilot))
        assert "🖼 cat.png not fetched: press f to fetch" in log_text(pilot)
        assert ui.client.called("fetch_preview") == []
        assert drawn(pilot) == 0
        await pilot.press("alt+up", "f")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # "Show the picture in the log: cat.png"
        await until(pilot, lambda: drawn(pilot) > 0)
        assert "not fetched: press f" not in log_text(pilot)
        assert ui.client.called("fetch_preview") == [("fetch_preview", ME, CAT.url)]


async def test_inline_images_off_fetches_nothing_without_asking(ui: UI) -> None:
    ctx = ui.app.ctx
    ctx.config = replace(ctx.config, ui=replace(ctx.config.ui, inline_images=False))
    ui.client.pictures[CAT.url] = PNG
    ui.store.save_messages([shared(ALICE, CAT, 7)])
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_chat(pilot, ALICE)
        await until(pilot, lambda: "not fetched: press f" in log_text(pilot))
        assert ui.client.called("fetch_preview") == []


async def test_a_picture_that_cannot_be_fetched_or_read_is_said_in_words(ui: UI) -> None:
    ui.client.pictures[ODD.url] = b"\x89PNG\r\n\x1a\nnot really"
    ui.store.save_messages([shared(ALICE, CAT, 7), shared(ALICE, ODD, 8)])
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_chat(pilot, ALICE)
        await until(pilot, lambda: log_text(pilot).count("🖼") == 2)
        text = log_text(pilot)
        assert "🖼 the server did not give cat.png: 404 Not Found" in text
        assert "🖼 the picture is damaged or cut short" in text or "can be shown" in text
        assert drawn(pilot) == 0


async def test_only_messages_painted_ask_for_their_pictures(ui: UI) -> None:
    """A picture far above the view is not fetched until the reader scrolls to it."""
    old = replace(shared(ALICE, CAT, 1), stanza_id="old")
    chatter = [incoming(ALICE, f"line {i}", 10 + i) for i in range(80)]
    ui.client.pictures[CAT.url] = PNG
    ui.store.save_messages([old, *chatter])
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_chat(pilot, ALICE)
        await pilot.pause(0.3)
        assert ui.client.called("fetch_preview") == []
        log = main_screen(pilot).query_one(SelectableLog)
        log.scroll_home(animate=False, immediate=True)
        await until(pilot, lambda: drawn(pilot) > 0)
        assert len(ui.client.called("fetch_preview")) == 1
        # Only that message's lines were re-rendered: the same as a whole new layout.
        spliced, starts = [line.text.rstrip() for line in log._lines], list(log._starts)
        log._relayout()
        assert [line.text.rstrip() for line in log._lines] == spliced
        assert log._starts == starts


def add_picture(store: Store, client: FakeClient) -> None:
    client.pictures[CAT.url] = PNG
    store.save_messages([shared(ALICE, CAT, 7)])


def test_inline_picture_snapshot(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """80x24: a contact's picture drawn in half blocks under its file line."""
    app = make_app("dark", tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        client = screen.ctx.client
        assert isinstance(client, FakeClient)
        add_picture(screen.ctx.store, client)
        await open_chat(pilot, ALICE)
        await until(pilot, lambda: drawn(pilot) > 0)
        screen.query_one(Composer).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_f_views_a_picture_full_size_in_a_dialog(ui: UI) -> None:
    """From anyone, when asked: the picture in a dialog of its own (where kitty or sixel
    graphics can draw it), larger than in the log; Escape closes it."""
    ui.client.pictures[CAT.url] = PNG
    ui.store.save_messages([shared(STRANGER, CAT, 7)])
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_chat(pilot, STRANGER)
        await pilot.press("alt+up", "f")
        await settle(pilot)
        await pilot.press("down", "down", "down", "enter")  # "View the picture full size"
        await until(pilot, lambda: isinstance(pilot.app.screen, PictureDialog))
        view = pilot.app.screen.query_one(PictureView)
        await until(pilot, lambda: view.drawing is not None)
        assert view.drawing is not None and "▀" in view.drawing.plain
        assert drawn(pilot) == 0  # the log still asks before it draws a stranger's picture
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(pilot.app.screen, PictureDialog))


def test_a_picture_is_never_wider_than_the_room_beside_the_names() -> None:
    """40 x 10 cells at most, narrower when the log is; too narrow: not drawn."""
    big = Picture(200, 100, tuple(tuple([RED] * 200) for _ in range(100)))
    message = shared(ALICE, CAT, 1)
    body = Text("📎 cat.png")
    wide = with_pictures(body, message, {CAT.url: big}, 100).plain.split("\n")[1:]
    assert [len(line) for line in wide] == [40] * 10
    narrow = with_pictures(body, message, {CAT.url: big}, 12).plain.split("\n")[1:]
    assert len(narrow) == 3 and {len(line) for line in narrow} == {12}  # aspect kept
    assert with_pictures(body, message, {CAT.url: big}, 3).plain == body.plain
    assert with_pictures(body, message, {}, 100).plain == body.plain


async def test_pictures_in_a_room_of_ours_and_our_own_are_fetched(ui: UI) -> None:
    """A room whose messages we hold (one we joined): its members' pictures are fetched like
    a contact's; so is a picture we sent to a stranger."""
    mine = picture("https://upload.example.org/slot/mine.png")
    ui.client.pictures.update({CAT.url: PNG, mine.url: PNG})
    ours = replace(shared(STRANGER, mine, 9), direction=Direction.OUT, sender=ME)
    ui.store.save_messages([replace(room_message("zed", CAT.url, 7), attachments=(CAT,)), ours])
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_chat(pilot, ROOM)
        await until(pilot, lambda: drawn(pilot) == 4)
        await open_chat(pilot, STRANGER)
        await until(pilot, lambda: drawn(pilot) == 4)
        assert {c[2] for c in ui.client.called("fetch_preview")} == {CAT.url, mine.url}


async def test_a_picture_drawn_above_the_view_does_not_move_what_is_read(ui: UI) -> None:
    """The reader scrolled up: a picture that arrives for a message above the view pushes
    nothing under the reader's eyes (the view follows its lines)."""
    chatter = [incoming(ALICE, f"line {i}", 10 + i) for i in range(80)]
    ui.store.save_messages([replace(shared(ALICE, CAT, 1), stanza_id="old"), *chatter])
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_chat(pilot, ALICE)
        log = main_screen(pilot).query_one(SelectableLog)
        log.scroll_to(y=40, animate=False, immediate=True)
        await pilot.pause()
        top = int(log.scroll_y)
        seen = [line.text for line in log._lines[top : top + 5]]
        big = Picture(16, 8, tuple(tuple([RED] * 16) for _ in range(8)))
        log.show_picture(CAT.url, big)
        await pilot.pause()
        assert drawn(pilot) == 4
        top = int(log.scroll_y)
        assert [line.text for line in log._lines[top : top + 5]] == seen
