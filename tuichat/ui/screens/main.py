"""Provides the main screen: the roster sidebar beside the conversation pane, fed by bus events.

Rule: the screen only turns bus events into :class:`~tuichat.ui.main_state.MainState` and the
state into its widgets' attributes (:class:`RosterSidebar.rows`, :class:`ConversationPane.state`,
:class:`StatusBar.info`). What the user asks for runs as a command
(:mod:`tuichat.ui.commands`) through one dispatcher; the widgets' messages come up here.
"""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import datetime
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import TextArea

from tuichat import events as ev
from tuichat.bus import Subscription
from tuichat.model import Message
from tuichat.ui.attention import attention_total
from tuichat.ui.batching import Batch, plan_messages
from tuichat.ui.commands import dispatch
from tuichat.ui.commands.context import PAGE, CommandContext, Shown, ViewAction
from tuichat.ui.context import UIContext
from tuichat.ui.key_bar import KeyBar
from tuichat.ui.main_state import MainState
from tuichat.ui.messages import FirstFrame, UnreadChanged
from tuichat.ui.read_state import mark_read
from tuichat.ui.render import safe_text
from tuichat.ui.room_rows import sidebar_rows
from tuichat.ui.rooms import Notice, Room, RoomsState
from tuichat.ui.screens.bindings import install_alt_digit_fallback, install_bindings
from tuichat.ui.screens.headers import pane_state, status_info
from tuichat.ui.screens.message_feed import take_in, take_mention
from tuichat.ui.state import Conversations, ConvKey, RosterState
from tuichat.ui.updates import HANDLERS as UPDATE_HANDLERS
from tuichat.ui.updates import Update, update
from tuichat.ui.widgets.conversation_pane import ConversationPane, PaneState
from tuichat.ui.widgets.roster_list import RosterList
from tuichat.ui.widgets.roster_sidebar import RosterSidebar
from tuichat.ui.widgets.selection import SelectableLog
from tuichat.ui.widgets.status_bar import StatusBar

ROSTER_COALESCE = 0.05
"""Seconds a burst of roster and presence events is gathered into one rebuild."""
HEADER_COALESCE = 0.1
"""Seconds between two header repaints caused by room presence at most."""


