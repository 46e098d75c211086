"""Provides what every command receives: one typed :class:`CommandContext`.

A command is a plain function ``(ctx, call) -> None``. It reads the state, asks the client in
a worker (:meth:`CommandContext.request`), and tells the screen what to show through the few
verbs of :class:`Surface`; it never touches a widget. Rule: a failure is said in words, as the
inline error under the log (:meth:`CommandContext.fail`), never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from textual.app import App
from textual.screen import Screen

from tuichat.errors import ClientError
from tuichat.model import Message
from tuichat.records import record
from tuichat.ui.capabilities import ConversationInfo
from tuichat.ui.main_state import MainState
from tuichat.ui.rooms import Room
from tuichat.ui.state import ConvKey

if TYPE_CHECKING:
    from tuichat.ui.context import UIContext

log = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")

PAGE = 100
"""Messages loaded per page from the store (and asked of the server's archive)."""

ViewAction = Literal[
    "scroll_up", "scroll_down", "toggle_roster", "filter_roster", "focus_composer", "select_message"
]
"""What a command may ask of the view that is no state of ours (focus, scrolling, the sidebar)."""

Shown = Literal["roster", "header", "status", "view"]
"""What changed, for :meth:`Surface.changed`: the roster rows, the header, the status bar, or
the whole conversation view (capabilities, occupant list, notices)."""


class Surface(Protocol):
    """What commands may ask of the main screen (``MainScreen`` provides it)."""

    def open_conversation(
        self, key: ConvKey, *, around: Message | None = None, unread_from: Message | None = None
    ) -> None:
        """Put ``key`` in view (the page around a search hit, or from the first unread message
        under a "new messages" divider, if given)."""

    def close_conversation(self) -> None:
        """Close the conversation in view and show a neighbour."""

    def show_error(self, words: str, restore: str | None = None) -> None:
        """Show ``words`` under the log; put ``restore`` back in an empty composer."""

    def prefill(self, text: str) -> None:
        """Put ``text`` in the composer, cursor last, and focus it."""

    def composer_text(self) -> str:
        """What the composer holds."""

    def message_sent(self, key: ConvKey, message: Message) -> None:
        """Show a message we just sent, if ``key`` is in view."""

    def changed(self, *what: Shown) -> None:
        """Show the state again where it changed."""

    def view_action(self, action: ViewAction) -> None:
        """Scroll, focus, or show and hide the sidebar."""

    def older_shown(self, key: ConvKey, older: list[Message], *, has_more: bool) -> None:
        """Show ``older`` messages above, if ``key`` is still in view."""

    def start(
        self, work: Coroutine[Any, Any, None], group: str, *, exclusive: bool = False
    ) -> None:
        """Run ``work`` in a worker of ``group`` (``exclusive``: the latest one wins)."""


@record(frozen=True)
class CommandContext:
    """The UI context, the state, the conversation in view, and the verbs commands use."""

    ui: UIContext
    """Config, store, client and registry."""
    state: MainState
    """The main screen's state (live: read it again after an ``await``)."""
    surface: Surface
    """The screen, through the verbs commands may use."""
    app: App[Any]
    """For notifications, modal dialogs, the bell and app-wide actions."""
    key: ConvKey | None = None
    """The conversation in view when the command started."""
    info: ConversationInfo | None = None
    """Its kind and capabilities."""

    @property
    def accounts(self) -> tuple[str, ...]:
        """The accounts the client runs."""
        return tuple(self.ui.client.accounts)

    # -- verbs ---------------------------------------------------------------------------------

    def fail(self, words: str, restore: str | None = None) -> None:
        """Say what went wrong under the log (and give ``restore`` back to the composer)."""
        self.surface.show_error(words, restore)

    def request(self, work: Awaitable[object], failure: str, *, restore: str | None = None) -> None:
        """Run a client request in a worker; say ``failure`` and the reason if it fails."""

        async def run() -> None:
            try:
                await work
            except ClientError as exc:
                log.warning("%s: %s", failure, exc)
                self.fail(f"{failure}: {exc}", restore)

        self.surface.start(run(), "client")

    def open_conversation(
        self, key: ConvKey, *, around: Message | None = None, unread_from: Message | None = None
    ) -> None:
        """Put ``key`` in view."""
        self.surface.open_conversation(key, around=around, unread_from=unread_from)

    def prefill(self, text: str) -> None:
        """Put ``text`` in the composer to be completed there."""
        self.surface.prefill(text)

    def notify(self, words: str, *, timeout: float = 3, warning: bool = False) -> None:
        """A short toast (plain words, never markup)."""
        severity: Literal["information", "warning"] = "warning" if warning else "information"
        self.app.notify(words, severity=severity, markup=False, timeout=timeout)

    def ask(self, dialog: Screen[ResultT], answered: Callable[[ResultT | None], None]) -> None:
        """Open a modal ``dialog``; ``answered`` gets what it returns."""
        self.app.push_screen(dialog, answered)

    # -- which account and conversation a command is about ------------------------------------

    def account(self) -> str | None:
        """The account of the conversation in view, else the first account."""
        if self.key is not None:
            return self.key[0]
        return self.accounts[0] if self.accounts else None

    def some_account(self) -> str | None:
        """:meth:`account`, or an inline error saying there is none."""
        account = self.account()
        if account is None:
            self.fail("no account: F4 opens Accounts")
        return account

    def account_for(self, jid: str) -> str | None:
        """The account that knows ``jid`` best: the one in view, a roster's, else the first."""
        if self.key is not None and self.key[1] == jid:
            return self.key[0]
        for account, other in self.state.roster.all_contacts():
            if other == jid:
                return account
        return self.account()

    def current_room(self) -> Room | None:
        """The room in view, if a room is in view."""
        if self.key is None or self.info is None or not self.info.is_group:
            return None
        return self.state.rooms.get(self.key)

    def room_target(self, name: str) -> Room | None:
        """The room in view, or an inline error saying ``/name`` needs one."""
        room = self.current_room()
        if room is None:
            self.fail(f"/{name} works in a room: open one first (/join room@service)")
        return room

    def joined_target(self, name: str) -> Room | None:
        """The room in view if we are in it, else an inline error."""
        room = self.room_target(name)
        if room is not None and not room.joined:
            self.fail(f"/{name}: you are not in {room.jid} (/join {room.jid} enters)")
            return None
        return room
