"""Provides the typed events the XMPP layer publishes on the bus.

Rule: events are facts, named in the past tense, frozen, and carry domain objects from
:mod:`tuichat.model`, never stanzas. Requests go the other way as method calls on the manager.
"""

from __future__ import annotations

from tuichat.avatars import Avatar
from tuichat.discovery import FeedEntry
from tuichat.files import UploadState
from tuichat.model import (
    Bookmark,
    ChatState,
    ConnectionState,
    Contact,
    Device,
    Encryption,
    Invitation,
    Message,
    MessageState,
    Occupant,
    Show,
)
from tuichat.records import record


@record(frozen=True)
class Event:
    """Base of every bus event; ``account`` is the bare JID of the account concerned."""

    account: str


@record(frozen=True)
class ConnectionStateChanged(Event):
    """An account's connection changed state."""

    state: ConnectionState
    reason: str = ""
    """Human words for why (empty when there is nothing to say)."""
    resumed: bool = False
    """On CONNECTED: the stream was resumed (XEP-0198), nothing was lost."""


@record(frozen=True)
class CertificateUntrusted(Event):
    """The server offered a certificate the CA store does not vouch for, and the account pins
    none. Nothing was sent; the account stays stopped (``CERT_REJECTED``) until the user trusts
    it (``ChatClient.trust_certificate``, or ``cert_fingerprint`` in the config)."""

    host: str
    """Where: ``host:port``, or the JID's domain when DNS chooses the address."""
    fingerprint: str
    """The offered certificate's SHA-256, canonical (``sha256:`` and 64 hex digits)."""
    reason: str
    """Why the CA store refused it, in words (``self-signed certificate``…)."""


@record(frozen=True)
class RosterReceived(Event):
    """The whole roster of an account arrived (or came from the cache)."""

    contacts: tuple[Contact, ...]


@record(frozen=True)
class ContactChanged(Event):
    """A roster push added or changed one contact."""

    contact: Contact


@record(frozen=True)
class ContactRemoved(Event):
    """A roster push removed a contact."""

    jid: str


@record(frozen=True)
class PresenceChanged(Event):
    """A contact's resource changed its presence (``jid`` is the full JID)."""

    jid: str
    show: Show
    status: str = ""
    priority: int = 0


@record(frozen=True)
class OwnPresenceChanged(Event):
    """Our own presence on an account was set."""

    show: Show
    status: str = ""


@record(frozen=True)
class SubscriptionRequested(Event):
    """Someone asked to see our presence (``jid`` is their bare JID)."""

    jid: str
    message: str = ""


@record(frozen=True)
class GatewayIdentified(Event):
    """The domain ``domain`` (a roster contact's) is a gateway to the network ``network``.

    ``network`` is a short label from its disco identity (``irc``, ``telegram``, ``xmpp``…):
    the roster labels the contacts on ``domain`` with it.
    """

    domain: str
    network: str


@record(frozen=True)
class MessageReceived(Event):
    """A new message was stored: incoming, or sent by us from another device (carbon, archive)."""

    message: Message


@record(frozen=True)
class MessageChanged(Event):
    """A stored message was corrected, retracted, moderated or reacted to: as it is now."""

    message: Message


@record(frozen=True)
class MessageQueued(Event):
    """A message we typed was stored in the outbox as pending."""

    message: Message


@record(frozen=True)
class MessageStateChanged(Event):
    """A stored message moved on in its life (sent, acked, failed)."""

    message_id: int
    """The store's row id."""
    conversation: str
    state: MessageState
    reason: str = ""
    """Why, in words, when ``state`` is ``failed`` (also stored as ``Message.failure``)."""


@record(frozen=True)
class ChatStateChanged(Event):
    """A contact started or stopped typing (XEP-0085)."""

    jid: str
    state: ChatState


@record(frozen=True)
class ArchiveSyncProgressed(Event):
    """Archive catch-up fetched another page (``archive`` is the archive's bare JID)."""

    archive: str
    fetched: int
    done: bool = False


@record(frozen=True)
class HistoryFetched(Event):
    """Older history of a conversation was fetched from the server archive into the store.

    Unlike ``MessageReceived`` these are not news: they belong above what is shown.
    """

    conversation: str
    count: int
    complete: bool
    """The archive holds nothing older."""


@record(frozen=True)
class ErrorReported(Event):
    """Something the user should read went wrong (a send failed, a server said no)."""

    text: str


# --- group chat ---
# ``room`` is always the room's bare JID. Nicks are raw network text: render them safely.


@record(frozen=True)
class RoomJoined(Event):
    """We are in a room: our self-presence arrived; ``occupants`` is everyone there then."""

    room: str
    nick: str
    subject: str
    occupants: tuple[Occupant, ...]
    rejoined: bool = False
    """True when this re-entered a room we were already in (reconnect, self-ping)."""


