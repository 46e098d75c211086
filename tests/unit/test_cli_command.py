"""`tuichat command`'s own logic: arguments, filling each step, cancelling on a missing field."""

from __future__ import annotations

import asyncio

import pytest

from tests.ui.form_samples import Wizard
from tuichat.cli import main
from tuichat.cli.command_cmd import CliError, drive, field_pairs, first_step, step_lines
from tuichat.command_client import CommandStep
from tuichat.forms import Form


class Manager:
    """Just ``run_command``, answered by the scripted wizard."""

    def __init__(self, wizard: Wizard) -> None:
        self.wizard = wizard

    async def run_command(
        self, account: str, jid: str, node: str, action: str = "execute", session: str = "",
        form: Form | None = None,
    ) -> CommandStep:  # fmt: skip
        return self.wizard(jid, node, action, session, form)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["command", "x@y", "--field", "a=b"], "--field needs a command NODE"),
        (["command", "x@y", "n", "--field", "ab"], "give it as VAR=VALUE"),
        (["command", "@@"], "invalid JID"),
        (["command", "x@y", "--show"], "--show needs a command NODE"),
        (["command", "x@y", "n", "--show", "--field", "a=b"], "and no --field"),
        (["gateway", "register", "bob@gw.example"], "not a gateway address"),
        (["gateway", "unregister", "gw.example/r"], "not a gateway address"),
        (["gateway", "register", "gw.example", "--field", "ab"], "give it as VAR=VALUE"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad arguments are named in one line before any config is read."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_first_step_shows_the_form_and_cancels() -> None:
    """--show: the first step as the service sent it, the command then cancelled."""
    wizard = Wizard()
    step = asyncio.run(first_step(Manager(wizard), "me@a.b", wizard.jid, "wizard"))
    assert step.status == "executing" and step.form is not None
    assert [a for a, _form in wizard.received] == ["execute", "cancel"]
    assert wizard.sessions == {}


def test_field_pairs_keep_equals_in_values() -> None:
    """Only the first = splits; the var is trimmed."""
    assert field_pairs([" a =b=c", "x="]) == [("a", "b=c"), ("x", "")]


def test_drive_fills_every_step_and_completes() -> None:
    """Each step takes the fields it has; the tick goes to step two; the result is printed."""
    wizard = Wizard()
    asked: set[str] = set()
    pairs = [("name", "Ann"), ("password", "pw"), ("sure", "yes"), ("colour", "Red")]
    step = asyncio.run(drive(Manager(wizard), "me@a.b", wizard.jid, "wizard", pairs, asked))
    assert step.status == "completed"
    assert [a for a, _form in wizard.received] == ["execute", "next", "complete"]
    assert {"name", "password", "sure", "colour"} <= asked
    lines = step_lines(step)
    assert lines[:3] == ["wizard: completed", "info: Done", "Name: Ann"]
    assert lines[-1] == "ann@example.org\tr"


def test_drive_cancels_and_names_a_missing_field() -> None:
    """A required field not given: the command is cancelled at the service, exit 2 names it."""
    wizard = Wizard()
    with pytest.raises(CliError) as caught:
        asyncio.run(drive(Manager(wizard), "me@a.b", wizard.jid, "wizard", [("name", "Ann")]))
    assert caught.value.code == 2
    assert "password: Password is required (give --field password=VALUE)" in str(caught.value)
    assert wizard.received[-1][0] == "cancel" and wizard.sessions == {}
