"""Provides the interface the UI and the headless commands use to ask things of the XMPP layer.

The UI never imports :mod:`tuichat.xmpp`; it holds a :class:`ChatClient` (the connection
manager implements it) and listens to the bus for what happened. Requests are imperative
methods; their outcomes arrive as events (see :mod:`tuichat.events`). ``ChatClient`` includes
the group chat requests of :class:`tuichat.room_client.RoomClient` (the manager implements
both), so a screen reaches rooms through the same client it chats with; likewise the
encryption requests of :class:`tuichat.omemo_client.OmemoClient`, the service discovery and
feed requests of :class:`tuichat.disco_client.DiscoClient`, the ad-hoc command requests of
:class:`tuichat.command_client.CommandClient` and the gateway requests of
:class:`tuichat.gateway_client.GatewayClient`.

Every request fails with a :class:`tuichat.errors.ClientError` (or one of its kinds) and
nothing else; its text says why in words, so callers catch that one type and show it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol

from tuichat.action_client import ActionClient
from tuichat.bus import EventBus
from tuichat.command_client import CommandClient
from tuichat.config import AccountConfig
from tuichat.disco_client import DiscoClient
from tuichat.files import Attachment
from tuichat.forms import Form
from tuichat.gateway_client import GatewayClient
from tuichat.model import ConnectionState, ContactInfo, Message, Show
from tuichat.omemo_client import OmemoClient
from tuichat.room_client import RoomClient

FormFiller = Callable[[Form], Awaitable[Form | None]]
"""Shows a server's form to the user (a registration's extra fields); the filled form, or
``None`` when the user gave up."""

Report = Literal["spam", "abuse"]
"""Why a blocked JID is reported to the server (XEP-0377)."""


class ChatClient(
    RoomClient, OmemoClient, DiscoClient, CommandClient, GatewayClient, ActionClient, Protocol
):
    """What the UI can ask of the connection manager (chats and rooms). JIDs are strings."""

    bus: EventBus

    @property
    def accounts(self) -> tuple[str, ...]:
        """Bare JIDs of the configured, enabled accounts, in config order."""
        ...

    def state(self, account: str) -> tuple[ConnectionState, str]:
        """The account's connection state and the last reason in words."""
        ...

    async def start(self) -> None:
        """Connect every enabled account in the background (returns at once)."""
        ...

    async def reconnect(self, account: str) -> None:
        """Connect ``account`` again now (skipping a retry's wait, or after a final failure);
        a connected account is left alone."""
        ...

    async def trust_certificate(self, account: str, fingerprint: str) -> None:
        """Trust the server certificate ``fingerprint`` (from ``CertificateUntrusted``) for
        ``account`` until the app stops, and connect again. Only that certificate is then
        accepted: a different one is refused (``CERT_REJECTED``). To trust it for good, write
        ``cert_fingerprint`` to the config and ``apply_accounts`` instead."""
        ...

    async def stop(self) -> None:
        """Send unavailable presence and disconnect every account cleanly."""
        ...

    async def send_message(self, account: str, to: str, body: str) -> Message:
        """Store ``body`` as pending in the outbox, send it when connected; return the stored row.

        The message's later states arrive as ``MessageStateChanged`` events.
        """
        ...

    async def set_presence(self, account: str | None, show: Show, status: str = "") -> None:
        """Set our presence on ``account``, or on every account when ``None``."""
        ...

    async def add_contact(
        self, account: str, jid: str, name: str = "", groups: tuple[str, ...] = ()
    ) -> None:
        """Add ``jid`` to the roster (in ``groups``) and ask for their presence."""
        ...

    async def remove_contact(self, account: str, jid: str) -> None:
        """Remove ``jid`` from the roster (and cancel subscriptions)."""
        ...

    async def update_contact(
        self, account: str, jid: str, name: str | None = None, groups: tuple[str, ...] | None = None
    ) -> None:
        """Rename a contact or move it between groups (``None`` leaves a field as it is)."""
        ...

    async def answer_subscription(self, account: str, jid: str, accept: bool) -> None:
        """Accept (and subscribe back) or deny a presence subscription request."""
        ...

    async def contact_info(self, account: str, jid: str) -> ContactInfo:
        """What ``jid`` tells about itself (``/info``): its vCard, the software of its online
        resources and, when offline, its last visit; what went unanswered is named in it."""
        ...

    async def upload_file(self, account: str, path: str, *, encrypt: bool = False) -> Attachment:
        """Upload the file at ``path`` (XEP-0363, https only) and return the shared file; its
        progress arrives as ``UploadProgressed`` (with the id ``cancel_upload`` takes). Sending
        it to a conversation is ``share_file``. ``encrypt`` (for an OMEMO conversation): the
        file is encrypted as it goes up (XEP-0454) and its address is an ``aesgcm://`` link."""
        ...

    def cancel_upload(self, account: str, upload: str) -> bool:
        """Stop the running upload ``upload`` (its ``upload_file`` then raises "cancelled");
        whether one was running."""
        ...

    async def publish_avatar(self, account: str, path: str) -> str:
        """Publish the picture at ``path`` (PNG, JPEG, GIF, WebP; at most 256 KiB) as our
        avatar (XEP-0084); its SHA-1."""

    async def share_file(self, account: str, to: str, attachment: Attachment) -> Message:
        """Send an uploaded file to ``to`` (a contact, a room or ``room/nick``): a message
        whose body is the file's address and which announces the file (XEP-0066), stored with
        it and queued in the outbox like any message. In an encrypted conversation the file
        must have been uploaded encrypted (its ``aesgcm://`` link goes as the encrypted text,
        not announced), and an encrypted file goes nowhere else; either is refused in words."""
        ...

    async def save_file(self, account: str, attachment: Attachment) -> Path:
        """Fetch a received file (https only, the certificate checked as the account's
        connection checks it; an encrypted one decrypted, all or nothing) into the downloads
        folder under a name no file has; the path."""
        ...

    async def fetch_preview(self, account: str, attachment: Attachment) -> bytes:
        """The bytes of a picture for the log (https only, at most
        :data:`tuichat.previews.PREVIEW_LIMIT`, the certificate checked as ``save_file``
        checks it), kept in the private cache so that it is fetched once. Whether to ask is
        the caller's (:func:`tuichat.previews.fetch_without_asking`)."""
        ...

    async def blocked(self, account: str) -> list[str]:
        """The JIDs the server blocks for ``account`` (XEP-0191), sorted; changes arrive as
        ``BlocklistChanged``."""
        ...

    async def block(self, account: str, jid: str, report: Report | None = None) -> None:
        """Block ``jid`` (a bare or full JID, or a domain): the server then drops everything
        from it. ``report`` ("spam" or "abuse") also reports it to the server (XEP-0377)."""
        ...

    async def unblock(self, account: str, jid: str) -> None:
        """Unblock ``jid``."""
        ...

    def mark_read(self, account: str, conversation: str) -> None:
        """The user read ``conversation`` (in view, the app focused; the store's read marker
        already moved): a chat marker to the sender and read sync to our other devices."""
        ...

    def draft_changed(self, account: str, conversation: str, *, empty: bool) -> None:
        """The user typed in ``conversation``'s composer (``empty``: the draft is empty now):
        chat states at a bounded rate."""
        ...

    async def fetch_older(self, account: str, conversation: str, limit: int = 100) -> int:
        """Fetch up to ``limit`` messages older than the oldest stored one from the server
        archive into the store; return how many were new (``HistoryFetched`` follows)."""
        ...

    async def apply_accounts(self, accounts: Sequence[AccountConfig]) -> None:
        """Follow an edited config: connect new or re-enabled accounts, disconnect removed or
        disabled ones, reconnect changed ones (the rest are left alone)."""
        ...

    async def register_account(
        self, account: AccountConfig, password: str, fill: FormFiller | None = None
    ) -> None:
        """Create ``account`` on its server by in-band registration, over TLS only.

        A server that asks more (an email address, a CAPTCHA) sends a data form: ``fill``
        gets the fields beyond the name and password and returns them filled (``None``: the
        user gave up). Raises an exception whose text says, in words, why the server refused.
        """
        ...