@record(frozen=True)
class RoomJoinFailed(Event):
    """Joining a room failed; ``reason`` says why in words (banned, wrong password…)."""

    room: str
    reason: str


@record(frozen=True)
class RoomLeft(Event):
    """We are no longer in a room: we left, or were kicked, banned, or the room went away."""

    room: str
    reason: str = ""
    kicked: bool = False
    banned: bool = False


@record(frozen=True)
class OccupantChanged(Event):
    """Someone arrived in a room (``joined``) or changed role, affiliation or presence."""

    room: str
    occupant: Occupant
    joined: bool = False


@record(frozen=True)
class OccupantLeft(Event):
    """Someone left a room, or was kicked or banned from it."""

    room: str
    nick: str
    reason: str = ""
    kicked: bool = False
    banned: bool = False


@record(frozen=True)
class NickChanged(Event):
    """An occupant (``own``: we) changed nick in a room."""

    room: str
    old: str
    new: str
    own: bool = False


@record(frozen=True)
class SubjectChanged(Event):
    """A room's subject (topic) was announced or changed; ``by`` is a nick or empty."""

    room: str
    subject: str
    by: str = ""


@record(frozen=True)
class RoomMentioned(Event):
    """A live room message that mentions our nick was stored (after its ``MessageReceived``)."""

    room: str
    message: Message


@record(frozen=True)
class InvitationReceived(Event):
    """Someone invited us to a room."""

    invitation: Invitation


@record(frozen=True)
class InvitationDeclined(Event):
    """Someone declined our mediated invitation to a room."""

    room: str
    invitee: str
    reason: str = ""


@record(frozen=True)
class BookmarksReceived(Event):
    """The account's room bookmarks, all of them (after a fetch or a change)."""

    bookmarks: tuple[Bookmark, ...]


# -- end-to-end encryption (OMEMO) ---------------------------------------------------------------


@record(frozen=True)
class DevicesChanged(Event):
    """A JID's OMEMO devices changed (device list published, trust set); ``added`` are the
    devices seen for the first time (a notice goes in that conversation)."""

    jid: str
    devices: tuple[Device, ...]
    added: tuple[Device, ...] = ()


@record(frozen=True)
class EncryptionChanged(Event):
    """A conversation's encryption state changed (``/omemo on|off``, or a new conversation with
    a contact who publishes devices started encrypted)."""

    conversation: str
    encryption: Encryption


@record(frozen=True)
class EncryptionHeld(Event):
    """Messages to ``conversation`` wait in the outbox: encryption is impossible now. ``reason``
    says why in words; ``undecided`` are the devices waiting for the user's decision (sending
    resumes once each is trusted or distrusted)."""

    conversation: str
    reason: str
    undecided: tuple[Device, ...] = ()


@record(frozen=True)
class MessageDecrypted(Event):
    """A stored placeholder (``Message.undecrypted``) could be decrypted after all (a retry after
    the user trusted a device): ``message`` is the row as it is now."""

    message: Message


@record(frozen=True)
class MessageRemoved(Event):
    """A stored message is gone: a placeholder that decrypted, after all, into an action
    applied to the message it names (a correction, a reaction…), or into nothing."""

    conversation: str
    message_id: int


@record(frozen=True)
class BlocklistChanged(Event):
    """The JIDs the server blocks for the account changed (here or on another device)."""

    blocked: tuple[str, ...]


@record(frozen=True)
class UploadProgressed(Event):
    """A file upload moved on (a few times a second while it runs, then once at its end)."""

    upload: str
    """The upload's id (``cancel_upload`` takes it)."""
    name: str
    """The file's name."""
    sent: int
    total: int
    elapsed: float
    """Seconds since the upload started (speed = sent / elapsed)."""
    state: UploadState
    error: str = ""
    """Why it failed, in words."""


@record(frozen=True)
class FeedEntriesReceived(Event):
    """New entries of a feed were stored (a notification of a subscribed node, or a read):
    ``entries`` holds only those not stored before, oldest first."""

    service: str
    node: str
    entries: tuple[FeedEntry, ...]


# --- delivery and read state ---


@record(frozen=True)
class ReadUpTo(Event):
    """We read ``conversation`` on another device (XEP-0490 read sync, or a chat marker we
    sent from there): the store's read marker moved; ``unread`` messages are left unread."""

    conversation: str
    unread: int


@record(frozen=True)
class AvatarChanged(Event):
    """A contact's avatar (XEP-0084) was fetched, checked and stored, or taken down
    (``avatar`` is ``None``). Only a change is published: one we held already is not."""

    jid: str
    avatar: Avatar | None
