"""Provides the commands that move between conversations: ``/msg``, ``/close``, the quick
switcher, next/previous (unread), Alt+N, and search (a hit opens its conversation)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tuichat.discovery import split_feed_key
from tuichat.errors import ClientError
from tuichat.model import ConversationKind, Direction, Message
from tuichat.ui.commands import messaging, rooms, services
from tuichat.ui.commands.context import PAGE, CommandContext
from tuichat.ui.dialogs.search import SearchScreen
from tuichat.ui.dialogs.switcher import QuickSwitcher, Target
from tuichat.ui.slash import SlashCall
from tuichat.ui.state import ConvKey

log = logging.getLogger(__name__)

MAX_UNREAD_JUMP = 1000
"""Messages looked through for the first unread one (beyond, Ctrl+N lands on the oldest of
them)."""


def msg(ctx: CommandContext, call: SlashCall) -> None:
    """``/msg JID [text]``: open a conversation (and send the text)."""
    jid = call.arg("jid")
    account = ctx.account_for(jid)
    if account is None:
        ctx.fail("/msg: no account: F4 opens Accounts")
        return
    ctx.open_conversation((account, jid))
    if call.arg("text"):
        messaging.send(ctx, (account, jid), call.arg("text"))


def close(ctx: CommandContext, _call: SlashCall) -> None:
    """Close the conversation in view."""
    ctx.surface.close_conversation()


def quick_switcher(ctx: CommandContext, _call: SlashCall) -> None:
    """Open the fuzzy quick switcher over rooms, contacts and recent conversations."""
    state, accounts = ctx.state, ctx.accounts
    found = rooms.targets(ctx)
    found += [
        Target(a, j, state.roster.display_name(a, j)) for (a, j) in state.roster.all_contacts()
    ]
    known = {(t.account, t.jid) for t in found}
    recent = [(s.account, s.conversation) for s in ctx.ui.store.conversations()[:200]]
    for key in [*state.convs.open, *recent]:
        if key not in known and key[0] in accounts:
            known.add(key)
            found.append(Target(key[0], key[1], key[1]))
    order = {key: index for index, key in enumerate(state.convs.open)}
    found.sort(key=lambda t: order.get((t.account, t.jid), len(order)))

    def chosen(key: ConvKey | None) -> None:
        if key is not None:
            rooms.choose(ctx, key)

    unread = dict(state.convs.unread)
    ctx.ask(QuickSwitcher(found, unread=unread, multi=len(accounts) > 1), chosen)


def go(ctx: CommandContext, key: ConvKey | None) -> None:
    """Open ``key``; ring the bell when there is nowhere to go."""
    if key is None:
        ctx.app.bell()
    else:
        ctx.open_conversation(key)


def unread_order(ctx: CommandContext) -> list[ConvKey]:
    """The order Ctrl+N walks: open conversations first, then the roster's."""
    state = ctx.state
    rows = state.roster.rows(ctx.accounts, show_offline=True, unread=state.convs.unread)
    return [*state.convs.open, *(r.key for r in rows if r.kind == "contact")]


def first_unread(ctx: CommandContext, key: ConvKey) -> Message | None:
    """The oldest message of ``key`` the store counts as unread, if it is near enough."""
    store = ctx.ui.store
    count = store.unread_count(*key)
    if not count:
        return None
    page = store.page(*key, limit=min(MAX_UNREAD_JUMP, count + PAGE))
    incoming = [m for m in page if m.direction is Direction.IN]
    return incoming[-count] if count <= len(incoming) else (incoming[0] if incoming else None)


def go_unread(ctx: CommandContext, key: ConvKey | None) -> None:
    """Open ``key`` at its first unread message, under a "new messages" divider."""
    if key is None:
        ctx.app.bell()
        return
    first = first_unread(ctx, key)
    if first is None or first.id is None:
        ctx.open_conversation(key)
    else:
        ctx.open_conversation(key, unread_from=first)


def next_unread(ctx: CommandContext, _call: SlashCall) -> None:
    """Go to the next conversation with unread messages, at the first of them."""
    go_unread(ctx, ctx.state.convs.next_unread(unread_order(ctx), 1))


def previous_unread(ctx: CommandContext, _call: SlashCall) -> None:
    """Go to the previous conversation with unread messages, at the first of them."""
    go_unread(ctx, ctx.state.convs.next_unread(unread_order(ctx), -1))


def next_conversation(ctx: CommandContext, _call: SlashCall) -> None:
    """Go to the next open conversation."""
    go(ctx, ctx.state.convs.step(1))


def previous_conversation(ctx: CommandContext, _call: SlashCall) -> None:
    """Go to the previous open conversation."""
    go(ctx, ctx.state.convs.step(-1))


def switch(ctx: CommandContext, number: int) -> None:
    """Go to open conversation ``number`` (1-based)."""
    go(ctx, ctx.state.convs.nth(number))


def switcher(number: int) -> Callable[[CommandContext, SlashCall], None]:
    """The command behind Alt+``number``."""

    def run(ctx: CommandContext, _call: SlashCall) -> None:
        switch(ctx, number)

    return run


def win(ctx: CommandContext, call: SlashCall) -> None:
    """``/win N``: go to the open conversation numbered N (as the window list shows)."""
    word = call.arg("n")
    number = int(word) if word.isdigit() else 0
    key = ctx.state.convs.nth(number)
    if key is None:
        numbers = ", ".join(str(ctx.state.convs.number(k)) for k in ctx.state.convs.open)
        ctx.fail(f"/win: no conversation numbered {word} (open: {numbers or 'none'})")
        return
    ctx.open_conversation(key)


def search(ctx: CommandContext, call: SlashCall) -> None:
    """Open message search (``/search TEXT`` starts with that text); a hit opens its page."""

    def chosen(hit: Message | None) -> None:
        if hit is not None and hit.kind is ConversationKind.FEED:
            services.open_feeds(ctx, hit.account, *split_feed_key(hit.conversation))
        elif hit is not None:
            ctx.open_conversation((hit.account, hit.conversation), around=hit)

    ctx.ask(SearchScreen(ctx.ui.store, call.arg("text"), tz=ctx.ui.tz), chosen)


def older(ctx: CommandContext, oldest: Message) -> None:
    """Show the page before ``oldest``: from the store, else fetched from the server's archive
    into the store first (the latest such request wins)."""
    key = ctx.key
    if key is None:
        return
    store = ctx.ui.store
    page = store.page(*key, before=oldest, limit=PAGE)
    if page:
        ctx.surface.older_shown(key, page, has_more=True)
        return
    client = ctx.ui.client

    async def backfill() -> None:
        try:
            await client.fetch_older(*key, limit=PAGE)
        except ClientError as exc:  # not connected, or the server said no
            log.warning("older history of %s not loaded: %s", key[1], exc)
        fetched = store.page(*key, before=oldest, limit=PAGE)
        ctx.surface.older_shown(key, fetched, has_more=bool(fetched))

    ctx.surface.start(backfill(), "backfill", exclusive=True)
