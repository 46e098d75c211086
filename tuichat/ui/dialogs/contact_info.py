"""Provides the contact info dialog (``/info``): vCard, clients and last visit of one JID.

The answer is loaded in the background; every field is the peer's own claim and is drawn as
plain text (never markup). A question that went unanswered is named, not hidden.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, tzinfo
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tuichat.errors import ClientError
from tuichat.model import ContactInfo
from tuichat.ui.render import safe_text

log = logging.getLogger(__name__)

LABEL = Style(bold=True)


def info_lines(info: ContactInfo, now: datetime, tz: tzinfo | None) -> Text:
    """``info`` as labelled lines (pure: the dialog and its tests share it)."""
    rows: list[tuple[str, str]] = [
        ("Name", info.full_name),
        ("Nickname", info.nickname),
        ("Title", info.title),
        ("Organisation", info.organisation),
        ("Birthday", info.birthday),
        *(("E-mail", e) for e in info.emails),
        *(("Web", u) for u in info.urls),
    ]
    for client in info.clients:
        software = " ".join(p for p in (client.name, client.version) if p)
        on = f" on {client.os}" if client.os else ""
        rows.append((f"Client ({client.resource})", software + on))
    if info.last_seen is not None:
        seen = info.last_seen.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        ago = _ago(now - info.last_seen)
        status = f" ({info.last_status})" if info.last_status else ""
        rows.append(("Last seen", f"{seen}, {ago}{status}"))
    text = Text()
    for label, value in rows:
        if value:
            text.append(f"{label}: ", style=LABEL)
            text.append_text(safe_text(value))
            text.append("\n")
    if info.note:
        text.append("About: ", style=LABEL)
        text.append_text(safe_text(info.note))
        text.append("\n")
    if info.unanswered:
        text.append("\n")
        text.append("; ".join(info.unanswered), style=Style(dim=True, italic=True))
    elif not text:
        text.append("nothing to show", style=Style(dim=True, italic=True))
    return text


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


class ContactInfoScreen(ModalScreen[None]):
    """``/info JID``: loads and shows what JID tells about itself; Esc or q closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
    ]

    DEFAULT_CSS = """
    ContactInfoScreen { align: center middle; }
    ContactInfoScreen > VerticalScroll {
        width: 70;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    ContactInfoScreen #info-title { text-style: bold; }
    ContactInfoScreen #info-body.-error { color: $error; }
    """

    def __init__(
        self,
        jid: str,
        load: Callable[[], Awaitable[ContactInfo]],
        *,
        now: Callable[[], datetime],
        tz: tzinfo | None,
    ) -> None:
        super().__init__()
        self.jid = jid
        self.load = load
        self.now = now
        self.tz = tz
        self.info: ContactInfo | None = None

    def compose(self) -> ComposeResult:
        """Title and body."""
        with VerticalScroll():
            yield Static(safe_text(f"About {self.jid}"), id="info-title")
            yield Static("asking…", id="info-body")

    def on_mount(self) -> None:
        """Ask in the background."""
        self.run_worker(self._load(), group="info", exit_on_error=False)

    async def _load(self) -> None:
        body = self.query_one("#info-body", Static)
        try:
            self.info = await self.load()
        except ClientError as exc:
            log.warning("info on %s: %s", self.jid, exc)
            body.update(safe_text(f"could not ask: {exc}"))
            body.add_class("-error")
            return
        body.update(info_lines(self.info, self.now(), self.tz))

    async def action_dismiss(self, result: None = None) -> None:
        """Close."""
        self.dismiss(None)
