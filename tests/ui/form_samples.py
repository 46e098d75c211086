"""Provides sample forms for the UI tests and a scripted ad-hoc command service for FakeClient.

``EVERY_TYPE`` has one field of each XEP-0004 type, with a required one, descriptions,
validation and a picture. ``Wizard`` is a two-step command (every field type in step one, a
confirmation in step two) that allows prev, next, complete and cancel like a real service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import App, ComposeResult
from textual.widgets import Static

from tuichat.command_client import CommandStep, Note
from tuichat.errors import ClientError
from tuichat.forms import Field, FieldType, Form, Media, Option, Validation
from tuichat.ui.dialogs.data_form import DataFormScreen

T = FieldType
COLOURS = (Option("r", "Red"), Option("g", "Green"), Option("b", "Blue"))

EVERY_TYPE = Form(
    title="Create an account",
    instructions=("Fill in the form; the service checks it too.",),
    fields=(
        Field("FORM_TYPE", T.HIDDEN, values=("urn:example:signup",)),
        Field("", T.FIXED, values=("About you",)),
        Field("name", T.TEXT_SINGLE, "Name", desc="As others will see it", required=True),
        Field("password", T.TEXT_PRIVATE, "Password", required=True),
        Field(
            "age",
            T.TEXT_SINGLE,
            "Age",
            validation=Validation("xs:integer", "range", "13", "150"),
        ),
        Field("bio", T.TEXT_MULTI, "About", values=("line one", "line two")),
        Field("news", T.BOOLEAN, "Send me news"),
        Field("buddy", T.JID_SINGLE, "Friend"),
        Field("friends", T.JID_MULTI, "More friends"),
        Field("colour", T.LIST_SINGLE, "Colour", options=COLOURS, values=("g",)),
        Field("colours", T.LIST_MULTI, "Colours too", options=COLOURS),
        Field(
            "captcha",
            T.TEXT_SINGLE,
            "Letters in the picture",
            media=Media((("image/png", "https://example.org/c.png"),), 120, 40),
        ),
    ),
)


class FormApp(App[None]):
    """A bare app that opens one form and keeps what it returned."""

    def __init__(self, form: Form, heading: str = "Sign up") -> None:
        super().__init__()
        self.form = form
        self.heading = heading
        self.returned: list[Form | None] = []

    def compose(self) -> ComposeResult:
        """Something behind the modal."""
        yield Static("behind")

    def on_mount(self) -> None:
        """Open the form."""
        self.push_screen(DataFormScreen(self.heading, self.form), self.returned.append)


CONFIRM = Form(
    title="Confirm",
    fields=(
        Field("FORM_TYPE", T.HIDDEN, values=("urn:example:wizard",)),
        Field("sure", T.BOOLEAN, "Really do it?", required=True),
    ),
)


@dataclass
class Wizard:
    """A two-step command on node ``wizard``: step one is ``EVERY_TYPE``, step two a
    confirmation; prev goes back keeping what was given; a session unknown to it (or
    ``expire``-d) is refused like XEP-0050's ``session-expired``."""

    jid: str = "svc.example.org"
    sessions: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    received: list[tuple[str, Form | None]] = field(default_factory=list)
    counter: int = 0

    def expire(self) -> None:
        """Forget every session (as a service does after a time-out)."""
        self.sessions.clear()

    def __call__(
        self, jid: str, node: str, action: str, session: str, form: Form | None
    ) -> CommandStep:
        """One step."""
        self.received.append((action, form))
        if node != "wizard":
            raise ClientError(f"cannot run the command {node} of {jid}: there is no such item")
        if action == "execute" and not session:
            self.counter += 1
            session = f"s{self.counter}"
            self.sessions[session] = {}
            return self._first(session, {})
        if session not in self.sessions:
            raise ClientError(
                f"cannot continue the command {node} of {jid}: the command's session has "
                "expired; start the command again"
            )
        given = self.sessions[session]
        if action == "cancel":
            del self.sessions[session]
            return CommandStep(jid, node, "canceled", session, notes=(Note("info", "Cancelled"),))
        if action == "prev":
            return self._first(session, given)
        if form is not None and form.form_type == "urn:example:signup":
            given.update(form.values())
            return CommandStep(
                jid, node, "executing", session, CONFIRM, (Note("warning", "Check twice"),),
                ("prev", "complete"), "complete",
            )  # fmt: skip
        if form is not None and form.values().get("sure") == ("1",):
            del self.sessions[session]
            done = Form(
                kind="result",
                fields=(Field("name", T.TEXT_SINGLE, "Name", values=given.get("name", ())),),
                reported=(Field("jid", label="JID"), Field("colour", label="Colour")),
                items=({"jid": ("ann@example.org",), "colour": given.get("colour", ())},),
            )
            return CommandStep(jid, node, "completed", session, done, (Note("info", "Done"),))
        return CommandStep(
            jid, node, "executing", session, CONFIRM, (Note("error", "Tick the box"),),
            ("prev", "complete"), "complete",
        )  # fmt: skip

    def _first(self, session: str, given: dict[str, tuple[str, ...]]) -> CommandStep:
        from tuichat.forms import filled

        form = filled(EVERY_TYPE, {k: v for k, v in given.items() if k != "FORM_TYPE"})
        return CommandStep(self.jid, "wizard", "executing", session, form, (), ("next",), "next")
