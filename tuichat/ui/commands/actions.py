"""Provides the message action commands: select, reply, correct, retract, react, copy, open
links, save or open files (:func:`tuichat.ui.commands.files.open_files`), earlier versions,
remove (moderators).

Keys on a selected message (:class:`tuichat.ui.widgets.selection.SelectableLog`) and slash
lines (``/correct``, ``/retract``, ``/react``, ``/reply``, ``/moderate``, ``/cancel``) end up
here. A reply or a correction waits for the composer's next line (``Acting.pending``); the
line is then sent by :func:`take_pending` instead of as a new message.
"""

from __future__ import annotations

from rich.text import Text

from tuichat.actions import QUICK_REACTIONS
from tuichat.files import key_free
from tuichat.model import Direction, Message
from tuichat.ui.acting import Pending
from tuichat.ui.commands.context import CommandContext
from tuichat.ui.commands.files import open_files
from tuichat.ui.commands.pictures import inline_pictures
from tuichat.ui.dialogs.choices import ChoiceDialog
from tuichat.ui.links import find_links
from tuichat.ui.picture_lines import ShowPicture
from tuichat.ui.render import safe_text
from tuichat.ui.slash import SlashCall
from tuichat.ui.state import ConvKey


def select(ctx: CommandContext, _call: SlashCall) -> None:
    """Select the newest message of the log (then Up/Down, keys act on it, Esc leaves)."""
    if ctx.key is None:
        ctx.fail("no conversation open")
        return
    ctx.surface.view_action("select_message")


def _own(message: Message) -> bool:
    return message.direction is Direction.OUT


def _target(ctx: CommandContext, *, own: bool = False) -> Message | None:
    """The selected message of the conversation in view; else, for ``own``, our last one."""
    selected = ctx.state.acting.selected
    if selected is not None and (selected.account, selected.conversation) == ctx.key:
        return selected
    if own and ctx.key is not None:
        for message in reversed(ctx.ui.store.page(*ctx.key, limit=50)):
            if _own(message) and not (message.marks and message.marks.retracted):
                return message
    return None


def from_log(
    ctx: CommandContext, action: str, message: Message | None, show: ShowPicture | None = None
) -> None:
    """A key on the selected message (``leave``: the selection ended); ``pictures``: the log
    painted a message with pictures (``show`` shows them under their file lines)."""
    if action == "pictures":
        if message is not None and show is not None:
            inline_pictures(ctx, message, show)
        return
    acting = ctx.state.acting
    acting.selected = message
    if action == "leave" or message is None:
        ctx.surface.view_action("focus_composer")
        return
    if action in ("reply", "correct"):
        start(ctx, action, message)
    elif action == "retract":
        retract_message(ctx, message)
    elif action == "react":
        pick_reaction(ctx, message)
    elif action == "copy":
        ctx.app.copy_to_clipboard(key_free(message.body, message.attachments))  # never a key
        ctx.notify("message copied to the clipboard")
    elif action == "open":
        open_links(ctx, message)
    elif action == "files":
        open_files(ctx, message, show)
    elif action == "versions":
        versions(ctx, message)
    elif action == "moderate":  # asks for the reason first: Enter then removes it
        ctx.prefill("/moderate ")
        ctx.surface.view_action("focus_composer")
    elif action == "quoted":
        go_to_quoted(ctx, message)


def go_to_quoted(ctx: CommandContext, message: Message) -> None:
    """Show the message a reply quotes, however far back (loaded around it, marked)."""
    marks = message.marks
    if marks is None or marks.reply_to is None:
        ctx.notify("this message is not a reply")
        return
    quoted = ctx.ui.store.get_message(marks.quoted_id) if marks.quoted_id is not None else None
    if quoted is None:
        ctx.notify("the quoted message is not stored here")
        return
    ctx.open_conversation((quoted.account, quoted.conversation), around=quoted)


def start(ctx: CommandContext, kind: str, message: Message) -> None:
    """The composer's next line replies to (or corrects) ``message``."""
    key = (message.account, message.conversation)
    if kind == "correct":
        if not _own(message):
            ctx.fail("only your own messages can be corrected")
            return
        ctx.state.acting.pending = Pending("correct", key, message)
        ctx.prefill(message.body)
        ctx.notify("correcting your message: Enter sends the correction, /cancel drops it")
    else:
        ctx.state.acting.pending = Pending("reply", key, message)
        ctx.notify("replying: type the reply, Enter sends it, /cancel drops it")
    ctx.surface.view_action("focus_composer")


def recall(ctx: CommandContext, message: Message | None) -> bool:
    """Up in an empty composer: correct our last message here; whether there is one."""
    if message is None or ctx.key is None or (message.marks and message.marks.retracted):
        return False
    ctx.state.acting.pending = Pending("correct", ctx.key, message)
    ctx.prefill(message.body)
    ctx.notify("correcting your last message: Enter sends the correction, /cancel drops it")
    return True


def take_pending(ctx: CommandContext, key: ConvKey, body: str) -> bool:
    """Send ``body`` as the pending reply or correction for ``key``; whether it was one."""
    pending = ctx.state.acting.take(key)
    if pending is None:
        return False
    client, account = ctx.ui.client, key[0]
    if pending.kind == "correct":
        if body == pending.message.body:
            return True  # nothing changed: nothing to send
        work = client.correct_message(account, pending.message, body)
        ctx.request(work, "could not correct the message", restore=body)
        return True

    async def reply() -> None:
        sent = await client.reply(account, pending.message, body)
        ctx.surface.message_sent(key, sent)

    ctx.request(reply(), "could not send the reply", restore=body)
    return True


