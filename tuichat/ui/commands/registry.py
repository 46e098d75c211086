"""Provides the one command registry behind key bindings, the palette, help and slash commands.

Rule: a command is listed here once. Its keys come from :data:`tuichat.keys.ACTIONS` (same
name) when that defines it, else from the fallback below, and the user's ``[keys]`` table wins
over both. ``scope`` says where the action runs: ``app`` everywhere, ``main`` on the main
(roster + conversation) screen only. ``priority`` bindings fire even while the composer has
focus (the composer's text area would otherwise eat keys such as Ctrl+K and Ctrl+E).
``run`` names the function that carries a command out (one table, no lookup by name): keys,
the palette and slash lines all reach it through :mod:`tuichat.ui.commands.dispatch`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from tuichat.keys import ACTIONS
from tuichat.ui.commands.lazy import topic
from tuichat.ui.slash import SlashCall, SlashSpec
from tuichat.ui.terminal_keys import ALT_DIGIT_CHARACTERS

if TYPE_CHECKING:
    from tuichat.ui.commands import (
        actions,
        adhoc,
        blocking,
        bookmarks,
        contacts,
        conversations,
        files,
        gateways,
        general,
        invitations,
        moderation,
        omemo,
        presence,
        rooms,
        services,
        view,
    )
    from tuichat.ui.commands.context import CommandContext
else:  # imported when one of their commands first runs (see .lazy)
    bookmarks, contacts, general, invitations = map(
        topic, ("bookmarks", "contacts", "general", "invitations")
    )
    moderation, presence, rooms, view = map(topic, ("moderation", "presence", "rooms", "view"))
    adhoc, blocking, files, gateways, omemo, services = map(
        topic, ("adhoc", "blocking", "files", "gateways", "omemo", "services")
    )
    actions = topic("actions")
    conversations = topic("conversations", factories=("switcher",))

log = logging.getLogger(__name__)

Scope = Literal["app", "main"]

Runner = Callable[["CommandContext", SlashCall], None]
"""A command's function: the context, and the slash arguments (empty for keys and palette)."""

__all__ = ["ALT_DIGIT_CHARACTERS", "Command", "CommandRegistry", "Runner", "build_registry"]


@dataclass(frozen=True, slots=True)
class Command:
    """One user command: how it is named, bound, described and typed."""

    name: str
    """Stable id; also the action name in :data:`tuichat.keys.ACTIONS` and ``[keys]``."""
    title: str
    """Short title for the footer and the palette."""
    help: str
    """One sentence for the help screen and the palette."""
    action: str
    """The Textual action to run (without namespace), e.g. ``quick_switch`` or ``switch(1)``."""
    scope: Scope = "main"
    keys: str = ""
    """Comma-separated Textual key names, resolved by :func:`build_registry`."""
    slash: str | None = None
    """The slash command name (without ``/``), if it has one."""
    usage: str = ""
    """Slash argument usage, e.g. ``"JID [text]"``."""
    footer: bool = False
    """Show in the footer."""
    priority: bool = False
    palette: bool = True
    run: Runner | None = None
    """The function that carries the command out; ``None`` for an app action (``action``)."""

    @property
    def binding_action(self) -> str:
        """What its keys run: the app's action, or this command through the main screen's
        dispatcher."""
        if self.scope == "app" or self.run is None:
            return self.action
        return f"command({self.name!r})"

    @property
    def slash_usage(self) -> str:
        """``/name usage`` for help texts, or an empty string."""
        return f"/{self.slash} {self.usage}".rstrip() if self.slash else ""


def _c(
    name: str,
    title: str,
    help: str,
    *,
    action: str | None = None,
    scope: Scope = "main",
    keys: str = "",
    slash: str | None = None,
    usage: str = "",
    footer: bool = False,
    priority: bool = False,
    palette: bool = True,
    run: Runner | None = None,
) -> Command:
    return Command(
        name=name,
        title=title,
        help=help,
        action=action or name,
        scope=scope,
        keys=keys,
        slash=slash,
        usage=usage,
        footer=footer,
        priority=priority,
        palette=palette,
        run=run,
    )


