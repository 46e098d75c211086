"""Provides sending from the composer: cleaning, checking, and delivery by conversation kind.

What XMPP cannot carry is removed first (:mod:`tuichat.sendable`) and the user is told which
characters went; a body still too big is refused and given back to the composer. A chat, a
room and a private chat with an occupant each go through their own client call, chosen by
the conversation's kind.
"""

from __future__ import annotations

from tuichat import sendable
from tuichat.ui import slash
from tuichat.ui.commands import actions
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.rooms import complete_nick
from tuichat.ui.state import ConvKey


def send(ctx: CommandContext, key: ConvKey, body: str) -> None:
    """Send ``body`` to ``key`` without the characters XMPP cannot carry (saying which)."""
    cleaned = sendable.clean(body)
    if not cleaned.text.strip():
        ctx.fail(f"nothing left to send: {cleaned.notice}")
        return
    try:
        sendable.check(cleaned.text)
    except sendable.Unsendable as exc:
        ctx.fail(f"not sent: {exc}", restore=cleaned.text)
        return
    if cleaned.notice:
        ctx.notify(cleaned.notice, warning=True, timeout=8)
    deliver(ctx, key, cleaned.text)


def deliver(ctx: CommandContext, key: ConvKey, body: str) -> None:
    """Hand a checked body to the client: a chat, a room or a private chat, by its kind (or
    as the pending reply or correction, see :mod:`tuichat.ui.commands.actions`)."""
    if actions.take_pending(ctx, key, body):
        return
    ctx.state.convs.last_sent[key] = body
    rooms = ctx.state.rooms
    is_group = rooms.info(key).is_group
    parts = rooms.private_parts(key)
    client = ctx.ui.client
    account, to = key

    async def go() -> None:
        if parts is not None:
            message = await client.send_private_message(account, *parts, body)
        elif is_group:
            message = await client.send_room_message(account, to, body)
        else:
            message = await client.send_message(account, to, body)
        ctx.surface.message_sent(key, message)

    ctx.request(go(), f"could not send to {to}", restore=body)


def known_jids(ctx: CommandContext) -> set[str]:
    """Every JID the composer can complete: contacts, open conversations, requests."""
    state = ctx.state
    jids = {j for (_a, j) in state.roster.all_contacts()}
    jids |= {j for (_a, j) in state.convs.open}
    jids |= {j for (_a, j) in state.roster.requests}
    return jids


def complete(ctx: CommandContext, text: str) -> list[str]:
    """Tab completions of the composer's ``text``: a command, a JID, or a nick in a room."""
    room = ctx.current_room()
    nicks = list(room.occupants) if room is not None else []
    if slash.is_command(text) or text == "/":
        specs = ctx.ui.registry.slash_specs
        return slash.complete(text, specs, sorted(known_jids(ctx)), nicks)
    if room is None:
        return []
    return complete_nick(text, nicks, own=room.nick, recent=room.speakers)
