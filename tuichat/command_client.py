"""Provides :class:`CommandClient`: the ad-hoc command requests (XEP-0050) the UI and the CLI
make, and the steps they get back, without the XMPP layer.

The connection manager implements it (through :class:`tuichat.xmpp.commands_api.CommandRequests`);
``ChatClient`` includes it. A command runs step by step: ``run_command`` with ``execute``
starts it, each answer is a :class:`CommandStep` with the service's form, notes and the
actions it allows; the caller sends the filled form back with one of those actions (or
``cancel``) and the step's ``session``, until the status is ``completed`` or ``canceled``.
Failures raise :class:`tuichat.errors.ClientError` in words (an expired session too).
"""

from __future__ import annotations

from typing import Protocol

from tuichat.forms import Form
from tuichat.records import record

NOTE_KINDS = ("info", "warning", "error")


@record(frozen=True)
class Note:
    """A note a service sends with a command step (XEP-0050 §3.4)."""

    kind: str
    """``info``, ``warning`` or ``error``."""
    text: str


@record(frozen=True)
class CommandStep:
    """Where an ad-hoc command stands after one request."""

    jid: str
    node: str
    status: str
    """``executing`` (more steps follow), ``completed`` or ``canceled``."""
    session: str = ""
    form: Form | None = None
    notes: tuple[Note, ...] = ()
    actions: tuple[str, ...] = ()
    """What may come next, in order: some of ``prev``, ``next``, ``complete`` (cancel always
    may while executing)."""
    default_action: str = ""
    """The action the service takes for ``execute`` in this step (``next`` or ``complete``)."""

    @property
    def finished(self) -> bool:
        """Whether the command is over (completed or canceled)."""
        return self.status != "executing"

    @property
    def forward(self) -> str:
        """The action that moves the command on: the service's default, else ``next`` when
        allowed (XEP-0050: ``execute`` means ``next`` unless the service says otherwise), else
        ``complete`` when allowed, else ``execute``."""
        if self.default_action:
            return self.default_action
        for action in ("next", "complete"):
            if action in self.actions:
                return action
        return "execute"


class CommandClient(Protocol):
    """What the UI can ask about ad-hoc commands. JIDs are strings; ``account`` first."""

    async def list_commands(self, account: str, jid: str) -> list[tuple[str, str]]:
        """The commands ``jid`` offers us, as ``(node, name)`` in its order."""
        ...

    async def run_command(
        self,
        account: str,
        jid: str,
        node: str,
        action: str = "execute",
        session: str = "",
        form: Form | None = None,
    ) -> CommandStep:
        """Start a command (``execute`` without a session) or take it one step on: ``next``,
        ``prev``, ``complete``, ``cancel`` with the session and the filled ``form`` (sent as
        a submission of its answerable and hidden fields)."""
        ...
