"""Provides ``/accept-invite`` and ``/decline-invite``: answering invitations to rooms."""

from __future__ import annotations

from tuichat.ui.commands.context import CommandContext
from tuichat.ui.slash import SlashCall


def accept(ctx: CommandContext, call: SlashCall) -> None:
    """Join a room we were invited to (the latest invitation when none is named)."""
    room = call.arg("room")
    invitations = ctx.state.rooms.invitations
    key = next((k for k in reversed(invitations) if not room or k[1] == room), None)
    if key is None:
        ctx.fail(f"no invitation to {room} is waiting" if room else "no invitation waits")
        return
    account, _room = key
    invitation = invitations.pop(key)
    ctx.surface.changed("roster")
    client = ctx.ui.client

    async def go() -> None:
        joined = await client.answer_invitation(
            account,
            invitation.room,
            True,
            inviter=invitation.inviter,
            password=invitation.password or None,
        )
        if joined is not None:
            ctx.open_conversation((account, joined.room))

    ctx.request(go(), f"could not join {invitation.room}")


def decline(ctx: CommandContext, call: SlashCall) -> None:
    """``/decline-invite ROOM [reason]``."""
    room = call.arg("room")
    invitations = ctx.state.rooms.invitations
    key = next((k for k in invitations if k[1] == room), None)
    if key is None:
        ctx.fail(f"no invitation to {room} is waiting")
        return
    invitation = invitations.pop(key)
    ctx.surface.changed("roster")
    work = ctx.ui.client.answer_invitation(
        key[0], invitation.room, False, inviter=invitation.inviter, reason=call.arg("reason")
    )
    ctx.request(work, f"could not decline the invitation to {room}")
    ctx.notify(f"declined the invitation to {room}", timeout=4)
