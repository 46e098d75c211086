"""Provides the OMEMO commands: ``/omemo on|off|devices|fingerprint|trust|distrust``.

``on`` and ``off`` set how the conversation in view sends (the header follows
``EncryptionChanged``); ``devices [JID]`` opens the device screen of the contact in view or of
JID (our own JID: our devices); ``fingerprint`` opens our own device screen with this device's
QR code over it; ``trust``/``distrust [JID] FINGERPRINT`` decide on a device of the contact in
view (or of JID: in a room, the member's). What the client refuses comes back in its words.
"""

from __future__ import annotations

from tuichat.model import Encryption, InvalidJID, Trust, bare_str, normal_fingerprint
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.dialogs.devices import DeviceScreen
from tuichat.ui.slash import SlashCall


def omemo(ctx: CommandContext, call: SlashCall) -> None:
    """``/omemo SUBCOMMAND [argument]``: one of the six."""
    what, argument = call.arg("choice"), call.arg("argument").strip()
    if what in ("on", "off"):
        if argument:
            ctx.fail(f"/omemo {what} takes no argument: it sets the conversation in view")
        else:
            switch(ctx, Encryption.OMEMO if what == "on" else Encryption.NONE)
    elif what == "devices":
        devices(ctx, argument)
    elif what == "fingerprint":
        if argument:
            ctx.fail("/omemo fingerprint takes no argument: it shows this device's")
        else:
            fingerprint(ctx)
    else:
        decide(ctx, Trust.VERIFIED if what == "trust" else Trust.DISTRUSTED, argument)


def devices_command(ctx: CommandContext, _call: SlashCall) -> None:
    """The palette's "Devices": the device screen of the contact in view."""
    devices(ctx, "")


def fingerprint_command(ctx: CommandContext, _call: SlashCall) -> None:
    """The palette's "Fingerprint": our devices and this device's QR code."""
    fingerprint(ctx)


def switch(ctx: CommandContext, encryption: Encryption) -> None:
    """``/omemo on|off`` in the conversation in view."""
    if ctx.key is None:
        ctx.fail("/omemo on|off sets the conversation in view: open one first")
        return
    account, conversation = ctx.key
    words = "on" if encryption is Encryption.OMEMO else "off"

    async def run() -> None:
        await ctx.ui.client.set_encryption(account, conversation, encryption)
        ctx.notify(f"OMEMO {words} for {conversation}", timeout=3)

    ctx.request(run(), f"could not turn OMEMO {words}")


def _contact(ctx: CommandContext, name: str) -> str | None:
    """The real JID of the contact in view, or an inline error saying what to give instead."""
    if ctx.key is None:
        ctx.fail(f"/omemo {name}: open the contact's conversation, or give a JID")
        return None
    if ctx.info is not None and ctx.info.is_group:
        ctx.fail(f"/omemo {name} in a room: give the member's JID (/omemo {name} JID …)")
        return None
    if ctx.state.rooms.private_parts(ctx.key) is not None:
        ctx.fail(f"/omemo {name}: a private chat in a room has no address to trust; give a JID")
        return None
    return ctx.key[1]


def _jid(ctx: CommandContext, text: str) -> str | None:
    try:
        return bare_str(text)
    except InvalidJID as exc:
        ctx.fail(f"/omemo: not a valid JID: {exc}")
        return None


def devices(ctx: CommandContext, argument: str) -> None:
    """``/omemo devices [JID]``: the device screen of JID or of the contact in view."""
    jid = _jid(ctx, argument) if argument else _contact(ctx, "devices")
    if jid is None:
        return
    account = jid if jid in ctx.accounts else ctx.account_for(jid)
    if account is None:
        ctx.fail("/omemo devices: no account: F4 opens Accounts")
        return
    name = ctx.state.roster.display_name(account, jid)
    ctx.ask(DeviceScreen(ctx.ui.client, account, jid, name), lambda _none: None)


def fingerprint(ctx: CommandContext) -> None:
    """``/omemo fingerprint``: our devices, with this device's QR code over them."""
    account = ctx.account()
    if account is None:
        ctx.fail("/omemo fingerprint: no account: F4 opens Accounts")
        return
    ctx.ask(DeviceScreen(ctx.ui.client, account, account, qr=True), lambda _none: None)


def decide(ctx: CommandContext, trust: Trust, argument: str) -> None:
    """``/omemo trust|distrust [JID] FINGERPRINT``."""
    verb = "trust" if trust is Trust.VERIFIED else "distrust"
    first, _, rest = argument.partition(" ")
    jid = _jid(ctx, first) if "@" in first else _contact(ctx, verb)
    if jid is None:
        return
    text = rest if "@" in first else argument
    if not text:
        ctx.fail(f"/omemo {verb} needs the device's FINGERPRINT (/omemo devices lists them)")
        return
    try:
        digits = normal_fingerprint(text)
    except ValueError as exc:
        ctx.fail(f"/omemo {verb}: {exc}")
        return
    account = jid if jid in ctx.accounts else ctx.account_for(jid)
    if account is None:
        return

    async def run() -> None:
        await ctx.ui.client.set_trust(account, jid, digits, trust)
        done = "verified" if trust is Trust.VERIFIED else "distrusted"
        ctx.notify(f"{jid}: device {digits[:8]}… {done}", timeout=4)

    ctx.request(run(), f"could not {verb} that device of {jid}")