# The fallback defaults; tuichat.keys.ACTIONS overrides keys for any name it defines.
DEFAULT_COMMANDS: tuple[Command, ...] = (
    _c("help", "Help", "Show every command and key; /help CMD shows one command.",
       scope="app", keys="f1,question_mark", slash="help", usage="[command]", footer=True,
       run=general.help_topic),
    _c("quit", "Quit", "Disconnect cleanly and leave tuichat.", scope="app", keys="ctrl+q",
       slash="quit", footer=True, priority=True),
    _c("accounts", "Accounts", "Open the accounts screen: state, add, edit, enable, remove.",
       scope="app", keys="f4", slash="account", footer=True),
    _c("command_palette", "Palette", "Open the command palette.", scope="app", keys="f10",
       footer=True, palette=False),
    _c("quick_switcher", "Switch", "Fuzzy-find a contact or conversation of any account.",
       keys="ctrl+k", footer=True, priority=True, run=conversations.quick_switcher),
    _c("next_unread", "Unread", "Go to the next conversation with unread messages.",
       keys="ctrl+n", footer=True, priority=True, run=conversations.next_unread),
    _c("previous_unread", "Prev unread", "Go to the previous conversation with unread messages.",
       keys="ctrl+p", priority=True, run=conversations.previous_unread),
    _c("next_conversation", "Next chat", "Go to the next open conversation.",
       keys="ctrl+pagedown", priority=True, run=conversations.next_conversation),
    _c("previous_conversation", "Prev chat", "Go to the previous open conversation.",
       keys="ctrl+pageup", priority=True, run=conversations.previous_conversation),
    _c("filter_roster", "Filter", "Filter the contact list (type, then Enter opens).",
       keys="ctrl+f", footer=True, priority=True, run=view.filter_roster),
    _c("toggle_roster", "Roster", "Show or hide the contact list.", keys="f2", priority=True,
       run=view.toggle_roster),
    _c("toggle_offline", "Offline", "Show or hide offline contacts.", keys="ctrl+o",
       priority=True, run=view.toggle_offline),
    _c("focus_composer", "Composer", "Put the cursor in the message composer.", keys="escape",
       run=view.focus_composer),
    _c("external_editor", "Editor", "Compose the message in $EDITOR.", keys="ctrl+e",
       slash="edit", priority=True, run=view.external_editor),
    _c("close_conversation", "Close", "Close the current conversation.", keys="ctrl+w",
       slash="close", run=conversations.close),
    _c("win", "Window", "Go to the open conversation numbered N (the status bar lists them: "
       "[1][2]-3-).", slash="win", usage="N", palette=False, run=conversations.win),
    _c("search", "Search", "Search the message history.", keys="f3", slash="search",
       usage="TEXT", priority=True, run=conversations.search),
    _c("subscriptions", "Requests", "Answer pending subscription requests.", keys="alt+a",
       priority=True, run=contacts.subscriptions),
    _c("msg", "Message", "Open a conversation with JID (and send text); in a room, NICK instead "
       "of JID opens a private chat with that occupant.", slash="msg", usage="JID [text]",
       palette=False, run=conversations.msg),
    _c("status", "Status", "Set your presence on every account.", slash="status",
       usage="online|away|xa|dnd [text]", palette=False, run=presence.status),
    _c("add_contact", "Add contact", "Add JID to the roster and ask for their presence.",
       slash="add", usage="JID [name]", palette=False, run=contacts.add),
    _c("remove_contact", "Remove contact", "Remove JID (default: the open one) from the roster.",
       slash="remove", usage="[JID]", palette=False, run=contacts.remove),
    _c("rename_contact", "Rename contact", "Rename the open contact.", slash="rename",
       usage="name", palette=False, run=contacts.rename),
    _c("group_contact", "Move contact", "Put the open contact in a roster group.",
       slash="group", usage="name", palette=False, run=contacts.group),
    _c("accept", "Accept request", "Accept a subscription request from JID.", slash="accept",
       usage="JID", palette=False, run=contacts.accept),
    _c("deny", "Deny request", "Deny a subscription request from JID.", slash="deny",
       usage="JID", palette=False, run=contacts.deny),
    _c("mute", "Mute", "No bell or notification for this conversation.", slash="mute",
       run=contacts.mute),
    _c("unmute", "Unmute", "Bell and notifications again for this conversation.",
       slash="unmute", run=contacts.unmute),
    _c("upload", "Share a file", "Upload a file and send it to the conversation in view "
       "(without PATH: a file picker; /upload cancel stops it).", slash="upload",
       usage="[path]", run=files.upload),
    _c("info", "Contact info", "What JID (default: the contact in view) tells about itself: "
       "vCard, clients, last visit.", slash="info", usage="[JID]", palette=False,
       run=contacts.info),
    _c("block", "Block", "Block JID (default: the contact in view): the server drops "
       "everything it sends.", slash="block", usage="[JID]", palette=False, run=blocking.block),
    _c("spam", "Report spam", "Block JID (default: the one in view) and report it as spam.",
       slash="spam", usage="[JID]", palette=False, run=blocking.spam),
    _c("unblock", "Unblock", "Unblock JID (default: the one in view).", slash="unblock",
       usage="[JID]", palette=False, run=blocking.unblock),
    _c("blocked", "Block list", "List the JIDs you block; Enter unblocks one.",
       slash="blocked", run=blocking.blocked),
    _c("reconnect", "Reconnect", "Connect ACCOUNT (default: the one in view) again now, "
       "without waiting for its next retry.", slash="reconnect", usage="[ACCOUNT]",
       run=presence.reconnect),
    _c("avatar", "Publish avatar", "Publish the picture at PATH (PNG, JPEG, GIF or WebP, at "
       "most 256 KiB) as your avatar on the account in view.", slash="avatar", usage="path",
       palette=False, run=presence.avatar),
    _c("theme", "Theme", "Switch theme (and remember it).", scope="app", slash="theme",
       usage="NAME", palette=False, run=general.theme),
    # -- message actions --
    _c("select_message", "Select message", "Select a message in the log: Up/Down move, r reply, "
       "e correct, x retract, + react, c copy, o open links, f save or open files, v earlier "
       "versions, m remove, Esc leaves.", keys="alt+up", slash="select", priority=True,
       run=actions.select),
    _c("correct", "Correct", "Correct your last message here (with TEXT: at once).",
       slash="correct", usage="[text]", palette=False, run=actions.correct),
    _c("retract", "Retract", "Retract the selected message of yours, else your last one here.",
       slash="retract", palette=False, run=actions.retract),
    _c("react", "React", "React to the selected message (else the newest) with EMOJI (again: "
       "take it back); without one, a picker.", slash="react", usage="[emoji]",
       palette=False, run=actions.react),
    _c("reply", "Reply", "Reply to the selected message (with TEXT: at once).", slash="reply",
       usage="[text]", palette=False, run=actions.reply),
    _c("cancel", "Cancel", "Drop a pending reply or correction.", slash="cancel",
       palette=False, run=actions.cancel),
    _c("moderate", "Remove message", "Remove the selected room message for everyone, saying "
       "why (moderators).", slash="moderate", usage="[reason]", palette=False,
       run=actions.moderate),
    # -- group chat --
    _c("join", "Join room", "Join room@service[/nick] (with the password if it has one).",
       slash="join", usage="ROOM [password]", palette=False, run=rooms.join_command),
    _c("leave", "Leave room", "Leave the room in view (saying why, if you like).",
       slash="leave", usage="[reason]", run=rooms.leave),
    _c("nick", "Change nick", "Take another nick in the room in view.", slash="nick",
       usage="NEWNICK", palette=False, run=rooms.nick),
    _c("topic", "Set topic", "Set the subject of the room in view.", slash="topic",
       usage="TEXT", palette=False, run=rooms.topic),
    _c("toggle_occupants", "People", "Show or hide the occupant list of the room in view.",
       keys="f5", slash="occupants", footer=True, priority=True, run=view.toggle_occupants),
    _c("toggle_traffic", "Joins/leaves", "Show or fold away joins, leaves and nick changes.",
       keys="f6", priority=True, run=view.toggle_traffic),
    _c("presence", "Room traffic", "Show or hide joins, leaves and nick changes in rooms.",
       slash="presence", usage="hide|show", palette=False, run=view.presence),
    _c("bookmark", "Bookmark room", "Bookmark the room in view (autojoin: join at sign-in).",
       slash="bookmark", usage="[autojoin|manual]", run=bookmarks.bookmark),
    _c("bookmarks", "Bookmarks", "List your room bookmarks; Enter joins one.", slash="bookmarks",
       run=bookmarks.bookmarks),
    _c("rooms", "Room browser", "List the rooms of a chat service; type to filter, Enter joins.",
       slash="rooms", usage="[service]", run=bookmarks.browse),
    _c("accept_invite", "Accept invitation", "Join a room you were invited to (default: the "
       "latest invitation).", slash="accept-invite", usage="[room]", run=invitations.accept),
    _c("decline_invite", "Decline invitation", "Decline an invitation to ROOM.",
       slash="decline-invite", usage="ROOM [reason]", palette=False, run=invitations.decline),
    _c("invite", "Invite", "Invite JID to the room in view.", slash="invite",
       usage="JID [reason]", palette=False, run=moderation.invite),
    _c("kick", "Kick", "Kick NICK out of the room in view (moderators).", slash="kick",
       usage="NICK [reason]", palette=False, run=moderation.kick),
    _c("ban", "Ban", "Ban a JID (or an occupant's JID, by nick) from the room (admins).",
       slash="ban", usage="WHO [reason]", palette=False, run=moderation.ban),
    _c("role", "Set role", "Give NICK a role in the room in view (moderators).", slash="role",
       usage="NICK moderator|participant|visitor|none", palette=False, run=moderation.role),
    _c("affiliation", "Set affiliation", "Give a JID (or an occupant, by nick) an affiliation "
       "with the room (admins, owners).", slash="affiliation",
       usage="WHO owner|admin|member|none|outcast", palette=False, run=moderation.affiliation),
    _c("room_config", "Room settings", "Change the settings of the room in view (owners): "
       "its whole configuration form, name, password, access and more.", slash="config",
       run=moderation.room_config),
    # -- encryption --
    _c("omemo", "Encryption", "OMEMO end-to-end encryption: on/off for the conversation in "
       "view; devices [JID] lists a contact's devices (v verifies, d distrusts); fingerprint "
       "shows this device's, with a QR code; trust/distrust [JID] FINGERPRINT decides on one.",
       slash="omemo", usage="on|off|devices|fingerprint|trust|distrust [argument]",
       palette=False, run=omemo.omemo),
    _c("omemo_devices", "Devices", "Show the OMEMO devices of the contact in view, to verify "
       "or distrust them.", run=omemo.devices_command),
    _c("omemo_fingerprint", "Fingerprint", "Show this device's OMEMO fingerprint and its QR "
       "code, and your other devices.", run=omemo.fingerprint_command),
    # -- services --
    _c("disco", "Service discovery", "Browse a server's services, rooms, feeds and commands "
       "(default: your server's); j joins, f opens a feed, c runs a command, g registers with "
       "a gateway.", slash="disco",
       usage="[JID] [NODE]", run=services.disco),
    _c("feeds", "Feeds", "Read the PubSub feeds you follow; new entries arrive by themselves.",
       slash="feeds", run=services.feeds),
    _c("command", "Service commands", "List the ad-hoc commands of ADDRESS (default: your "
       "server; a full JID for a client's) and run one in a form, or run NODE at once.",
       slash="command", usage="[ADDRESS] [NODE]", run=adhoc.command),
    _c("register", "Register with a gateway", "Register with the gateway (transport) GATEWAY "
       "through its form; it and its contacts join the roster, labelled with their network.",
       slash="register", usage="GATEWAY", palette=False, run=gateways.register),
    _c("unregister", "Unregister from a gateway", "Cancel the registration with GATEWAY; it "
       "and its contacts leave the roster.", slash="unregister", usage="GATEWAY",
       palette=False, run=gateways.unregister),
    _c("scroll_up", "Page up", "Scroll the messages up a page.", keys="pageup",
       priority=True, palette=False, run=view.scroll_up),
    _c("scroll_down", "Page down", "Scroll the messages down a page.", keys="pagedown",
       priority=True, palette=False, run=view.scroll_down),
    *(
        _c(f"switch_{n}", f"Chat {n}", f"Go to open conversation number {n}.",
           action=f"switch({n})", keys=f"alt+{n}", priority=True, palette=False,
           run=conversations.switcher(n))
        for n in range(1, 10)
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CommandRegistry:
    """Every command, with keys resolved; lookups by name and by slash name."""

    commands: tuple[Command, ...]

    def get(self, name: str) -> Command | None:
        """The command named ``name``, if any."""
        for command in self.commands:
            if command.name == name:
                return command
        return None

    def by_slash(self, slash: str) -> Command | None:
        """The command whose slash name is ``slash``, if any."""
        for command in self.commands:
            if command.slash == slash:
                return command
        return None

    def topic(self, word: str) -> Command | None:
        """The command ``word`` names for ``/help``: a slash name (with or without ``/``), or
        a command name or title, case-insensitively."""
        wanted = word.strip().lstrip("/").casefold()
        by_slash = self.by_slash(wanted)
        if by_slash is not None:
            return by_slash
        for command in self.commands:
            if wanted in (command.name.casefold(), command.title.casefold()):
                return command
        return None

    @property
    def slash_specs(self) -> dict[str, SlashSpec]:
        """Slash specs by name, for :func:`tuichat.ui.slash.parse` and ``complete``."""
        return {c.slash: SlashSpec.from_usage(c.slash, c.usage) for c in self.commands if c.slash}

    def in_scope(self, scope: Scope) -> tuple[Command, ...]:
        """The commands that run in ``scope``."""
        return tuple(c for c in self.commands if c.scope == scope)


def build_registry(overrides: Mapping[str, str] | None = None) -> CommandRegistry:
    """The registry: defaults, then :data:`tuichat.keys.ACTIONS`, then the user's ``[keys]``."""
    overrides = overrides or {}
    known = {c.name for c in DEFAULT_COMMANDS}
    for name in overrides:
        if name not in known:
            log.warning("[keys]: unknown action %r ignored", name)
    resolved = []
    for command in DEFAULT_COMMANDS:
        keys = command.keys
        action = ACTIONS.get(command.name)
        if action is not None and action.default_keys:
            keys = action.default_keys
        keys = overrides.get(command.name, keys)
        resolved.append(command if keys == command.keys else replace(command, keys=keys))
    return CommandRegistry(tuple(resolved))
