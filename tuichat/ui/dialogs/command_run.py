"""Provides :class:`CommandScreen`: one ad-hoc command (XEP-0050) run step by step.

Each step of the service shows its notes (info, warning, error, each marked in words and
colour), its form in a :class:`~tuichat.ui.dialogs.data_form.DataFormView`, and the
actions the service allows now: Back (Ctrl+B), Next or Finish (Ctrl+S: the service's default),
and Cancel (Esc, which tells the service). A form is checked before it goes; a failure (an
expired session, a refusal) is shown in words and the command can be cancelled or closed.
The screen returns the last step (``None`` if the command never started).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tuichat.command_client import CommandClient, CommandStep
from tuichat.errors import ClientError
from tuichat.forms import Form
from tuichat.ui.dialogs.data_form import DataFormView
from tuichat.ui.render import safe_text

log = logging.getLogger(__name__)

NOTE_STYLES = {"info": "", "warning": "bold yellow", "error": "bold red"}
BUTTONS = (("prev", "Back (Ctrl+B)"), ("next", "Next (Ctrl+S)"), ("complete", "Finish (Ctrl+S)"))


def notes_text(step: CommandStep) -> Text:
    """A step's notes, one a line, each led by its kind in words."""
    text = Text()
    for note in step.notes:
        if text:
            text.append("\n")
        text.append(f"{note.kind}: ", style=NOTE_STYLES.get(note.kind, "") or "bold")
        text.append_text(safe_text(note.text))
    return text


class CommandScreen(ModalScreen[CommandStep | None]):
    """A command of a service, run in steps until it completes or is cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel / close"),
        Binding("ctrl+s", "forward", "Next / finish", priority=True),
        Binding("ctrl+b", "back", "Back", priority=True),
    ]

    DEFAULT_CSS = """
    CommandScreen { align: center middle; }
    CommandScreen > Vertical {
        width: 78; max-width: 100%; height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    CommandScreen #command-heading { text-style: bold; }
    CommandScreen #command-notes { height: auto; max-height: 6; }
    CommandScreen #command-body { height: 1fr; }
    CommandScreen #command-status { color: $foreground-darken-2; }
    CommandScreen #command-status.-error { color: $error; }
    CommandScreen #command-buttons { height: auto; }
    CommandScreen Button { margin-right: 2; }
    """

    def __init__(
        self, client: CommandClient, account: str, jid: str, node: str, name: str = ""
    ) -> None:
        super().__init__()
        self.client = client
        self.account = account
        self.jid = jid
        self.node = node
        self.name_text = name or node
        self.step: CommandStep | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        """Heading, notes, the step's form, status, buttons."""
        with Vertical():
            yield Static(safe_text(f"{self.name_text} — {self.jid}"), id="command-heading")
            yield Static("", id="command-notes")
            yield Vertical(id="command-body")
            yield Static("asking the service…", id="command-status")
            with Horizontal(id="command-buttons"):
                for action, label in BUTTONS:
                    yield Button(label, id=f"do-{action}", compact=True, disabled=True)
                yield Button("Cancel (Esc)", id="do-cancel", compact=True)

    def on_mount(self) -> None:
        """Start the command."""
        self._send("execute")

    # -- the requests -------------------------------------------------------------------------

    def _send(self, action: str, form: Form | None = None) -> None:
        if self.busy:
            return
        self.busy = True
        self._say("asking the service…")
        self.run_worker(self._request(action, form), group="command", exit_on_error=False)

    async def _request(self, action: str, form: Form | None) -> None:
        session = self.step.session if self.step is not None else ""
        try:
            step = await self.client.run_command(
                self.account, self.jid, self.node, action, session, form
            )
        except ClientError as exc:
            log.info("command %s of %s: %s", self.node, self.jid, exc)
            self._say(str(exc), error=True)
            return
        finally:
            self.busy = False
        await self._show(step)

    async def _show(self, step: CommandStep) -> None:
        self.step = step
        notes = self.query_one("#command-notes", Static)
        notes.update(notes_text(step))
        body = self.query_one("#command-body", Vertical)
        await body.remove_children()
        view: DataFormView | None = None
        if step.form is not None:
            form = step.form if not step.finished else _as_result(step.form)
            view = DataFormView(form, id="command-form")
            await body.mount(view)
        for action, _label in BUTTONS:
            button = self.query_one(f"#do-{action}", Button)
            allowed = not step.finished and action in step.actions
            button.disabled = not allowed
            button.display = allowed
        self.query_one("#do-cancel", Button).label = (
            "Close (Esc)" if step.finished else ("Cancel (Esc)")
        )
        if step.finished:
            self._say(f"the command is {step.status}; Esc closes")
        else:
            forward = "Finish" if step.forward == "complete" else "Next"
            self._say(f"* required; Tab moves; Ctrl+S: {forward}; Esc cancels")
        if view is not None:
            view.focus_first()

    def _say(self, words: str, *, error: bool = False) -> None:
        status = self.query_one("#command-status", Static)
        status.update(safe_text(words))
        status.set_class(error, "-error")

    def _view(self) -> DataFormView | None:
        found = self.query("#command-form")
        view = found.first() if found else None
        return view if isinstance(view, DataFormView) else None

    # -- actions ------------------------------------------------------------------------------

    def action_forward(self) -> None:
        """Send the form on with the service's default action (next or complete)."""
        step = self.step
        if step is None or step.finished:
            return
        self._submit(step.forward)

    def action_back(self) -> None:
        """Go back a step, when the service allows it."""
        step = self.step
        if step is not None and not step.finished and "prev" in step.actions:
            self._send("prev")

    def _submit(self, action: str) -> None:
        view = self._view()
        if view is not None and not view.read_only:
            if not view.validate():
                self._say("some fields need a look (in red)", error=True)
                return
            self._send(action, view.result())
        else:
            self._send(action)

    def action_cancel(self) -> None:
        """Cancel the command at the service; close when it is over (or never started)."""
        step = self.step
        if step is None or step.finished:
            self.dismiss(step)
        elif self.busy:
            self._say("waiting for the service's answer; Esc again once it came")
        else:
            self._send("cancel")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        action = (event.button.id or "").removeprefix("do-")
        if action == "cancel":
            self.action_cancel()
        elif action == "prev":
            self.action_back()
        elif action in ("next", "complete"):
            self._submit(action)


def _as_result(form: Form) -> Form:
    """A finished command's form is shown, not edited."""
    return form if form.kind == "result" else replace(form, kind="result")
