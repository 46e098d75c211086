"""Provides ad-hoc commands (XEP-0050) on a session: list a service's commands, run a step.

:func:`step_from_xml` (pure) reads a ``<command/>`` answer into a
:class:`tuichat.command_client.CommandStep`; :func:`list_commands` and :func:`run_step` ask
through slixmpp's ``xep_0050``/``xep_0030`` and turn every failure into a
:class:`tuichat.errors.ClientError` in words (an ended session is said so).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

from tuichat.command_client import CommandStep, Note
from tuichat.errors import ClientError
from tuichat.forms import LIMITS, Form, clean, submission
from tuichat.xmpp.errors import condition_words
from tuichat.xmpp.features.forms_xml import NS_DATA, form_from_xml, form_to_xml

if TYPE_CHECKING:
    from slixmpp import ClientXMPP

NS_COMMANDS = "http://jabber.org/protocol/commands"
_C = f"{{{NS_COMMANDS}}}"
STATUSES = ("executing", "completed", "canceled")
ACTIONS = ("prev", "next", "complete")
MAX_NOTES = 20
MAX_COMMANDS = 500
REQUEST_TIMEOUT = 30.0

_COMMAND_ERRORS = {
    "session-expired": "the command's session has expired; start the command again",
    "bad-sessionid": "the service no longer knows this command's session (it may have timed "
    "out); start the command again",
    "bad-action": "the service does not allow that step now",
    "malformed-action": "the service did not understand that step",
    "bad-payload": "the service did not accept the form",
    "bad-locale": "the service does not speak the language asked for",
}


def _note_kind(kind: str | None) -> str:
    kind = (kind or "info").lower()
    return "warning" if kind in ("warn", "warning") else kind if kind == "error" else "info"


def step_from_xml(jid: str, command: Element, stanza: Element | None = None) -> CommandStep:
    """One ``<command xmlns='http://jabber.org/protocol/commands'/>`` answer as a step
    (pictures its form names come from the bits of binary in ``stanza``, the whole answer)."""
    status = command.get("status") or "executing"
    if status not in STATUSES:
        status = "executing"
    actions_xml = command.find(f"{_C}actions")
    actions: tuple[str, ...] = ()
    default = ""
    if actions_xml is not None:
        given = {child.tag.removeprefix(_C) for child in actions_xml}
        actions = tuple(a for a in ACTIONS if a in given)
        execute = actions_xml.get("execute") or ""
        default = execute if execute in ACTIONS else ""
        if default and default not in actions:
            actions = tuple(a for a in ACTIONS if a in given or a == default)
    elif status == "executing":
        actions, default = ("complete",), "complete"
    notes = tuple(
        Note(_note_kind(n.get("type")), clean(n.text, LIMITS.text, lines=True))
        for n in command.findall(f"{_C}note")[:MAX_NOTES]
    )
    form_xml = command.find(f"{{{NS_DATA}}}x")
    return CommandStep(
        jid=jid,
        node=clean(command.get("node"), LIMITS.label),
        status=status,
        session=clean(command.get("sessionid"), LIMITS.label),
        form=form_from_xml(form_xml, stanza) if form_xml is not None else None,
        notes=notes,
        actions=actions,
        default_action=default,
    )


def command_error_words(action: str, error: Element | None) -> str:
    """Why a command request failed, from the ``<error/>`` element of the answer."""
    if error is None:
        return f"cannot {action}: the service answered with an error"
    condition, text, specific = "", "", ""
    for child in error:
        namespace, _, name = child.tag.rpartition("}")
        if namespace == _C[:-1]:
            specific = name
        elif name == "text":
            text = (child.text or "").strip()
        elif not condition:
            condition = name
    if specific in _COMMAND_ERRORS:
        words = _COMMAND_ERRORS[specific]
        return f"cannot {action}: {words}" + (f" (service: {clean(text, 300)})" if text else "")
    return f"cannot {action}: {condition_words(condition, clean(text, 300))}"


async def _ask(action: str, request: Any) -> Any:
    """Await a slixmpp request; its failures as :class:`ClientError` in words."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        return await request
    except IqError as exc:
        error = exc.iq.xml.find("{jabber:client}error")
        raise ClientError(command_error_words(action, error)) from None
    except IqTimeout:
        raise ClientError(f"cannot {action}: the service did not answer in time") from None


async def list_commands(
    client: ClientXMPP, jid: str, timeout: float = REQUEST_TIMEOUT
) -> list[tuple[str, str]]:
    """The commands ``jid`` offers, as ``(node, name)`` (its disco items on the commands node)."""
    from slixmpp import JID

    disco = client.plugin["xep_0030"]
    answer = await _ask(
        f"list the commands of {jid}",
        disco.get_items(jid=JID(jid), node=NS_COMMANDS, timeout=timeout),
    )
    found = []
    for _jid, node, name in list(answer["disco_items"]["items"])[:MAX_COMMANDS]:
        if node:
            found.append((clean(node, LIMITS.label), clean(name or node, LIMITS.label)))
    return found


async def run_step(
    client: ClientXMPP,
    jid: str,
    node: str,
    action: str = "execute",
    session: str = "",
    form: Form | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> CommandStep:
    """Send one command request and read the answer. A ``form`` goes as its submission
    (``cancel`` sends none)."""
    payload = None
    if form is not None and action not in ("cancel", "prev"):
        payload = form_to_xml(form if form.kind == "submit" else submission(form))
    words = {"execute": "run", "cancel": "cancel", "prev": "go back in"}
    answer = await _ask(
        f"{words.get(action, 'continue')} the command {node} of {jid}",
        client.plugin["xep_0050"].send_command(  # type: ignore[no-untyped-call]
            jid, node, action=action, sessionid=session or None, payload=payload, timeout=timeout
        ),
    )
    command = answer.xml.find(f"{_C}command")
    if command is None:
        raise ClientError(f"the command {node} of {jid} answered without a command")
    step = step_from_xml(jid, command, answer.xml)
    return continued(step if step.node else replace(step, node=node), session)


RESTARTED = Note(
    "warning",
    "the service started the command over: the session it had ended (it may have timed out)",
)


def continued(step: CommandStep, sent_session: str) -> CommandStep:
    """``step`` with a warning when the service answered a session we continued under another
    one: it forgot ours (a time-out) and started the command over."""
    if sent_session and step.session and step.session != sent_session:
        return replace(step, notes=(RESTARTED, *step.notes))
    return step
