"""Provides the slash-command parser and Tab completion for the composer: pure, no Textual.

A command's arguments are described by a usage string such as ``"JID [text]"`` or
``"online|away|xa|dnd [text]"``: words in brackets are optional, ``a|b|c`` is a choice, a word
spelt ``JID`` must be a valid JID, ``NICK`` (a room occupant) and ``WHO`` (a nick or a JID)
complete with the nicks of the room in view, and the LAST parameter takes the rest of the line
(spaces included). Rule: ``//text`` is not a command, it sends ``/text``; ``/me …`` is a message
(XEP-0245), not a command.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tuichat.model import InvalidJID, bare_str
from tuichat.records import record


@record(frozen=True)
class Param:
    """One parameter of a slash command."""

    name: str
    optional: bool = False
    choices: tuple[str, ...] = ()
    is_jid: bool = False


@record(frozen=True)
class SlashSpec:
    """The shape of one slash command: its name (without ``/``) and parameters."""

    name: str
    params: tuple[Param, ...] = ()
    usage: str = ""

    @classmethod
    def from_usage(cls, name: str, usage: str = "") -> SlashSpec:
        """Build a spec from a usage string such as ``"JID [name]"``."""
        params = []
        for word in usage.split():
            optional = word.startswith("[") and word.endswith("]")
            bare = word.strip("[]")
            choices = tuple(bare.split("|")) if "|" in bare else ()
            params.append(
                Param(
                    name=bare.lower() if not choices else "choice",
                    optional=optional,
                    choices=choices,
                    is_jid=bare == "JID",
                )
            )
        return cls(name=name, params=tuple(params), usage=usage)


@record(frozen=True)
class SlashCall:
    """A parsed, valid slash command: its name and its arguments by parameter name."""

    name: str
    args: Mapping[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        """The argument ``name``, or ``default`` when it was not given."""
        return self.args.get(name, default)


@dataclass(frozen=True, slots=True)
class SlashError:
    """Why a line is not a valid command, in words the user can act on."""

    message: str


def is_command(text: str) -> bool:
    """Whether the composer line ``text`` is a slash command (not ``//…`` or ``/me …``)."""
    if not text.startswith("/") or text.startswith("//"):
        return False
    return not (text == "/me" or text.startswith("/me "))


def unescape(text: str) -> str:
    """The message to send for a non-command line (``//x`` sends ``/x``)."""
    return text[1:] if text.startswith("//") else text


QUOTES = {'"': '"', "'": "'", "“": "”", "«": "»"}
"""Opening quote → its closing quote, for :func:`unquote`."""


def unquote(text: str) -> str:
    """``text`` without one pair of quotes around all of it (``"in a meeting"`` → ``in a
    meeting``); anything else is returned as it is."""
    closing = QUOTES.get(text[:1])
    if closing is not None and len(text) >= 2 and text.endswith(closing):
        return text[1:-1]
    return text


def parse(text: str, specs: Mapping[str, SlashSpec]) -> SlashCall | SlashError:
    """Parse the command line ``text`` (which must satisfy :func:`is_command`)."""
    head, _, rest = text[1:].partition(" ")
    name = head.strip().lower()
    if not name:
        return SlashError("empty command: type /help for the list")
    spec = specs.get(name)
    if spec is None:
        return SlashError(f"unknown command /{name}: type /help for the list")
    args: dict[str, str] = {}
    remaining = rest.strip()
    for index, param in enumerate(spec.params):
        last = index == len(spec.params) - 1
        if last:
            value, remaining = remaining, ""
        else:
            value, _, remaining = remaining.partition(" ")
            remaining = remaining.lstrip()
        if not value:
            if param.optional:
                continue
            return SlashError(f"/{name} needs {param.name.upper()}: usage /{name} {spec.usage}")
        if param.choices and value.lower() not in param.choices:
            allowed = ", ".join(param.choices)
            return SlashError(f"/{name}: {value!r} is not one of {allowed}")
        if param.choices:
            value = value.lower()
        if param.is_jid:
            try:
                value = bare_str(value)
            except InvalidJID as exc:
                return SlashError(f"/{name}: not a valid JID: {exc}")
        args[param.name] = value
    if remaining:
        return SlashError(f"/{name} takes no more than: /{name} {spec.usage}".rstrip())
    return SlashCall(name=name, args=args)


def complete(
    text: str, specs: Mapping[str, SlashSpec], jids: Iterable[str], nicks: Iterable[str] = ()
) -> list[str]:
    """Every completion of the last word of ``text``, each as the whole new line.

    Completes command names after ``/``, then choices, JIDs and ``nicks`` (the room in view)
    for the parameter being typed. Returns an empty list when there is nothing to complete.
    """
    if not is_command(text) and text != "/":
        return []
    head, space, rest = text[1:].partition(" ")
    if not space:
        names = sorted(n for n in specs if n.startswith(head.lower()))
        return [f"/{n} " for n in names]
    spec = specs.get(head.lower())
    if spec is None or not spec.params:
        return []
    words = rest.split(" ")
    index = len(words) - 1
    if index >= len(spec.params):
        return []
    param = spec.params[index]
    word = words[-1]
    prefix = text[: len(text) - len(word)]
    candidates: Sequence[str]
    if param.choices:
        candidates = param.choices
    elif param.name == "nick":
        candidates = _rank_jids(word, nicks)
    elif param.is_jid or param.name == "who":
        candidates = _rank_jids(word, nicks) + _rank_jids(word, jids)
    else:
        return []
    folded = word.casefold()
    if param.choices:
        candidates = [c for c in candidates if c.startswith(folded)]
    return [f"{prefix}{c} " for c in candidates]


def _rank_jids(word: str, jids: Iterable[str]) -> list[str]:
    folded = word.casefold()
    unique = sorted(set(jids))
    starts = [j for j in unique if j.casefold().startswith(folded)]
    inside = [j for j in unique if folded in j.casefold() and j not in starts]
    return starts + inside
