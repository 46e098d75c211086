"""The data form renderer and the command screen, driven by the keyboard only (FakeClient)."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, SelectionList, Static, TextArea

from tests.ui.conftest import make_ui
from tests.ui.fakes import ME
from tests.ui.form_samples import EVERY_TYPE, FormApp, Wizard
from tests.ui.helpers import main_screen, settle
from tests.ui.snapshot_app import make_app
from tests.ui.test_commands import run_line
from tests.ui.test_snapshots import steady
from tuichat.forms import Field, FieldType, Form, Option, Validation
from tuichat.ui.dialogs.command_run import CommandScreen
from tuichat.ui.dialogs.data_form import DataFormScreen, DataFormView


async def _type(pilot: Pilot[None], text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)


def _error(screen: object, index: int) -> str:
    return str(screen.query_one(f"#error-{index}", Static).render())  # type: ignore[attr-defined]


async def test_every_field_type_filled_from_the_keyboard() -> None:
    """Tab walks every field in order; typing, Space, the drop-down and the tick list all work
    without a mouse; Ctrl+S returns the filled form."""
    app = FormApp(EVERY_TYPE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DataFormScreen)
        assert app.focused is screen.query_one("#field-2", Input)  # Name, the first editor
        await _type(pilot, "Ann Lee")
        await pilot.press("tab")
        secret = screen.query_one("#field-3", Input)
        assert app.focused is secret and secret.password
        await pilot.press("shift+tab")
        assert app.focused is screen.query_one("#field-2", Input)
        await pilot.press("tab")
        await _type(pilot, "s3cret")
        await pilot.press("tab")
        await _type(pilot, "42")
        await pilot.press("tab")
        bio = screen.query_one("#field-5", TextArea)
        assert app.focused is bio
        await pilot.press("down", "end", "enter")
        await _type(pilot, "three")
        await pilot.press("tab")
        news = screen.query_one("#field-6", Checkbox)
        assert app.focused is news and not news.value
        await pilot.press("space")
        assert news.value
        await pilot.press("tab")
        await _type(pilot, "bob@example.org")
        await pilot.press("tab")
        await _type(pilot, "c@d.e")
        await pilot.press("enter")
        await _type(pilot, "f@g.h")
        await pilot.press("tab")
        colour = screen.query_one("#field-9", Select)
        assert app.focused is colour and colour.value == "g"
        await pilot.press("enter", "down", "enter")  # open, Green → Blue, pick
        await pilot.pause()
        assert colour.value == "b"
        await pilot.press("tab")
        colours = screen.query_one("#field-10", SelectionList)
        assert app.focused is colours
        await pilot.press("space", "down", "down", "space")
        await pilot.press("tab")
        await _type(pilot, "xkcd")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert len(app.returned) == 1
        result = app.returned[0]
        assert result is not None
        assert result.values() == {
            "FORM_TYPE": ("urn:example:signup",),
            "name": ("Ann Lee",),
            "password": ("s3cret",),
            "age": ("42",),
            "bio": ("line one", "line two", "three"),
            "news": ("1",),
            "buddy": ("bob@example.org",),
            "friends": ("c@d.e", "f@g.h"),
            "colour": ("b",),
            "colours": ("r", "b"),
            "captcha": ("xkcd",),
        }


async def test_problems_are_shown_under_their_fields() -> None:
    """Ctrl+S with a required field empty and a value out of range: each field says why, the
    first bad one has focus, nothing is returned; fixing them lets it through."""
    app = FormApp(EVERY_TYPE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("tab", "tab")  # to Age
        await _type(pilot, "7")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.returned == []
        assert _error(screen, 2) == "Name is required"
        assert _error(screen, 3) == "Password is required"
        assert _error(screen, 4) == "'7' is below the least allowed (13)"
        assert screen.query_one("#block-2").has_class("-invalid")
        assert app.focused is screen.query_one("#field-2", Input)
        assert "need a look" in str(screen.query_one("#form-status", Static).render())
        await _type(pilot, "Ann")
        await pilot.press("tab")
        await _type(pilot, "pw")
        await pilot.press("tab", "backspace")
        await _type(pilot, "70")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.returned and app.returned[0] is not None
        assert app.returned[0].values()["age"] == ("70",)


async def test_open_list_takes_any_value_and_names_its_choices() -> None:
    """A list open to other values (XEP-0122 ``open``) is typed, its choices named under it;
    a label typed is sent as its option's value."""
    form = Form(
        fields=(
            Field(
                "colour", FieldType.LIST_SINGLE, "Colour",
                options=(Option("r", "Red"), Option("b", "Blue")),
                validation=Validation(method="open"),
            ),
        )
    )  # fmt: skip
    app = FormApp(form)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(DataFormView)
        notes = "\n".join(str(s.render()) for s in view.query(".form-note"))
        assert "choices: Red, Blue, or another value" in notes
        await _type(pilot, "Blue")
        assert view.answers() == {"colour": ("b",)}
        app.screen.query_one("#field-0", Input).value = "teal"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.returned[0] is not None and app.returned[0].values() == {"colour": ("teal",)}


