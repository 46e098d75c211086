"""Provides the main screen's actions and slash commands: what keys, the palette and ``/x`` do.

Every request to the network runs in a worker (group ``client``) so no handler waits on it;
failures come back as an inline error under the log, in words.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.screen import Screen

from tuichat import sendable
from tuichat.config import ConfigError, update_account
from tuichat.errors import ClientError
from tuichat.model import Message, Show
from tuichat.ui import slash
from tuichat.ui.messages import ConfigChanged
from tuichat.ui.state import ConvKey

if TYPE_CHECKING:
    from tuichat.ui.context import UIContext
    from tuichat.ui.screens.switcher import Target
    from tuichat.ui.state import Conversations, RosterState
    from tuichat.ui.widgets.conversation import ConversationView

log = logging.getLogger(__name__)


class MainActions(Screen[None]):
    """Actions and slash-command handlers of :class:`~tuichat.ui.screens.main.MainScreen`."""

    ctx: UIContext
    roster: RosterState
    convs: Conversations
    show_offline: bool

    # Provided by MainScreen.
    @property
    def view(self) -> ConversationView:  # pragma: no cover - overridden
        """The conversation pane."""
        raise NotImplementedError

    @property
    def accounts(self) -> tuple[str, ...]:  # pragma: no cover - overridden
        """The accounts the client runs."""
        raise NotImplementedError

    def open_conversation(  # pragma: no cover
        self, key: ConvKey, *, focus: bool = True, around: Message | None = None
    ) -> None:
        """Put ``key`` in view (around a search hit if given)."""
        raise NotImplementedError

    def close_current(self) -> None:  # pragma: no cover
        """Close the conversation in view."""
        raise NotImplementedError

    def _refresh_roster(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def _update_header(self) -> None:  # pragma: no cover
        raise NotImplementedError

    # -- the composer line ---------------------------------------------------------------------

    def handle_line(self, text: str) -> None:
        """Run a slash command, or send ``text`` to the conversation in view."""
        self.view.show_error("")
        if slash.is_command(text):
            if self._room_line(text):
                return
            parsed = slash.parse(text, self.ctx.registry.slash_specs)
            if isinstance(parsed, slash.SlashError):
                self._fail(parsed.message, restore=text)
                return
            self.run_slash(parsed, text)
            return
        current = self.convs.current
        if current is None:
            self._fail("no conversation open: /msg JID, or Ctrl+K to pick a contact", text)
            return
        self._send(current, slash.unescape(text))

    def _fail(self, message: str, restore: str | None = None) -> None:
        self.view.show_error(message)
        if restore is not None and not self.view.composer.text:
            self.view.composer.set_text(restore)

    def _send(self, key: ConvKey, body: str) -> None:
        """Send ``body`` to ``key`` without the characters XMPP cannot carry (and say which were
        removed); a body still too big is refused and put back in the composer."""
        cleaned = sendable.clean(body)
        if not cleaned.text.strip():
            self._fail(f"nothing left to send: {cleaned.notice}")
            return
        try:
            sendable.check(cleaned.text)
        except sendable.Unsendable as exc:
            self._fail(f"not sent: {exc}", restore=cleaned.text)
            return
        if cleaned.notice:
            self.app.notify(cleaned.notice, severity="warning", markup=False, timeout=8)
        self._deliver(key, cleaned.text)

    def _deliver(self, key: ConvKey, body: str) -> None:
        """Hand a checked body to the client (a room screen overrides this for rooms)."""
        self.convs.last_sent[key] = body
        account, to = key

        async def send() -> None:
            message = await self.ctx.client.send_message(account, to, body)
            if self.convs.current == key:
                self.view.message_log.append(message)

        self._request(send(), f"could not send to {to}", restore=body)

    def _request(
        self, work: Awaitable[object], failure: str, *, restore: str | None = None
    ) -> None:
        """Run a client request in a worker; show ``failure`` and the reason if it raises."""

        async def run() -> None:
            try:
                await work
            except ClientError as exc:
                log.warning("%s: %s", failure, exc)
                self._fail(f"{failure}: {exc}", restore)

        self.run_worker(run(), group="client", exit_on_error=False)

    def _room_line(self, text: str) -> bool:
        """Handle a command line that means something special in a room (overridden)."""
        return False

    def _known_jids(self) -> set[str]:
        """Every JID the composer can complete: contacts, open conversations, requests."""
        jids = {j for (_a, j) in self.roster.all_contacts()}
        jids |= {j for (_a, j) in self.convs.open}
        jids |= {j for (_a, j) in self.roster.requests}
        return jids

    def _complete(self, text: str) -> list[str]:
        return slash.complete(text, self.ctx.registry.slash_specs, sorted(self._known_jids()))

    def run_slash(self, call: slash.SlashCall, line: str) -> None:
        """Dispatch a parsed slash command to its handler or action."""
        handler: Callable[[slash.SlashCall], None] | None = getattr(
            self, f"_slash_{call.name.replace('-', '_')}", None
        )
        if handler is not None:
            handler(call)
            return
        command = self.ctx.registry.by_slash(call.name)
        if command is None:  # pragma: no cover - parse() only accepts registry names
            self._fail(f"unknown command /{call.name}", line)
            return
        namespace = "app" if command.scope == "app" else "screen"
        self.app.call_later(self.run_action, f"{namespace}.{command.action}")

    # -- which account a command is about ------------------------------------------------------

    def _account(self) -> str | None:
        if self.convs.current is not None:
            return self.convs.current[0]
        return self.accounts[0] if self.accounts else None

    def _account_for(self, jid: str) -> str | None:
        current = self.convs.current
        if current is not None and current[1] == jid:
            return current[0]
        for account, other in self.roster.all_contacts():
            if other == jid:
                return account
        return self._account()

    def _contact_target(self, name: str) -> ConvKey | None:
        current = self.convs.current
        if current is None:
            self._fail(f"/{name}: open the contact's conversation first")
        return current

    # -- slash handlers --------------------------------------------------------------------------

    def _slash_msg(self, call: slash.SlashCall) -> None:
        jid = call.arg("jid")
        account = self._account_for(jid)
        if account is None:
            self._fail("/msg: no account: F4 opens Accounts")
            return
        self.open_conversation((account, jid))
        if call.arg("text"):
            self._send((account, jid), call.arg("text"))

    def _slash_status(self, call: slash.SlashCall) -> None:
        show = Show(call.arg("choice"))
        text = call.arg("text")
        self._request(self.ctx.client.set_presence(None, show, text), "could not set status")
        self.app.notify(f"status: {show.value}", markup=False, timeout=3)

    def _slash_add(self, call: slash.SlashCall) -> None:
        account = self._account()
        if account is None:
            self._fail("/add: no account: F4 opens Accounts")
            return
        jid, name = call.arg("jid"), call.arg("name")
        self._request(self.ctx.client.add_contact(account, jid, name), f"could not add {jid}")
        self.app.notify(f"asked {jid} to share presence", markup=False, timeout=4)

    def _slash_remove(self, call: slash.SlashCall) -> None:
        jid = call.arg("jid")
        if jid:
            account = self._account_for(jid)
        else:
            target = self._contact_target("remove")
            if target is None:
                return
            account, jid = target
        if account is None:
            return
        work = self.ctx.client.remove_contact(account, jid)
        self._request(work, f"could not remove {jid}")

    def _slash_rename(self, call: slash.SlashCall) -> None:
        target = self._contact_target("rename")
        if target is not None:
            work = self.ctx.client.update_contact(*target, name=call.arg("name"))
            self._request(work, "could not rename")

    def _slash_group(self, call: slash.SlashCall) -> None:
        target = self._contact_target("group")
        if target is not None:
            work = self.ctx.client.update_contact(*target, groups=(call.arg("name"),))
            self._request(work, "could not move the contact")

    def _answer(self, jid: str, accept: bool) -> None:
        account = next((a for (a, j) in self.roster.requests if j == jid), None)
        account = account or self._account_for(jid)
        if account is None:
            self._fail("no account: F4 opens Accounts")
            return
        self.roster.drop_request(account, jid)
        self._refresh_roster()
        work = self.ctx.client.answer_subscription(account, jid, accept)
        self._request(work, f"could not answer {jid}")

    def _slash_accept(self, call: slash.SlashCall) -> None:
        self._answer(call.arg("jid"), True)

    def _slash_deny(self, call: slash.SlashCall) -> None:
        self._answer(call.arg("jid"), False)

    def _slash_search(self, call: slash.SlashCall) -> None:
        self._open_search(call.arg("text"))

    def _slash_mute(self, _call: slash.SlashCall) -> None:
        self._set_muted(True)

    def _slash_unmute(self, _call: slash.SlashCall) -> None:
        self._set_muted(False)

    def _slash_theme(self, call: slash.SlashCall) -> None:
        self.app.call_later(self.app.run_action, f"set_theme({call.arg('name')!r})")

    def _set_muted(self, muted: bool) -> None:
        target = self._contact_target("mute" if muted else "unmute")
        if target is None:
            return
        account, jid = target
        cfg = self.ctx.account_config(account)
        if cfg is None:
            self._fail(f"{account} is not in the config file; cannot remember the mute")
            return
        current = [j for j in cfg.muted if j != jid]
        if muted:
            current.append(jid)
        try:
            update_account(self.ctx.config.path, account, muted=current)
        except (ConfigError, OSError) as exc:
            self._fail(f"could not save: {exc}")
            return
        problem = self.ctx.reload_config()
        if problem:
            self._fail(problem)
        self.post_message(ConfigChanged())
        self._update_header()
        self.app.notify(f"{jid} {'muted' if muted else 'unmuted'}", markup=False, timeout=3)

    # -- actions (keys and the palette) --------------------------------------------------------

    def action_quick_switcher(self) -> None:
        """Open the fuzzy quick switcher."""
        from tuichat.ui.screens.switcher import QuickSwitcher, Target

        targets = self._room_targets()
        targets += [
            Target(a, j, self.roster.display_name(a, j)) for (a, j) in self.roster.all_contacts()
        ]
        known = {(t.account, t.jid) for t in targets}
        recent = [(s.account, s.conversation) for s in self.ctx.store.conversations()[:200]]
        for key in [*self.convs.open, *recent]:
            if key not in known and key[0] in self.accounts:
                known.add(key)
                targets.append(Target(key[0], key[1], key[1]))
        order = {key: index for index, key in enumerate(self.convs.open)}
        targets.sort(key=lambda t: order.get((t.account, t.jid), len(order)))

        def chosen(key: ConvKey | None) -> None:
            if key is not None:
                self._choose(key)

        self.app.push_screen(
            QuickSwitcher(targets, unread=dict(self.convs.unread), multi=len(self.accounts) > 1),
            chosen,
        )

    def _room_targets(self) -> list[Target]:
        """Rooms and bookmarks for the quick switcher (overridden)."""
        return []

    def _choose(self, key: ConvKey) -> None:
        """Go to ``key`` chosen in a list (a room may need joining first: overridden)."""
        self.open_conversation(key)

    def _go(self, key: ConvKey | None) -> None:
        if key is None:
            self.app.bell()
        else:
            self.open_conversation(key)

    def _unread_order(self) -> list[ConvKey]:
        rows = self.roster.rows(self.accounts, show_offline=True, unread=self.convs.unread)
        return [*self.convs.open, *(r.key for r in rows if r.kind == "contact")]

    def action_next_unread(self) -> None:
        """Go to the next conversation with unread messages."""
        self._go(self.convs.next_unread(self._unread_order(), 1))

    def action_previous_unread(self) -> None:
        """Go to the previous conversation with unread messages."""
        self._go(self.convs.next_unread(self._unread_order(), -1))

    def action_next_conversation(self) -> None:
        """Go to the next open conversation."""
        self._go(self.convs.step(1))

    def action_previous_conversation(self) -> None:
        """Go to the previous open conversation."""
        self._go(self.convs.step(-1))

    def action_switch(self, number: int) -> None:
        """Go to open conversation ``number`` (1-based)."""
        self._go(self.convs.nth(number))

    def action_switch_fallback(self, number: int) -> None:
        """Alt+``number`` as sent by terminals without the kitty keyboard protocol."""
        self.action_switch(number)

    def action_close_conversation(self) -> None:
        """Close the conversation in view."""
        self.close_current()

    def action_filter_roster(self) -> None:
        """Show the roster and put the cursor in its filter."""
        self.query_one("#sidebar").remove_class("-hidden")
        self.query_one("#roster-filter").focus()

    def action_toggle_roster(self) -> None:
        """Show or hide the roster sidebar."""
        self.query_one("#sidebar").toggle_class("-hidden")

    def action_toggle_offline(self) -> None:
        """Fold or unfold offline contacts."""
        self.show_offline = not self.show_offline
        self._refresh_roster()

    def action_focus_composer(self) -> None:
        """Put the cursor in the composer."""
        self.view.composer.focus()

    def action_prefill(self, text: str) -> None:
        """Put ``text`` (a command to complete, e.g. ``/join ``) in the composer, cursor last."""
        self.view.composer.set_text(text)
        self.view.composer.focus()

    def _slash_help(self, call: slash.SlashCall) -> None:
        self.app.call_later(self.app.run_action, f"app.help({call.arg('command')!r})")

    def action_scroll_up(self) -> None:
        """Scroll the log up a page."""
        self.view.message_log.scroll_page_up(animate=False)

    def action_scroll_down(self) -> None:
        """Scroll the log down a page."""
        self.view.message_log.scroll_page_down(animate=False)

    def action_search(self) -> None:
        """Open message search."""
        self._open_search("")

    def _open_search(self, query: str) -> None:
        from tuichat.ui.screens.search import SearchScreen

        def chosen(hit: Message | None) -> None:
            if hit is not None:
                self.open_conversation((hit.account, hit.conversation), around=hit)

        self.app.push_screen(SearchScreen(self.ctx.store, query, tz=self.ctx.tz), chosen)

    def action_subscriptions(self) -> None:
        """Answer the oldest pending subscription request."""
        from tuichat.ui.screens.subscription import SubscriptionPrompt

        if not self.roster.requests:
            self.app.notify("no subscription request is waiting", markup=False, timeout=3)
            return
        (account, jid), message = next(iter(self.roster.requests.items()))

        def answered(accept: bool | None) -> None:
            if accept is not None:
                self._answer(jid, accept)

        self.app.push_screen(SubscriptionPrompt(account, jid, message), answered)

    def action_set_status(self, show: str) -> None:
        """Set our presence on every account (palette entries)."""
        self._slash_status(slash.SlashCall("status", {"choice": show}))

    def action_mute(self) -> None:
        """Mute the conversation in view."""
        self._set_muted(True)

    def action_unmute(self) -> None:
        """Unmute the conversation in view."""
        self._set_muted(False)

    def action_external_editor(self) -> None:
        """Edit the composer text in ``$VISUAL``/``$EDITOR`` (the app is suspended meanwhile)."""
        composer = self.view.composer
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile(
            "w", suffix=".txt", prefix="tuichat-", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(composer.text)
            path = Path(handle.name)
        try:
            with self.app.suspend():
                result = subprocess.run([*shlex.split(editor), str(path)], check=False)
            if result.returncode != 0:
                self._fail(f"{editor} exited with status {result.returncode}; text unchanged")
                return
            text = path.read_text(encoding="utf-8").rstrip("\n")
        except (OSError, ValueError) as exc:
            self._fail(f"could not run {editor}: {exc}")
            return
        except Exception as exc:  # SuspendNotSupported in headless/web drivers
            self._fail(f"cannot open an editor here: {exc}")
            return
        finally:
            path.unlink(missing_ok=True)
        composer.set_text(text)
        composer.focus()