class MainScreen(Screen[None]):
    """Roster sidebar + conversation; the screen a user lives in."""

    DEFAULT_CSS = """
    MainScreen.-narrow OccupantList { width: 17; }
    MainScreen.-huge #sidebar { width: 44; }
    MainScreen .-frame > * { visibility: visible; }
    MainScreen .-frame { visibility: hidden; }
    """
    """A ``-frame`` (a container its children cover whole) is not drawn under them: 2.5 % of the
    instructions to the first frame. Its children show (``visible``); it has no size of its own."""
    AUTO_FOCUS = "Composer"  # not Textual's first focusable, the filter: a focus less at start

    def __init__(self, ctx: UIContext) -> None:
        super().__init__(id="main")
        self.HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide"), (160, "-huge")]
        """``-narrow`` below 100 columns: the occupant list takes less room; ``-huge`` from
        160: the sidebar grows, so long names and JIDs are not cut."""
        width = self.app.size.width  # its class now: set at the first resize, it restyled all
        self.add_class(max(b for b in self.HORIZONTAL_BREAKPOINTS if width >= b[0])[1])
        self._resumed = self._running_line = self._painted = False
        self.ctx = ctx
        self.state = MainState()
        """Everything shown, apart from the messages (in the store)."""
        self._subs: list[Subscription] = []
        self._roster_timer: Timer | None = None
        self._header_scheduled = False
        self.received: Batch[ev.MessageReceived] = Batch(self._show_received, self._schedule)
        """The received messages waiting to be shown."""
        install_bindings(self, ctx.registry.in_scope("main"))
        install_alt_digit_fallback(self, ctx.registry.in_scope("main"))

    # -- the state, by part (tests read these) -------------------------------------------------

    @property
    def convs(self) -> Conversations:
        """Open conversations, the one in view, unread counts, drafts."""
        return self.state.convs

    @property
    def rooms(self) -> RoomsState:
        """Rooms, mentions, invitations, bookmarks."""
        return self.state.rooms

    @property
    def roster(self) -> RosterState:
        """Contacts and presence of every account."""
        return self.state.roster

    @property
    def view(self) -> ConversationPane:
        """The conversation pane."""
        return self.query_one(ConversationPane)

    @property
    def accounts(self) -> tuple[str, ...]:
        """The accounts the client runs."""
        return tuple(self.ctx.client.accounts)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ESC+digit switches only with the composer empty or unfocused; F5 only in rooms."""
        if action == "switch_fallback":
            return not self.view.composing
        if action == "command" and parameters == ("toggle_occupants",):
            current = self.convs.current
            return current is not None and self.rooms.info(current).has_occupants
        return True

    # -- layout and life -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Sidebar, conversation, status bar, footer."""
        with Horizontal(classes="-frame"):
            yield RosterSidebar(id="sidebar")
            yield ConversationPane(
                tz=self.ctx.tz, completer=self._complete, id="conversation", classes="-frame"
            )
        yield StatusBar(id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        """Show the cached roster and conversations at once, then listen to the bus."""
        shown = self.state.load(self.ctx.store, self.accounts)
        for account in self.accounts:
            state, reason = self.ctx.client.state(account)
            self.state.connections[account], self.state.reasons[account] = state, reason
        handlers: list[tuple[type[Any], Any]] = [
            (ev.MessageQueued, self._bus_queued),
            (ev.MessageStateChanged, self._bus_state),
            (ev.RoomMentioned, self._bus_mentioned),
            *((kind, self._bus_update) for kind in UPDATE_HANDLERS),
        ]
        bus = self.ctx.client.bus
        # Received messages are shown in batches; every other event waits for those before it.
        self._subs = [bus.subscribe(ev.MessageReceived, self.received.add)]
        self._subs += [bus.subscribe(k, self.received.before(h)) for k, h in handlers]
        self.watch(self.app, "app_focus", self._app_focus_changed, init=False)
        if shown is not None:  # after a restart, what was not seen stays unread
            self.open_conversation(shown, seen=not self.state.restarted)
        else:
            self._show_pane_state()
        self._refresh_roster()
        self._refresh_status()
        self.received.keys = self.view.keys_first  # keystrokes' frames before the log's work
        self.view.focus_composer()

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Textual (after this) restyles every widget at resumes after the first (the mount's)."""
        event.refresh_styles, self._resumed = self._resumed and event.refresh_styles, True

    def _compositor_refresh(self) -> None:
        """Textual renders the whole screen inside its start-up batch and drops the output
        (~25 ms before the first frame): render once the batch is over, all of it, and say so
        the first time (:class:`FirstFrame`)."""
        if self.app._batch_count and not self.app.is_inline:
            self._repaint_required = True
            return
        super()._compositor_refresh()
        if not self._painted:  # all of it, as a first paint is: not again at the next update
            self._painted, self._repaint_required = True, False
            self.post_message(FirstFrame())

    def on_unmount(self) -> None:
        """Stop listening to the bus."""
        for sub in self._subs:
            sub.cancel()
        self._subs = []

    def _schedule(self, delay: float, callback: Any) -> None:
        _ = self.set_timer(delay, callback) if delay > 0 else self.call_later(callback)

    # -- commands: one context, one dispatcher -------------------------------------------------

    def command_context(self) -> CommandContext:
        """The context a command runs in: the state and the conversation in view."""
        key = self.convs.current
        info = self.rooms.info(key) if key is not None else None
        return CommandContext(self.ctx, self.state, self, self.app, key, info)

    def action_command(self, name: str) -> None:
        """Run the registry command ``name`` (its keys and palette entry)."""
        dispatch.run_named(self.command_context(), name)

    def action_switch_fallback(self, number: int) -> None:
        """Alt+``number`` as sent by terminals without the kitty keyboard protocol."""
        dispatch.run_named(self.command_context(), f"switch_{number}")

    def action_prefill(self, text: str) -> None:
        """Put ``text`` (a command to complete, e.g. ``/join ``) in the composer, cursor last."""
        self.prefill(text)

    def action_line(self, text: str) -> None:
        """Run ``text`` as if typed in the composer (the palette's "Status: …" entries)."""
        dispatch.run_line(self.command_context(), text)

    def _complete(self, text: str) -> list[str]:
        return dispatch.complete(self.command_context(), text)

    # -- the Surface commands act through ------------------------------------------------------

    def open_conversation(
        self,
        key: ConvKey,
        *,
        focus: bool = True,
        around: Message | None = None,
        seen: bool = True,
        unread_from: Message | None = None,
    ) -> None:
        """Put ``key`` in view: newest page from the store, its draft back in the composer.

        With ``around`` (a search hit), show the page around that message, marked; with
        ``unread_from`` (the first unread message), land there under a "new messages" divider.
        Not ``seen`` (put back in view at start-up): its unread messages stay unread.
        """
        around = unread_from or around
        pane, convs = self.view, self.convs
        was_open = key in convs.open
        text = convs.show(key, pane.composer_text, seen=seen, typed_ahead=self._running_line)
        if not was_open:
            self.state.save_open(self.ctx.store)
        self.state.save_current(self.ctx.store)
        if seen:
            mark_read(self.ctx.store, self.ctx.client, key)
        self._configure_pane(key, layout=False)
        if around is not None and around.id is not None:
            page = self.ctx.store.around(around, PAGE)
            pane.show_page(page, has_more=True, around=around.id, unread_from=unread_from)
        else:
            page = self.ctx.store.page(*key, limit=PAGE)
            pane.show_page(page, has_more=len(page) >= PAGE)
        pane.set_composer(text)
        pane.error = ""
        self._schedule_roster()
        self._unread_changed()
        if focus:
            pane.focus_composer()

    def close_conversation(self) -> None:
        """Close the conversation in view and show a neighbour."""
        current = self.convs.current
        if current is None:
            return
        pane = self.view
        pane.set_composer("")
        following = self.convs.close(current)
        self.state.save_open(self.ctx.store)
        if following is not None:
            self.open_conversation(following)
        else:
            pane.set_notices(())
            pane.show_page([], has_more=False)
            self._show_pane_state()
            self._refresh_status()
            self._schedule_roster()

    def show_error(self, words: str, restore: str | None = None) -> None:
        """Show ``words`` under the log; put ``restore`` back in an empty composer."""
        pane = self.view
        pane.error = words
        if restore is not None and not pane.composer_text:
            pane.set_composer(restore)

    def prefill(self, text: str) -> None:
        """Put ``text`` in the composer, cursor last, and focus it."""
        self.view.set_composer(text, focus=True)

    def composer_text(self) -> str:
        """What the composer holds."""
        return self.view.composer_text

    def message_sent(self, key: ConvKey, message: Message) -> None:
        """Show a message we just sent, if ``key`` is in view."""
        if self.convs.current == key:
            self.view.append(message)

    def changed(self, *what: Shown) -> None:
        """Show the state again where it changed."""
        if "roster" in what:
            self._refresh_roster()
        if "status" in what:
            self._refresh_status()
        if "view" in what and self.convs.current is not None:
            self._configure_pane(self.convs.current, layout=True)
        elif "header" in what:
            self._show_pane_state()

    def view_action(self, action: ViewAction) -> None:
        """Scroll, focus, or show and hide the sidebar."""
        sidebar = self.query_one(RosterSidebar)
        if action == "toggle_roster":
            sidebar.toggle()
        elif action == "filter_roster":
            sidebar.focus_filter()
        elif action == "focus_composer":
            self.view.focus_composer()
        elif action == "select_message":
            self.view.select_message()
        else:
            self.view.scroll_page(-1 if action == "scroll_up" else 1)

    def older_shown(self, key: ConvKey, older: list[Message], *, has_more: bool) -> None:
        """Show ``older`` messages above, if ``key`` is still in view."""
        if self.convs.current == key:
            self.view.prepend(older, has_more=has_more)

    def start(
        self, work: Coroutine[Any, Any, None], group: str, *, exclusive: bool = False
    ) -> None:
        """Run ``work`` in a worker of ``group`` (cancelled with the screen)."""
        self.run_worker(work, group=group, exclusive=exclusive, exit_on_error=False)

    # -- state → widgets -----------------------------------------------------------------------

    def _show_pane_state(self) -> None:
        self._header_scheduled = False
        self.view.state = self._pane_state(self.convs.current)

    def _pane_state(self, key: ConvKey | None) -> PaneState:
        if key is None:
            return pane_state(self.state, None, self.app.theme_variables, self.view.state)
        return pane_state(
            self.state,
            key,
            self.app.theme_variables,
            self.view.state,
            muted=key[1] in self.ctx.policy(key[0]).muted,
            multi=len(self.accounts) > 1,
            encryption=self.state.encryption_of(key, self.ctx.client),
        )

    def _configure_pane(self, key: ConvKey, *, layout: bool) -> None:
        """Set the pane up for ``key``'s capabilities (before its messages are shown)."""
        pane, rooms_state = self.view, self.rooms
        info, room = rooms_state.info(key), rooms_state.get(key)
        pane.state = self._pane_state(key)
        if info.is_group and room is not None:
            shown = rooms_state.show_traffic
            pane.set_notices(room.notices, show_traffic=shown, layout=layout)
            rooms_state.mentions.pop(key, None)
        elif key in self.state.notes or pane.has_notices:  # a chat's notices (new devices…)
            pane.set_notices(self.state.notes.get(key, ()), layout=layout)
        if info.has_occupants and room is not None:
            pane.show_occupants(room.occupants.values(), room.nick, now=True)
        self.refresh_bindings()

    def _schedule_roster(self) -> None:
        """Coalesce bursts of roster/presence events into one rebuild."""
        if self._roster_timer is None:
            self._roster_timer = self.set_timer(ROSTER_COALESCE, self._refresh_roster)

    def _refresh_roster(self) -> None:
        if self._roster_timer is not None:  # this rebuild is the one it would have made
            self._roster_timer.stop()
            self._roster_timer = None
        sidebar = self.query_one(RosterSidebar)
        sidebar.current = self.convs.current
        sidebar.rows = tuple(sidebar_rows(self.state, self.accounts))

    def _refresh_status(self) -> None:
        self.query_one(StatusBar).info = status_info(self.state, self.accounts)

    def attention_count(self) -> int:
        """Unread chats and private chats plus room mentions (the title and status count)."""
        return attention_total(self.convs.unread, self.rooms.rooms, self.rooms.total_mentions)

    def _unread_changed(self) -> None:
        self._refresh_status()
        self.post_message(UnreadChanged(self.attention_count()))

    # -- bus callbacks (assign state, then show it) --------------------------------------------

    def _show_received(self, events: list[ev.MessageReceived]) -> None:
        in_view_key = self.convs.current if self.app.screen is self else None
        plan = plan_messages((e.message for e in events), in_view_key)
        pane = self.view
        if plan.in_view:
            pane.append_many(plan.in_view)
        outcome = take_in(
            self.state,
            plan.messages,
            in_view_key=in_view_key,
            at_bottom=pane.at_bottom,
            app_focused=self.app.app_focus,
            policy=self.ctx.policy,
        )
        if outcome.read and in_view_key is not None:
            mark_read(self.ctx.store, self.ctx.client, in_view_key)
            outcome.unread = self.convs.unread.pop(in_view_key, None) is not None or outcome.unread
        if outcome.unread:
            self._unread_changed()
        for notification in outcome.notifications:
            self.post_message(notification)
        if outcome.roster:
            self._schedule_roster()

    def _bus_queued(self, event: ev.MessageQueued) -> None:
        self.state.outbox += 1
        self.message_sent((event.message.account, event.message.conversation), event.message)
        self._refresh_status()

    def _bus_state(self, event: ev.MessageStateChanged) -> None:
        if self.convs.current == (event.account, event.conversation):
            self.view.update_state(event.message_id, event.state, event.reason)
        self.state.outbox = len(self.ctx.store.outbox())
        self._refresh_status()

    def _now(self) -> datetime:
        return self.ctx.clock()

    def _bus_mentioned(self, event: ev.RoomMentioned) -> None:
        in_view = self.convs.current == (event.account, event.room) and self.app.screen is self
        unread, notification = take_mention(
            self.state,
            event,
            in_view=in_view and self.view.at_bottom,
            app_focused=self.app.app_focus,
            policy=self.ctx.policy,
        )
        if notification is not None:
            self.post_message(notification)
        if unread:
            self._unread_changed()
            self._schedule_roster()

    def _bus_update(self, event: object) -> None:
        self._show_update(update(self.state, event, self._now()))

    def _show_update(self, change: Update) -> None:
        toast = change.toast
        if toast is not None:
            self.app.notify(
                safe_text(toast.words).plain,
                title=toast.title,
                severity=toast.severity,
                timeout=toast.timeout,
                markup=False,
            )
        if change.status:
            self._refresh_status()
        if change.unread:
            self._unread_changed()
        current = self.convs.current
        if change.key is not None and change.key == current:
            self._show_pane_state()
        for key, notice in change.notices:
            if key == current:
                self.view.append_notice(notice)
        if change.decrypted is not None:
            self.view.replace_message(change.decrypted)
        if change.removed is not None and change.removed[0] == current:
            self.view.remove_message(change.removed[1])
        room = change.room
        if change.open is not None and change.open != current:
            self.open_conversation(change.open)
        elif room is not None and room.key == current:
            self._show_in_room(room, change.notice, change)
        if change.roster:
            self._schedule_roster()

    def _show_in_room(self, room: Room, notice: Notice | None, change: Update) -> None:
        pane = self.view
        if change.reconfigure:
            self._configure_pane(room.key, layout=False)
        if notice is not None:
            pane.append_notice(notice)
        if change.names or change.header_now:
            self._show_pane_state()
        if change.occupants:
            pane.show_occupants(room.occupants.values(), room.nick, now=False)
        if change.header and not self._header_scheduled:
            self._header_scheduled = True
            self.set_timer(HEADER_COALESCE, self._flush_header)

    def _flush_header(self) -> None:
        if self._header_scheduled:
            self._show_pane_state()

    def _app_focus_changed(self, focused: bool) -> None:
        current = self.convs.current
        if focused and current is not None and current in self.convs.unread and self.view.at_bottom:
            self.convs.unread.pop(current, None)
            self.rooms.mentions.pop(current, None)
            mark_read(self.ctx.store, self.ctx.client, current)
            self._unread_changed()
            self._schedule_roster()

    # -- widget messages -----------------------------------------------------------------------

    @on(ConversationPane.LineSubmitted)
    def _line(self, event: ConversationPane.LineSubmitted) -> None:
        self._running_line = True
        try:
            dispatch.run_line(self.command_context(), event.text)
        finally:
            self._running_line = False

    @on(TextArea.Changed, "#composer")
    def _draft_changed(self, event: TextArea.Changed) -> None:
        """Typing: chat states for the peer, at the client's bounded rate."""
        if (current := self.convs.current) is not None and event.text_area.has_focus:
            self.ctx.client.draft_changed(*current, empty=not event.text_area.text)

    @on(ConversationPane.RecallWanted)
    def _recall(self, _event: ConversationPane.RecallWanted) -> None:
        dispatch.recall(self.command_context(), self.view.last_own())

    @on(SelectableLog.ActionWanted)
    def _log_action(self, event: SelectableLog.ActionWanted) -> None:
        dispatch.log_action(self.command_context(), event.action, event.message, event.answer)

    @on(ConversationPane.OccupantChosen)
    def _occupant_chosen(self, event: ConversationPane.OccupantChosen) -> None:
        dispatch.occupant_chosen(self.command_context(), event.nick)

    @on(ConversationPane.OlderWanted)
    def _older_wanted(self, event: ConversationPane.OlderWanted) -> None:
        dispatch.older(self.command_context(), event.oldest)

    @on(RosterList.ContactChosen)
    def _contact_chosen(self, event: RosterList.ContactChosen) -> None:
        dispatch.contact_chosen(self.command_context(), event.key)

    @on(RosterList.FoldToggled)
    def _fold_toggled(self, _event: RosterList.FoldToggled) -> None:
        self.state.show_offline = not self.state.show_offline
        self._refresh_roster()

    @on(RosterSidebar.FilterChanged)
    def _filter_changed(self, event: RosterSidebar.FilterChanged) -> None:
        self.state.query = event.text
        self._refresh_roster()

    @on(RosterSidebar.FirstMatchChosen)
    def _first_match(self, event: RosterSidebar.FirstMatchChosen) -> None:
        self.open_conversation(event.key)