async def test_escape_returns_nothing() -> None:
    """Esc closes the form without an answer."""
    app = FormApp(EVERY_TYPE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.returned == [None]


async def test_result_and_hostile_text_are_shown_as_text() -> None:
    """A result shows values and a table; markup and escape codes from the network stay text."""
    form = Form(
        kind="result",
        title="[bold red]Stats[/]",
        fields=(
            Field("n", FieldType.TEXT_SINGLE, "Users [link=x]", values=("3",)),
            Field("ok", FieldType.BOOLEAN, "Up", values=("1",)),
        ),
        reported=(Field("jid", label="JID"),),
        items=({"jid": ("a@b.c",)}, {"jid": ("[i]d@e.f",)}),
    )
    app = FormApp(form, "Result")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(DataFormView)
        assert view.read_only and not view.query(Input)
        shown = "\n".join(str(s.render()) for s in view.query(Static))
        assert "[bold red]Stats[/]" in shown and "Users [link=x]" in shown
        assert "yes" in shown
        table = view.query_one("DataTable")
        assert table.row_count == 2  # type: ignore[attr-defined]
        assert "[i]d@e.f" in str(table.get_row_at(1)[0])  # type: ignore[attr-defined]


def test_every_field_type_snapshot(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A form with every field type at 80x24 over the app: required marks, a description,
    the picture link; it scrolls (the view is taller than the screen)."""

    async def run_before(pilot: Pilot[None]) -> None:
        await steady(pilot)
        pilot.app.push_screen(DataFormScreen("Sign up at example.org", EVERY_TYPE))
        await pilot.pause(0.2)
        for area in pilot.app.screen.query(Input):
            area.cursor_blink = False

    assert snap_compare(make_app("dark", tmp_path), terminal_size=(80, 24), run_before=run_before)


# -- the command screen -----------------------------------------------------------------------


async def _wait_step(pilot: Pilot[None], screen: CommandScreen, status: str = "") -> None:
    for _ in range(100):
        await pilot.pause(0.02)
        if (
            screen.step is not None
            and not screen.busy
            and (not status or screen.step.status == status)
        ):
            break


def _notes(screen: CommandScreen) -> str:
    return str(screen.query_one("#command-notes", Static).render())


def _status(screen: CommandScreen) -> str:
    return str(screen.query_one("#command-status", Static).render())


async def test_command_picked_filled_back_and_cancelled(tmp_path: Path) -> None:
    """/command lists the service's commands; Enter runs one; step one's form goes with
    Ctrl+S; step two's warning shows; Ctrl+B goes back with the answers kept; Esc cancels at
    the service and a second Esc closes."""
    ui = make_ui(tmp_path)
    wizard = Wizard()
    ui.client.command_lists[wizard.jid] = [("wizard", "Set up"), ("other", "Something else")]
    ui.client.command_service = wizard
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_line(pilot, f"/command {wizard.jid}")
        await pilot.pause(0.2)
        await _type(pilot, "set up")
        await pilot.press("enter")
        await pilot.pause(0.1)
        screen = pilot.app.screen
        assert isinstance(screen, CommandScreen)
        await _wait_step(pilot, screen)
        assert screen.step is not None and screen.step.actions == ("next",)
        assert not screen.query_one("#do-prev").display
        await _type(pilot, "Ann")
        await pilot.press("tab")
        await _type(pilot, "pw")
        await pilot.press("ctrl+s")
        await _wait_step(pilot, screen)
        assert screen.step.form is not None and screen.step.form.title == "Confirm"
        assert "warning: Check twice" in _notes(screen)
        assert screen.query_one("#do-prev").display and screen.query_one("#do-complete").display
        sent = wizard.received[-1][1]
        assert sent is not None and sent.values()["name"] == ("Ann",)
        await pilot.press("ctrl+b")
        await _wait_step(pilot, screen)
        assert wizard.received[-1][0] == "prev"
        assert screen.query_one("#field-2", Input).value == "Ann"
        await pilot.press("ctrl+s")
        await _wait_step(pilot, screen)
        await pilot.press("escape")
        await _wait_step(pilot, screen, "canceled")
        assert wizard.received[-1][0] == "cancel"
        assert "info: Cancelled" in _notes(screen) and "canceled" in _status(screen)
        assert wizard.sessions == {}
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is main_screen(pilot)


async def test_command_completes_with_a_result_table(tmp_path: Path) -> None:
    """/command ADDRESS NODE runs at once; a required field missing is refused before it goes;
    an error note is shown; the completed step shows its result form and table, read-only."""
    ui = make_ui(tmp_path)
    wizard = Wizard()
    ui.client.command_service = wizard
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_line(pilot, f"/command {wizard.jid} wizard")
        screen = pilot.app.screen
        assert isinstance(screen, CommandScreen)
        await _wait_step(pilot, screen)
        await pilot.press("ctrl+s")  # the required name is not given
        await pilot.pause(0.1)
        assert len(wizard.received) == 1
        assert "need a look" in _status(screen)
        assert _error(screen, 2) == "Name is required"
        await _type(pilot, "Ann")
        await pilot.press("tab")
        await _type(pilot, "pw")
        await pilot.press("ctrl+s")
        await _wait_step(pilot, screen)
        await pilot.press("ctrl+s")  # not ticked: the service says no in a note
        await _wait_step(pilot, screen)
        assert "error: Tick the box" in _notes(screen)
        assert screen.step is not None and screen.step.status == "executing"
        await pilot.press("space", "ctrl+s")
        await _wait_step(pilot, screen, "completed")
        assert "info: Done" in _notes(screen)
        view = screen.query_one(DataFormView)
        assert view.read_only
        assert view.query_one("DataTable").row_count == 1  # type: ignore[attr-defined]
        assert not screen.query_one("#do-complete").display
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is main_screen(pilot)
        assert ui.client.called("run_command")[0][1:4] == (ME, wizard.jid, "wizard")


async def test_expired_session_and_refusals_in_words(tmp_path: Path) -> None:
    """A session the service forgot is said in words and the command can still be closed; a
    command list the service refuses shows why in the picker."""
    ui = make_ui(tmp_path)
    wizard = Wizard()
    ui.client.command_service = wizard
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_line(pilot, f"/command {wizard.jid} wizard")
        screen = pilot.app.screen
        assert isinstance(screen, CommandScreen)
        await _wait_step(pilot, screen)
        await _type(pilot, "Ann")
        await pilot.press("tab")
        await _type(pilot, "pw")
        wizard.expire()
        await pilot.press("ctrl+s")
        await _wait_step(pilot, screen)
        assert "session has expired; start the command again" in _status(screen)
        assert screen.has_class("-error") or "expired" in _status(screen)
        await pilot.press("escape")  # cancelling a forgotten session fails in words too
        await pilot.pause(0.2)
        assert "expired" in _status(screen)
        ui.client.fail["list_commands"] = "cannot list the commands: you are not allowed"
        screen.dismiss(None)
        await pilot.pause()
        await run_line(pilot, "/command example.org")
        await pilot.pause(0.2)
        assert "not allowed" in str(pilot.app.screen.query_one("#picker-status", Static).render())


def test_command_step_snapshot(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The second step of a command at 80x24: its warning note, the confirmation form with a
    required tick, and Back / Finish / Cancel."""
    app = make_app("dark", tmp_path)
    wizard = Wizard()
    app.ctx.client.command_service = wizard  # type: ignore[attr-defined]

    async def run_before(pilot: Pilot[None]) -> None:
        await steady(pilot)
        await run_line(pilot, f"/command {wizard.jid} wizard")
        screen = pilot.app.screen
        assert isinstance(screen, CommandScreen)
        await _wait_step(pilot, screen)
        await _type(pilot, "Ann")
        await pilot.press("tab")
        await _type(pilot, "pw")
        await pilot.press("ctrl+s")
        await _wait_step(pilot, screen)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
