"""Provides the main screen: the roster beside the open conversation, fed by bus events.

Rule: bus callbacks only update :mod:`tuichat.ui.state` (and :mod:`tuichat.ui.rooms`) and the
widgets' attributes; requests to the network go through the ``ChatClient`` in workers (see
:mod:`.main_actions`; rooms: :mod:`.room_view` and :mod:`.room_commands`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input

from tuichat import events as ev
from tuichat.bus import Subscription
from tuichat.errors import ClientError
from tuichat.model import ConnectionState, ConversationKind, Direction, Message
from tuichat.ui.attention import attention_total
from tuichat.ui.context import UIContext
from tuichat.ui.messages import UnreadChanged
from tuichat.ui.render import safe_text
from tuichat.ui.rooms import RoomsState
from tuichat.ui.screens.bindings import install_alt_digit_fallback, install_bindings
from tuichat.ui.screens.message_feed import MessageFeed
from tuichat.ui.screens.room_commands import RoomCommands
from tuichat.ui.state import Conversations, ConvKey, RosterState
from tuichat.ui.themes import resolve_color
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.conversation import ConversationView
from tuichat.ui.widgets.message_log import MessageLog
from tuichat.ui.widgets.roster_list import RosterList
from tuichat.ui.widgets.status_bar import AccountStatus, StatusBar, StatusInfo
from tuichat.ui.widgets.symbols import PRESENCE_SYMBOLS, PRESENCE_VARIABLES, PRESENCE_WORDS

log = logging.getLogger(__name__)

PAGE = 100
"""Messages loaded per page from the store."""
OPEN_SETTING = "ui.open_conversations"
RECENT_ON_FIRST_START = 5


class MainScreen(MessageFeed, RoomCommands, Screen[None]):
    """Roster sidebar + conversation; the screen a user lives in."""

    DEFAULT_CSS = """
    MainScreen #sidebar {
        width: 30;
        max-width: 40%;
        background: $surface;
        border-right: vkey $panel;
        &.-hidden { display: none; }
    }
    MainScreen.-narrow OccupantList { width: 17; }
    MainScreen #roster-filter {
        height: 1;
        border: none;
        padding: 0 1;
        background: $panel;
        &:focus { border: none; background: $primary 30%; }
    }
    """

    def __init__(self, ctx: UIContext) -> None:
        super().__init__(id="main")
        self.HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
        """``-narrow`` below 100 columns: the occupant list takes less room."""
        self.ctx = ctx
        self.roster = RosterState()
        self.convs = Conversations()
        self.show_offline = False
        self.query_text = ""
        self.states: dict[str, ConnectionState] = {}
        self.syncing: dict[str, int] = {}
        self.outbox = 0
        self._subs: list[Subscription] = []
        self._roster_scheduled = False
        self.rooms = RoomsState()
        self.occupants_wanted = True
        """Whether rooms show their occupant list (F5 toggles)."""
        self._room_header_scheduled = False
        self.received = self.make_feed()
        install_bindings(self, ctx.registry.in_scope("main"))
        install_alt_digit_fallback(self, ctx.registry.in_scope("main"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ESC+digit fallbacks switch only while the composer is empty or unfocused; F5
        (occupants) is offered only while a room is in view."""
        if action == "switch_fallback":
            composer = self.view.composer
            return not (composer.has_focus and composer.text)
        if action == "toggle_occupants":  # in the footer only while a room is in view
            current = self.convs.current
            return current is not None and self.conversation_info(current).has_occupants
        return True

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Sidebar (filter + roster), conversation, status bar, footer."""
        with Horizontal():
            with Vertical(id="sidebar"):
                yield Input(placeholder="filter contacts (Ctrl+F)", id="roster-filter")
                yield RosterList(id="roster")
            yield ConversationView(tz=self.ctx.tz, id="conversation")
        yield StatusBar(id="status")
        yield Footer()

    @property
    def view(self) -> ConversationView:
        """The conversation pane."""
        return self.query_one(ConversationView)

    @property
    def accounts(self) -> tuple[str, ...]:
        """The accounts the client runs."""
        return tuple(self.ctx.client.accounts)

    def on_mount(self) -> None:
        """Show the cached roster and conversations at once, then listen to the bus."""
        store = self.ctx.store
        for account in self.accounts:
            self.roster.set_roster(account, store.roster(account))
            state, _reason = self.ctx.client.state(account)
            self.states[account] = state
        for summary in store.conversations():
            if summary.kind is ConversationKind.GROUPCHAT and summary.account in self.accounts:
                self.rooms.room(summary.account, summary.conversation)
            if summary.unread:
                self.convs.unread[(summary.account, summary.conversation)] = summary.unread
        self.outbox = len(store.outbox())
        self.view.composer.completer = self._complete
        bus = self.ctx.client.bus
        handlers: list[tuple[type[Any], Any]] = [
            (ev.ConnectionStateChanged, self._bus_connection),
            (ev.RosterReceived, self._bus_roster),
            (ev.ContactChanged, self._bus_contact),
            (ev.ContactRemoved, self._bus_contact_removed),
            (ev.PresenceChanged, self._bus_presence),
            (ev.SubscriptionRequested, self._bus_subscription),
            (ev.MessageReceived, self._bus_message),
            (ev.MessageQueued, self._bus_queued),
            (ev.MessageStateChanged, self._bus_state),
            (ev.ArchiveSyncProgressed, self._bus_sync),
            (ev.ErrorReported, self._bus_error),
            *self.room_handlers(),
        ]
        # Received messages are shown in batches; every other event waits for those before it.
        self._subs = [
            bus.subscribe(kind, handler if kind is ev.MessageReceived else self.in_order(handler))
            for kind, handler in handlers
        ]
        self.watch(self.app, "app_focus", self._app_focus_changed, init=False)
        self._restore_open()
        self._refresh_roster()
        self._refresh_status()
        self.view.composer.focus()

    def on_unmount(self) -> None:
        """Stop listening to the bus."""
        for sub in self._subs:
            sub.cancel()
        self._subs = []

    def _restore_open(self) -> None:
        saved = self.ctx.store.get_setting(OPEN_SETTING)
        keys: list[ConvKey] = []
        if saved:
            try:
                keys = [(str(a), str(c)) for a, c in json.loads(saved)]
            except (ValueError, TypeError):
                keys = []
        else:
            keys = [
                (s.account, s.conversation)
                for s in self.ctx.store.conversations()[:RECENT_ON_FIRST_START]
            ]
        keys = [k for k in keys if k[0] in self.accounts]
        self.convs.open = list(dict.fromkeys(keys))
        if self.convs.open:
            self.open_conversation(self.convs.open[0])
        else:
            self._update_header()

    def _save_open(self) -> None:
        self.ctx.store.set_setting(OPEN_SETTING, json.dumps(self.convs.open))

    # -- conversations -------------------------------------------------------------------------

    def open_conversation(
        self, key: ConvKey, *, focus: bool = True, around: Message | None = None
    ) -> None:
        """Put ``key`` in view: newest page from the store, its draft back in the composer.

        With ``around`` (a search hit), show the page around that message, marked.
        """
        view = self.view
        if self.convs.current is not None and self.convs.current != key:
            self.convs.drafts[self.convs.current] = view.composer.text
        was_open = key in self.convs.open
        self.convs.show(key)
        if not was_open:
            self._save_open()
        account, conversation = key
        self.ctx.store.mark_read(account, conversation)
        log_widget = view.message_log
        log_widget.peer_name = self.roster.display_name(account, conversation)
        log_widget.own_name = account.split("@", 1)[0] or account
        self._configure_view(key)
        if around is not None and around.id is not None:
            log_widget.show_around(self.ctx.store.around(around, PAGE), around.id)
        else:
            log_widget.highlight_id = None
            page = self.ctx.store.page(account, conversation, limit=PAGE)
            log_widget.set_messages(page, has_more=len(page) >= PAGE)
        view.composer.set_text(self.convs.drafts.pop(key, ""))
        view.show_error("")
        self._update_header()
        self._schedule_roster()
        self._unread_changed()
        if focus:
            view.composer.focus()

    def close_current(self) -> None:
        """Close the conversation in view and show a neighbour."""
        current = self.convs.current
        if current is None:
            return
        self.view.composer.set_text("")
        following = self.convs.close(current)
        self._save_open()
        if following is not None:
            self.open_conversation(following)
        else:
            self.view.message_log.set_notices(())
            self.view.message_log.set_messages([], has_more=False)
            self.view.show_occupants(False)
            self._update_header()
            self._schedule_roster()

    def _update_header(self) -> None:
        current = self.convs.current
        if current is None:
            self.view.set_header(
                Text("No conversation open: Ctrl+K finds a contact, /msg JID starts one")
            )
            return
        number = self.convs.open.index(current) + 1
        header = self.room_header(current, number)
        if header is not None:
            self.view.set_header(header)
            return
        account, jid = current
        presence = self.roster.presence(account, jid)
        color = resolve_color(self.app.theme_variables, PRESENCE_VARIABLES[presence.show])
        text = Text()
        text.append(f"{number} ", style=Style(dim=True))
        text.append(PRESENCE_SYMBOLS[presence.show] + " ", style=Style(color=color))
        text.append_text(safe_text(self.roster.display_name(account, jid)))
        if self.roster.display_name(account, jid) != jid:
            text.append_text(safe_text(f" <{jid}>", Style(dim=True)))
        text.append(f" {PRESENCE_WORDS[presence.show]}", style=Style(dim=True))
        if presence.status:
            text.append(" — ", style=Style(dim=True))
            text.append_text(safe_text(presence.status.replace("\n", " "), Style(italic=True)))
        if jid in self.ctx.policy(account).muted:
            text.append(" [muted]", style=Style(dim=True))
        if len(self.accounts) > 1:
            text.append_text(safe_text(f" via {account}", Style(dim=True)))
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.view.set_header(text)

    # -- roster & status -----------------------------------------------------------------------

    def _schedule_roster(self) -> None:
        """Coalesce bursts of roster/presence events into one rebuild."""
        if not self._roster_scheduled:
            self._roster_scheduled = True
            self.set_timer(0.05, self._refresh_roster)

    def _refresh_roster(self) -> None:
        self._roster_scheduled = False
        roster = self.query_one(RosterList)
        roster.current = self.convs.current
        extra = (set(self.convs.open) | set(self.convs.unread)) - self.conversation_keys_of_rooms()
        rows = self.roster.rows(
            self.accounts,
            query=self.query_text,
            show_offline=self.show_offline,
            unread=self.convs.unread,
            extra=extra,
        )
        roster.rows = self.with_room_rows(rows)

    def _refresh_status(self) -> None:
        statuses = tuple(
            AccountStatus(
                a, self.states.get(a, ConnectionState.DISCONNECTED), self.syncing.get(a, -1)
            )
            for a in self.accounts
        )
        self.query_one(StatusBar).info = StatusInfo(
            accounts=statuses,
            outbox=self.outbox,
            unread=attention_total(self.convs.unread, self.rooms.rooms, 0),
            mentions=self.rooms.total_mentions,
        )

    def _unread_changed(self) -> None:
        self._refresh_status()
        self.post_message(UnreadChanged(self.attention_count()))

    # -- bus callbacks (assign state, schedule display) ----------------------------------------

    def _bus_connection(self, event: ev.ConnectionStateChanged) -> None:
        self.states[event.account] = event.state
        if event.state in (
            ConnectionState.AUTH_FAILED,
            ConnectionState.CERT_REJECTED,
            ConnectionState.FAILED,
        ):
            words = f"{event.account}: {event.state.value}"
            if event.reason:
                words += f": {event.reason}"
            self.app.notify(safe_text(words).plain, severity="error", markup=False)
        self._refresh_status()

    def _bus_roster(self, event: ev.RosterReceived) -> None:
        self.roster.set_roster(event.account, event.contacts)
        self._schedule_roster()

    def _bus_contact(self, event: ev.ContactChanged) -> None:
        self.roster.upsert(event.account, event.contact)
        self._schedule_roster()
        if self.convs.current == (event.account, event.contact.jid):
            self.view.message_log.peer_name = event.contact.display_name
            self._update_header()

    def _bus_contact_removed(self, event: ev.ContactRemoved) -> None:
        self.roster.remove(event.account, event.jid)
        self._schedule_roster()

    def _bus_presence(self, event: ev.PresenceChanged) -> None:
        bare = self.roster.set_presence(
            event.account, event.jid, event.show, event.status, event.priority
        )
        self._schedule_roster()
        if self.convs.current == (event.account, bare):
            self._update_header()

    def _bus_subscription(self, event: ev.SubscriptionRequested) -> None:
        self.roster.add_request(event.account, event.jid, event.message)
        self._schedule_roster()
        self.app.notify(
            safe_text(f"{event.jid} asks to see your presence: Alt+A answers, "
                      f"or /accept {event.jid}, /deny {event.jid}").plain,
            title="Subscription request",
            timeout=15,
            markup=False,
        )  # fmt: skip

    def _bus_queued(self, event: ev.MessageQueued) -> None:
        message = event.message
        self.outbox += 1
        if self.convs.current == (message.account, message.conversation):
            self.view.message_log.append(message)
        self._refresh_status()

    def _bus_state(self, event: ev.MessageStateChanged) -> None:
        if self.convs.current == (event.account, event.conversation):
            self.view.message_log.update_state(event.message_id, event.state, event.reason)
        self.outbox = len(self.ctx.store.outbox())
        self._refresh_status()

    def _bus_sync(self, event: ev.ArchiveSyncProgressed) -> None:
        if event.done:
            self.syncing.pop(event.account, None)
        else:
            self.syncing[event.account] = self.syncing.get(event.account, 0) + event.fetched
        self._refresh_status()

    def _bus_error(self, event: ev.ErrorReported) -> None:
        self.app.notify(
            safe_text(f"{event.account}: {event.text}").plain, severity="error", markup=False
        )

    def _app_focus_changed(self, focused: bool) -> None:
        current = self.convs.current
        if (
            focused
            and current is not None
            and current in self.convs.unread
            and self.view.message_log.is_at_bottom
        ):
            self.convs.unread.pop(current, None)
            self.rooms.mentions.pop(current, None)
            self.ctx.store.mark_read(*current)
            self._unread_changed()
            self._schedule_roster()

    # -- widget messages -----------------------------------------------------------------------

    @on(RosterList.ContactChosen)
    def _contact_chosen(self, event: RosterList.ContactChosen) -> None:
        if event.key in self.rooms.invitations:
            self.action_accept_invite(event.key[1])
        else:
            self._choose(event.key)

    @on(RosterList.FoldToggled)
    def _fold_toggled(self, _event: RosterList.FoldToggled) -> None:
        self.action_toggle_offline()

    @on(Input.Changed, "#roster-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self._refresh_roster()

    @on(Input.Submitted, "#roster-filter")
    def _filter_submitted(self, _event: Input.Submitted) -> None:
        kinds = ("contact", "room", "private")
        first = next((r for r in self.query_one(RosterList).rows if r.kind in kinds), None)
        if first is not None:
            self.query_one("#roster-filter", Input).value = ""
            self.open_conversation(first.key)

    @on(MessageLog.NearTop)
    def _near_top(self, event: MessageLog.NearTop) -> None:
        current = self.convs.current
        if current is None:
            return
        older = self.ctx.store.page(*current, before=event.oldest, limit=PAGE)
        if older:
            event.log.prepend(older, has_more=True)
        else:  # the store ran out: ask the server archive for what came before
            self.run_worker(
                self._backfill(current, event.log, event.oldest),
                group="backfill",
                exclusive=True,
                exit_on_error=False,
            )

    async def _backfill(self, key: ConvKey, view: MessageLog, oldest: Any) -> None:
        """Fetch older history from the server into the store, then show it above."""
        try:
            await self.ctx.client.fetch_older(*key, limit=PAGE)
        except ClientError as exc:  # not connected, or the server said no
            log.warning("older history of %s not loaded: %s", key[1], exc)
        older = self.ctx.store.page(*key, before=oldest, limit=PAGE)
        if self.convs.current == key:
            view.prepend(older, has_more=bool(older))

    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        self.handle_line(event.text)

    @on(Composer.RecallRequested)
    def _recall(self, event: Composer.RecallRequested) -> None:
        current = self.convs.current
        if current is None:
            return
        text = self.convs.last_sent.get(current)
        if text is None:  # nothing sent this session: the last own message loaded
            own = [m for m in self.view.message_log.messages if m.direction is Direction.OUT]
            text = own[-1].body if own else None
        if text is not None:
            event.composer.set_text(text)

    @on(Composer.ScrollRequested)
    def _scroll(self, event: Composer.ScrollRequested) -> None:
        log_widget = self.view.message_log
        if event.where == "home":
            log_widget.scroll_home(animate=False)
        else:
            log_widget.action_scroll_end()
