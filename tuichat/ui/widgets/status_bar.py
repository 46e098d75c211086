"""Provides the status bar: first the window list of the open conversations by number
(``[1][2]-3-``: the one in view highlighted, ``-N-`` one with unread messages), then each
account's connection (symbol + words; when it is down, why and when it retries) with our own
presence there when it is not "online", the outbox and archive sync.

The screen assigns :attr:`StatusBar.info`; the bar re-renders from it alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tuichat.files import human_size
from tuichat.model import ConnectionState, Show
from tuichat.ui.render import safe_text
from tuichat.ui.state import WindowMark
from tuichat.ui.themes import resolve_color
from tuichat.ui.widgets.symbols import CONNECTION_SYMBOLS, CONNECTION_VARIABLES


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """One account's line in the status bar."""

    account: str
    state: ConnectionState
    syncing: int = -1
    """Messages fetched by the running archive catch-up, or -1 when none runs."""
    show: Show = Show.ONLINE
    """Our own presence on the account."""
    reason: str = ""
    """Why the account is not connected (and when it retries), in the connection's words."""


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """Everything the status bar shows."""

    accounts: tuple[AccountStatus, ...] = ()
    outbox: int = 0
    unread: int = 0
    mentions: int = 0
    """Unseen mentions of our nick in rooms."""
    note: str = ""
    windows: tuple[WindowMark, ...] = ()
    """The open conversations by number (Alt+N, ``/win N``)."""
    uploads: tuple[str, ...] = ()
    """Each running upload in words (see :func:`upload_words`)."""


class StatusBar(Widget):
    """One line above the footer."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    info: reactive[StatusInfo] = reactive(StatusInfo, layout=False)
    """What to show."""

    def on_mount(self) -> None:
        """Re-render when the theme changes colours."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh())

    def render(self) -> Text:
        """The status line."""
        variables = self.app.theme_variables
        info = self.info
        text = Text(no_wrap=True, overflow="ellipsis")
        if info.windows:  # first: a long line loses its end, and the numbers are short
            text.append_text(window_list(info.windows, variables))
            text.append("  ")
        if not info.accounts:
            text.append("no account: F4 opens Accounts", style=Style(italic=True))
        for index, status in enumerate(info.accounts):
            if index:
                text.append("  ")
            color = resolve_color(variables, CONNECTION_VARIABLES[status.state])
            text.append(CONNECTION_SYMBOLS[status.state] + " ", style=Style(color=color, bold=True))
            text.append_text(safe_text(status.account))
            text.append(f" {status.state.value}", style=Style(dim=True))
            if status.state is ConnectionState.CONNECTED and status.show is not Show.ONLINE:
                text.append(f" · {status.show.value}", style=Style(bold=True))
            elif status.state is not ConnectionState.CONNECTED and status.reason:
                text.append_text(safe_text(f": {status.reason}", Style(dim=True)))
            if status.syncing >= 0:
                text.append(f" ⟳ sync {status.syncing}", style=Style(italic=True))
        for upload in info.uploads:
            text.append_text(safe_text(f"  ↑ {upload}", Style(bold=True)))
        if info.outbox:
            text.append(f"  ⧗ {info.outbox} unsent", style=Style(bold=True))
        if info.unread:
            color = resolve_color(variables, "unread-badge")
            text.append(f"  ✉ {info.unread} unread", style=Style(color=color, bold=True))
        if info.mentions:
            color = resolve_color(variables, "mention")
            text.append(f"  @ {info.mentions} mention", style=Style(color=color, bold=True))
            if info.mentions != 1:
                text.append("s", style=Style(color=color, bold=True))
        if info.note:
            text.append("  ")
            text.append_text(safe_text(info.note, Style(italic=True)))
        return text


def upload_words(name: str, sent: int, total: int, elapsed: float) -> str:
    """``photo.jpg 45% 1.2 MB/s`` (the speed once there is one to tell)."""
    percent = f" {sent * 100 // total}%" if total else ""
    speed = f" {human_size(sent / elapsed)}/s" if elapsed > 0 and sent else ""
    return f"{name}{percent}{speed}"


def window_list(windows: tuple[WindowMark, ...], variables: dict[str, str]) -> Text:
    """``[1][2]-3-``: each open conversation's number; the one in view reversed, one with
    unread messages as ``-N-`` in the unread colour (the mention colour when it mentions us)."""
    text = Text()
    for mark in windows:
        if mark.current:
            text.append(f"[{mark.number}]", style=Style(bold=True, reverse=True))
        elif mark.unread or mark.mention:
            name = "mention" if mark.mention else "unread-badge"
            color = resolve_color(variables, name)
            text.append(f"-{mark.number}-", style=Style(color=color, bold=True))
        else:
            text.append(f"[{mark.number}]", style=Style(dim=True))
    return text
