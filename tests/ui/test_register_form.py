"""Pilot tests of account registration when the server asks more than a name and a password
(XEP-0077 with a data form): the extra fields, a CAPTCHA's picture as a link, in the form
screen; cancelling it adds nothing."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.ui.conftest import make_ui
from tests.ui.test_roster_accounts import fill_form
from tuichat.forms import Field, FieldType, Form, Media
from tuichat.ui.dialogs.data_form import DataFormScreen

CAPTCHA = Media((("image/png", "https://example.org/captcha.png"),), 120, 40)
EXTRA = Form(
    title="Creating a new account",
    instructions=("Choose a username and password for use with this service.",),
    fields=(
        Field("FORM_TYPE", FieldType.HIDDEN, values=("jabber:iq:register",)),
        Field("email", FieldType.TEXT_SINGLE, label="Email", required=True),
        Field("ocr", FieldType.TEXT_SINGLE, label="Type the word", required=True, media=CAPTCHA),
    ),
)


async def test_extra_fields_are_asked_in_the_form_screen(tmp_path: Path) -> None:
    """The server's form opens over the register form; its picture shows as a link; the
    answers go back with the registration, and the account is added."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    ui.client.registration_form = EXTRA
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await fill_form(pilot, "r", jid="fresh@example.org", secret="pw", secret2="pw")
        for _ in range(50):
            if isinstance(pilot.app.screen, DataFormScreen):
                break
            await pilot.pause(0.02)
        screen = pilot.app.screen
        assert isinstance(screen, DataFormScreen)
        assert "Creating a new account" in str(screen.query_one("#form-heading", Static).render())
        shown = " ".join(str(s.render()) for s in screen.query(Static))
        assert "https://example.org/captcha.png" in shown
        for char in "a@b.example":
            await pilot.press(char)
        await pilot.press("tab")
        for char in "xyzzy":
            await pilot.press(char)
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        [given] = ui.client.registration_answers
        assert given.values() == {
            "FORM_TYPE": ("jabber:iq:register",),
            "email": ("a@b.example",),
            "ocr": ("xyzzy",),
        }
        assert 'jid = "fresh@example.org"' in ui.config_path.read_text()


async def test_cancelling_the_extra_fields_adds_nothing(tmp_path: Path) -> None:
    """Esc in the server's form: the registration is cancelled, said in the register form."""
    ui = make_ui(tmp_path, accounts=(), seed=False)
    ui.client.registration_form = EXTRA
    async with ui.app.run_test(size=(80, 24)) as pilot:
        form = await fill_form(pilot, "r", jid="fresh@example.org", secret="pw", secret2="pw")
        for _ in range(50):
            if isinstance(pilot.app.screen, DataFormScreen):
                break
            await pilot.pause(0.02)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert pilot.app.screen is form
        assert "registration cancelled" in str(form.query_one("#form-error", Static).render())
        assert not ui.config_path.exists() or "fresh@" not in ui.config_path.read_text()
