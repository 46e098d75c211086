"""Provides the Textual app and its factory :func:`build_app`: wiring only, no feature logic.

Start-up order (the first frame never waits for the network): the main screen paints the
cached roster and conversations from the store, THEN ``client.start()`` runs in a worker.
With no account configured, the Accounts screen opens on top.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App

from tuichat import startcaches
from tuichat.config import Config, ConfigError, set_ui_option
from tuichat.errors import ClientError
from tuichat.events import CertificateUntrusted
from tuichat.heap import settle_heap
from tuichat.model import ConnectionState, utcnow
from tuichat.paths import Paths
from tuichat.store import Store, StoreError
from tuichat.ui import css_cache
from tuichat.ui.attention import notification_text, osc_notifications, osc_title, window_title
from tuichat.ui.commands import build_registry
from tuichat.ui.context import UIContext
from tuichat.ui.messages import (
    ConfigChanged,
    FirstFrame,
    NotificationWanted,
    ServiceActionRequested,
    UnreadChanged,
)
from tuichat.ui.palette import RegistryProvider
from tuichat.ui.screens.bindings import install_bindings
from tuichat.ui.terminal import TerminalWriter
from tuichat.ui.terminal_keys import teach_alt_enter
from tuichat.ui.themes import (
    DEFAULT_THEME,
    VARIABLE_DEFAULTS,
    load_themes,
    shipped_theme_dirs,
)

if TYPE_CHECKING:
    from textual.screen import Screen

    from tuichat.client import ChatClient

log = logging.getLogger(__name__)

STOP_TIMEOUT = 5.0
"""Seconds to wait for a clean disconnect on quit."""

STORE_CHECK_INTERVAL = 1.0
"""Seconds between looks at whether the store failed under the connections."""

FIRST_FRAME_LIMIT = 1.0
"""Seconds after mounting by which the connections start, if no first frame was said first
(another screen covers the main one: the account editor, for a config without accounts)."""

SETTLE_LIMIT = 10.0
"""Start-up ends at the latest this many seconds after the connections began."""
SETTLE_POLL = 0.05
SETTLE_AFTER = 0.25
"""Seconds between the last account done connecting and the end of start-up."""


class TuichatApp(App[None]):
    """The tuichat terminal UI."""

    TITLE = "tuichat"
    DEFAULT_MODE = "main"
    """The app's one mode, whose base screen is the main screen (:meth:`_main_screen`)."""
    COMMANDS: ClassVar = {RegistryProvider}
    COMMAND_PALETTE_BINDING = "f10"
    """Ctrl+P (Textual's default) is "previous unread" here; the registry may add more keys."""

    CSS = """
    ToastRack {
        dock: top;
        align: right top;
        margin: 0;
        max-height: 40%;
    }
    Toast { padding: 0 1; }
    """
    """Toasts stack down from the top right, compact, in at most the top 40 % of the screen:
    clear of the status bar and footer at the bottom, and of the subscription prompt, which
    stands on the status bar in at most half the screen. Toasts that do not fit wait, out of
    view, for older ones to go."""

    def __init__(self, ctx: UIContext, *, start_client: bool = True) -> None:
        css_cache.install()
        super().__init__()
        teach_alt_enter()
        self.ctx = ctx
        self.start_client = start_client
        self.terminal = TerminalWriter(self)
        loaded = load_themes([*shipped_theme_dirs(), ctx.paths.user_themes_dir])
        self.theme_problems = loaded.problems
        self.tuichat_themes = loaded.themes
        for theme in loaded.themes.values():
            self.register_theme(theme)
        # Before the first screen: set in on_mount, it restyled every widget once more.
        wanted = ctx.config.ui.theme
        if wanted in self.available_themes:
            self.theme = wanted
        elif DEFAULT_THEME in self.available_themes:
            self.theme = DEFAULT_THEME
        install_bindings(self, ctx.registry.in_scope("app"))
        self.add_mode(self.DEFAULT_MODE, self._main_screen)
        self._client_started = False
        self.store_failure: StoreError | None = None
        """Why the app left early because the store failed under it (damage, a full disk)."""
        self._store_failure_shown: StoreError | None = None

    def _handle_exception(self, error: Exception) -> None:
        """Leave quietly on a store failure, for the CLI to say in one line; else Textual's way.

        Textual's only hook for an unhandled exception in a handler or a worker; it would
        print a traceback, while a damaged or full store is the user's problem, not a bug.
        """
        if isinstance(error, StoreError):
            if self.store_failure is None:
                self.store_failure = error
                self.exit(return_code=1)
            return
        super()._handle_exception(error)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """tuichat's theme variables, for themes that do not set them."""
        return dict(VARIABLE_DEFAULTS)

    def _main_screen(self) -> Screen[None]:
        """The main screen, from the store: the base of the app's one mode.

        Pushed onto Textual's own first screen, it had that screen below it, which was laid
        out for nothing and, once the first frame was out, made the main screen repaint all of
        itself (9.5 kB) in the middle of the client's start. The base screen of a mode is
        mounted before the app is, and laid out before its first frame, as a pushed one is."""
        from tuichat.ui.screens.main import MainScreen

        return MainScreen(self.ctx)

    def on_mount(self) -> None:
        """Say what went wrong with the themes, then connect in the background."""
        wanted = self.ctx.config.ui.theme
        if wanted not in self.available_themes:
            self.notify(f"unknown theme {wanted!r}; using {self.theme}", markup=False)
        for problem in self.theme_problems:
            self.notify(f"theme skipped: {problem}", severity="warning", markup=False)
        self.ctx.client.bus.subscribe(CertificateUntrusted, self._certificate_untrusted)
        self.set_interval(STORE_CHECK_INTERVAL, self._check_store)
        if not self.ctx.config.accounts:
            self.action_accounts()
        if self.start_client:  # at the main screen's first frame, or after FIRST_FRAME_LIMIT
            self.set_timer(FIRST_FRAME_LIMIT, self._first_frame)

    @on(FirstFrame)
    def _first_frame(self) -> None:
        """Connect once the first frame is out: started before it (as Textual's first refresh
        comes, in its start-up batch, before anything is painted) the XMPP library's import and
        the client's build held that frame back ~100 ms."""
        if self.start_client and not self._client_started:
            self._client_started = True
            self._start_client()

    def _check_store(self) -> None:
        """Say once, and until dismissed, that the store failed under the connections.

        A write that fails in a network callback (a disk that filled up, a lock held too long)
        raises there, away from any screen; the store keeps the first failure for us.
        """
        failure = self.ctx.store.failure
        if failure is not None and failure is not self._store_failure_shown:
            self._store_failure_shown = failure
            self.notify(
                f"{failure}. New messages are not being saved.",
                title="message store",
                severity="error",
                timeout=24 * 3600,
                markup=False,
            )

    @work(group="client-start", exit_on_error=False)
    async def _start_client(self) -> None:
        # The next start need not compile the first frame's dataclasses and patterns, nor
        # parse its stylesheets, again: saved now, as a closed terminal ends us without
        # atexit and a connection may take long to settle.
        startcaches.save_all()
        try:
            await self.ctx.client.start()
        except ClientError as exc:
            log.warning("client start failed: %s", exc)
            self.notify(f"could not start the connections: {exc}", severity="error", markup=False)
        else:
            await self._connections_settled()
        finally:
            self._start_up_over()

    async def _connections_settled(self) -> None:
        """Until no account is connecting any more (at most ``SETTLE_LIMIT`` seconds), and then
        ``SETTLE_AFTER`` more for the screen to show it.

        The collector's pass that ends start-up takes ~80 ms: run as the connections began, it
        held the loop while the server's first answers waited, and login came that much later.
        """
        client = self.ctx.client
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_LIMIT
        while loop.time() < deadline and any(
            client.state(account)[0] is ConnectionState.CONNECTING for account in client.accounts
        ):
            await asyncio.sleep(SETTLE_POLL)
        await asyncio.sleep(SETTLE_AFTER)

    @staticmethod
    def _start_up_over() -> None:
        """The caches keep what the connections and screens opened meanwhile made, then go;
        the collector runs again (paused by the entry point), and its later passes need not
        walk what start-up made."""
        try:
            startcaches.close_all()
        finally:
            settle_heap()

    def _certificate_untrusted(self, event: CertificateUntrusted) -> None:
        """Ask the user about a server certificate the CA store refused (once per account)."""
        from tuichat.ui.screens.certificate import CertificateReview, Trust, act_on

        if any(
            isinstance(s, CertificateReview) and s.event.account == event.account
            for s in self.screen_stack
        ):
            return

        async def act(answer: Trust) -> None:
            if problem := await act_on(self.ctx, event, answer):
                self.notify(f"certificate not trusted: {problem}", severity="error", markup=False)

        def answered(answer: Trust | None) -> None:
            if answer is not None and answer is not Trust.NO:
                self.run_worker(act(answer), group="certificate", exit_on_error=False)

        self.push_screen(CertificateReview(event), answered)

    # -- actions -------------------------------------------------------------------------------

    def action_help(self, topic: str = "") -> None:
        """Show the help screen: every command, or the one ``topic`` names (``/help join``)."""
        from tuichat.ui.screens.help import HelpScreen

        command = self.ctx.registry.topic(topic) if topic else None
        if topic and command is None:
            self.notify(f"no command {topic!r}: F1 lists them all", severity="warning")
            return
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.ctx.registry, command))

    def action_accounts(self) -> None:
        """Open the Accounts screen."""
        from tuichat.ui.screens.accounts import AccountsScreen

        if not isinstance(self.screen, AccountsScreen):
            self.push_screen(AccountsScreen(self.ctx))

    def action_set_theme(self, name: str) -> None:
        """Switch to theme ``name`` (for ``/theme``)."""
        self.set_theme(name)

    def set_theme(self, name: str) -> None:
        """Switch theme and remember it in the config file."""
        if name not in self.available_themes:
            known = ", ".join(sorted(self.tuichat_themes)) or "none"
            self.notify(f"unknown theme {name!r}; known: {known}", severity="error", markup=False)
            return
        self.theme = name
        try:
            set_ui_option(self.ctx.config.path, "theme", name)
        except (ConfigError, OSError) as exc:
            self.notify(f"theme not saved: {exc}", severity="warning", markup=False)
            return
        self.ctx.reload_config()

    async def action_quit(self) -> None:
        """Disconnect cleanly (bounded wait), then leave."""
        try:
            if self._client_started:
                await asyncio.wait_for(self.ctx.client.stop(), STOP_TIMEOUT)
        except (TimeoutError, ClientError) as exc:
            log.warning("clean disconnect failed: %s", exc)
        finally:
            self.exit()  # whatever happened, leave

    @on(ServiceActionRequested)
    def _service_action(self, event: ServiceActionRequested) -> None:
        """The disco browser asked to run a command or register: done in the main screen's
        context (its account and error line), like a typed command."""
        from tuichat.ui.commands.services import carry_out
        from tuichat.ui.screens.main import MainScreen

        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        if main is not None:
            carry_out(main.command_context(), event)

    # -- attention -----------------------------------------------------------------------------

    @on(UnreadChanged)
    def _unread_changed(self, event: UnreadChanged) -> None:
        title = window_title(event.total)
        if title != self.title:
            self.title = title
            self.terminal.write(osc_title(title))

    @on(NotificationWanted)
    def _notification_wanted(self, event: NotificationWanted) -> None:
        if event.notify:
            title, body = notification_text(event.title, event.body)
            self.terminal.write(osc_notifications(title, body))
        if event.bell:
            self.bell()

    @on(ConfigChanged)
    def _config_changed(self, _event: ConfigChanged) -> None:
        log.info("config re-read from %s; applying its accounts", self.ctx.config.path)
        self.run_worker(
            self.ctx.client.apply_accounts(self.ctx.config.accounts),
            group="accounts",
            exit_on_error=False,
        )


def build_app(
    config: Config,
    paths: Paths,
    store: Store,
    client: ChatClient,
    *,
    tz: tzinfo | None = None,
    clock: Callable[[], datetime] = utcnow,
    start_client: bool = True,
) -> TuichatApp:
    """Build the app from its dependencies (the CLI, the tests and the snapshot app use this).

    ``tz`` and ``clock`` pin the displayed time zone and "now" (snapshot tests);
    ``start_client=False`` keeps the client idle (UI tests that drive events by hand).
    """
    registry = build_registry(config.ui.keys)
    ctx = UIContext(
        config=config,
        paths=paths,
        store=store,
        client=client,
        registry=registry,
        tz=tz,
        clock=clock,
    )
    return TuichatApp(ctx, start_client=start_client)