def cancel(ctx: CommandContext, _call: SlashCall) -> None:
    """Drop a pending reply or correction."""
    had = ctx.state.acting.pending is not None
    ctx.state.acting.pending = None
    ctx.notify("dropped the pending reply or correction" if had else "nothing pending")


def correct(ctx: CommandContext, call: SlashCall) -> None:
    """``/correct TEXT``: correct our last message here (or the selected one of ours)."""
    message = _target(ctx, own=True)
    text = str(call.args.get("text", "")).strip()
    if message is None or not _own(message):
        ctx.fail("/correct: no message of yours here to correct")
        return
    if not text:
        start(ctx, "correct", message)
        return
    ctx.request(
        ctx.ui.client.correct_message(message.account, message, text),
        "could not correct the message",
    )


def retract(ctx: CommandContext, _call: SlashCall) -> None:
    """``/retract``: retract the selected message of ours, else our last one here."""
    message = _target(ctx, own=True)
    if message is None:
        ctx.fail("/retract: no message of yours here to retract")
        return
    retract_message(ctx, message)


def retract_message(ctx: CommandContext, message: Message) -> None:
    """Retract our own ``message``."""
    if not _own(message):
        ctx.fail("only your own messages can be retracted")
        return
    ctx.request(
        ctx.ui.client.retract_message(message.account, message), "could not retract the message"
    )


def reply(ctx: CommandContext, call: SlashCall) -> None:
    """``/reply [TEXT]``: reply to the selected message."""
    message = _target(ctx)
    if message is None:
        ctx.fail("/reply: select a message first (Alt+Up)")
        return
    start(ctx, "reply", message)
    text = str(call.args.get("text", "")).strip()
    if text and ctx.key is not None:
        take_pending(ctx, ctx.key, text)


def _own_reactions(message: Message) -> tuple[str, ...]:
    given = message.marks.reactions if message.marks is not None else ()
    return tuple(emoji for emoji, who in given if message.account in who)


def toggle_reaction(ctx: CommandContext, message: Message, emoji: str) -> None:
    """Add ``emoji`` to our reactions to ``message``, or take it away if it is there."""
    mine = _own_reactions(message)
    wanted = tuple(e for e in mine if e != emoji) if emoji in mine else (*mine, emoji)
    ctx.request(ctx.ui.client.react(message.account, message, wanted), "could not react")


def react(ctx: CommandContext, call: SlashCall) -> None:
    """``/react EMOJI``: react to the selected message (else the newest one here)."""
    message = _target(ctx)
    if message is None and ctx.key is not None:
        page = ctx.ui.store.page(*ctx.key, limit=1)
        message = page[-1] if page else None
    if message is None:
        ctx.fail("/react: no message to react to")
        return
    emoji = str(call.args.get("emoji", "")).strip()
    if not emoji:
        pick_reaction(ctx, message)
        return
    toggle_reaction(ctx, message, emoji)


def pick_reaction(ctx: CommandContext, message: Message) -> None:
    """The small picker of common reactions (and who gave the ones already there)."""
    mine = _own_reactions(message)
    lines = [
        Text(f"{e}   {'(yours: Enter takes it back)' if e in mine else ''}")
        for e in QUICK_REACTIONS
    ]
    given = message.marks.reactions if message.marks is not None else ()
    for emoji, who in given:
        lines.append(safe_text(f"{emoji}   from {', '.join(who)}"))
    choices = [*QUICK_REACTIONS, *(e for e, _who in given)]

    def answered(index: int | None) -> None:
        if index is not None:
            toggle_reaction(ctx, message, choices[index])

    ctx.ask(ChoiceDialog("React", lines), answered)


def versions(ctx: CommandContext, message: Message) -> None:
    """A corrected message's earlier texts, oldest first, then the current one."""
    if message.id is None:
        return
    earlier = ctx.ui.store.versions(message.id)
    if not earlier:
        ctx.notify("this message was not corrected")
        return
    lines = [safe_text(f"earlier: {body}") for _ts, body in earlier]
    lines.append(safe_text(f"now: {key_free(message.body, message.attachments)}"))
    ctx.ask(ChoiceDialog("Earlier versions", lines, read_only=True), lambda _i: None)


def open_links(ctx: CommandContext, message: Message) -> None:
    """Open the message's link (a choice when it has several)."""
    urls = [link.url for link in find_links(message.body)]
    if not urls:
        ctx.notify("no link in this message")
        return
    if len(urls) == 1:
        ctx.app.open_url(urls[0])
        return

    def answered(index: int | None) -> None:
        if index is not None:
            ctx.app.open_url(urls[index])

    ctx.ask(ChoiceDialog("Open a link", [safe_text(u) for u in urls]), answered)


def moderate(ctx: CommandContext, call: SlashCall) -> None:
    """``/moderate [REASON]``: remove the selected room message (moderators)."""
    message = _target(ctx)
    if message is None:
        ctx.fail("/moderate: select the message to remove first (Alt+Up)")
        return
    moderate_message(ctx, message, str(call.args.get("reason", "")))


def moderate_message(ctx: CommandContext, message: Message, reason: str) -> None:
    """Ask the room to remove ``message``."""
    ctx.request(
        ctx.ui.client.moderate(message.account, message, reason), "could not remove the message"
    )
