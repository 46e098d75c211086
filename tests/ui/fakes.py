"""Provides a FakeClient implementing ChatClient for fast UI tests: records calls, uses a real bus.

It behaves like the connection manager where the UI can tell: ``send_message`` stores the
message as pending in the given store and publishes ``MessageQueued``; ``join_room``
publishes ``RoomJoined`` (or ``RoomJoinFailed`` and raises, for rooms in ``join_errors``);
room and private messages are stored as pending and published like chat messages. A method
named in ``fail`` raises ``RuntimeError`` with the given words (a server refusal).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.ui.fake_actions import ActionFakes
from tests.ui.fake_services import FakeDisco, FakeGateways, GatewayFakes, ServiceFakes
from tuichat import sendable
from tuichat.bus import EventBus
from tuichat.command_client import CommandStep
from tuichat.config import AccountConfig, Config, PasswordSource, UIConfig
from tuichat.errors import ClientError, RegistrationFailed, RoomError
from tuichat.events import (
    BlocklistChanged,
    BookmarksReceived,
    DevicesChanged,
    EncryptionChanged,
    MessageQueued,
    RoomJoined,
    RoomJoinFailed,
    RoomLeft,
    UploadProgressed,
)
from tuichat.files import Attachment, UploadState
from tuichat.forms import Form
from tuichat.model import (
    JID,
    Affiliation,
    Bookmark,
    ConnectionState,
    Contact,
    ContactInfo,
    ConversationKind,
    Device,
    Direction,
    Encryption,
    Message,
    MessageState,
    Occupant,
    Role,
    RoomInfo,
    Show,
    Subscription,
    Trust,
)
from tuichat.paths import Paths
from tuichat.store import Store

CommandService = Callable[[str, str, str, str, Form | None], CommandStep]
"""``(jid, node, action, session, form) -> CommandStep``: a scripted ad-hoc command service."""

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
"""Fixed time base for deterministic rendering."""


@dataclass
class FakeClient(ServiceFakes, GatewayFakes, ActionFakes):
    """A ChatClient that records every request (disco and feeds: :class:`ServiceFakes`)."""

    account_list: tuple[str, ...]
    store: Store
    bus: EventBus = field(default_factory=EventBus)
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    states: dict[str, tuple[ConnectionState, str]] = field(default_factory=dict)
    clock: datetime = T0
    fail_send: bool = False
    room_occupants: dict[str, list[Occupant]] = field(default_factory=dict)
    """Who is in a room when we join it (we are added as moderator/owner)."""
    room_subjects: dict[str, str] = field(default_factory=dict)
    join_errors: dict[str, str] = field(default_factory=dict)
    """Room → the reason its join fails (published as RoomJoinFailed, then raised)."""
    room_list: list[RoomInfo] = field(default_factory=list)
    room_config: dict[str, object] = field(default_factory=dict)
    room_form: Form = field(default_factory=Form)
    """The configuration form ``get_room_form`` gives (``/config`` shows it)."""
    bookmark_list: list[Bookmark] = field(default_factory=list)
    fail: dict[str, str] = field(default_factory=dict)
    """Method name → the words of the error it raises."""
    joined: dict[str, dict[str, str]] = field(default_factory=dict)
    """Account → room → our nick, for the rooms joined through this fake."""
    device_list: dict[str, list[Device]] = field(default_factory=dict)
    """JID → its OMEMO devices (the account's own include this device)."""
    encryptions: dict[tuple[str, str], Encryption] = field(default_factory=dict)
    """(account, conversation) → how it sends (default: none)."""
    block_list: dict[str, list[str]] = field(default_factory=dict)
    """Account → the JIDs it blocks."""
    uploads: dict[str, Attachment] = field(default_factory=dict)
    """Path → what ``upload_file`` returns (others fail: "no such file")."""
    saved_bytes: bytes = b"fetched"
    """What ``save_file`` writes."""
    pictures: dict[str, bytes] = field(default_factory=dict)
    """Address → what ``fetch_preview`` answers (others fail as a server would)."""
    upload_gate: asyncio.Event | None = None
    """When set, uploads wait for it (after publishing their first progress)."""
    infos: dict[str, ContactInfo] = field(default_factory=dict)
    """JID → what ``contact_info`` answers (default: nothing known)."""
    disco_data: FakeDisco = field(default_factory=FakeDisco)
    """Canned service discovery and feed answers."""
    registration_form: Form | None = None
    """The extra fields the server asks when registering (``None``: name and password only)."""
    registration_answers: list[Form] = field(default_factory=list)
    gateway_data: FakeGateways = field(default_factory=FakeGateways)
    """Canned gateway registration forms, and what was registered."""
    command_lists: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """JID → the ad-hoc commands it offers, ``(node, name)``."""
    command_service: CommandService | None = None
    """Answers ``run_command`` like a service would (see ``tests/ui/command_fakes.py``)."""

    @property
    def accounts(self) -> tuple[str, ...]:
        """The accounts."""
        return self.account_list

    def state(self, account: str) -> tuple[ConnectionState, str]:
        """Recorded state, default disconnected."""
        return self.states.get(account, (ConnectionState.DISCONNECTED, ""))

    async def start(self) -> None:
        """Record the call."""
        self.calls.append(("start",))

    async def stop(self) -> None:
        """Record the call."""
        self.calls.append(("stop",))

    async def reconnect(self, account: str) -> None:
        """Record the call."""
        self.calls.append(("reconnect", account))

    async def trust_certificate(self, account: str, fingerprint: str) -> None:
        """Record the call (``fail`` may make it raise, like a malformed fingerprint)."""
        self.calls.append(("trust_certificate", account, fingerprint))
        self._check("trust_certificate")

    async def send_message(self, account: str, to: str, body: str) -> Message:
        """Store as pending, publish MessageQueued, return the stored row."""
        self.calls.append(("send_message", account, to, body))
        sendable.check(body)  # the real session refuses these: the UI must never pass one
        if self.fail_send:
            raise ClientError("the server is on fire")
        self.clock += timedelta(seconds=1)
        message = Message(
            account=account,
            conversation=to,
            direction=Direction.OUT,
            sender=f"{account}/tuichat",
            body=body,
            timestamp=self.clock,
            state=MessageState.PENDING,
            origin_id=f"o{len(self.calls)}",
            message_id=f"o{len(self.calls)}",
        )
        stored = self.store.save_message(message) or message
        self.bus.publish(MessageQueued(account=account, message=stored))
        return stored

    async def set_presence(self, account: str | None, show: Show, status: str = "") -> None:
        """Record the call."""
        self.calls.append(("set_presence", account, show, status))

    async def add_contact(
        self, account: str, jid: str, name: str = "", groups: tuple[str, ...] = ()
    ) -> None:
        """Record the call."""
        self.calls.append(("add_contact", account, jid, name))

    async def remove_contact(self, account: str, jid: str) -> None:
        """Record the call."""
        self.calls.append(("remove_contact", account, jid))

    async def update_contact(
        self, account: str, jid: str, name: str | None = None, groups: tuple[str, ...] | None = None
    ) -> None:
        """Record the call."""
        self.calls.append(("update_contact", account, jid, name, groups))

    async def answer_subscription(self, account: str, jid: str, accept: bool) -> None:
        """Record the call."""
        self.calls.append(("answer_subscription", account, jid, accept))

    async def fetch_older(self, account: str, conversation: str, limit: int = 100) -> int:
        """Record the call; the fake server archive holds nothing older."""
        self.calls.append(("fetch_older", account, conversation, limit))
        return 0

    # -- rooms (RoomClient) ------------------------------------------------------------------

    def _check(self, name: str) -> None:
        if name in self.fail:
            raise ClientError(self.fail[name])

    async def join_room(
        self, account: str, room: str, nick: str | None = None, password: str | None = None
    ) -> RoomJoined:
        """Publish RoomJoined with ``room_occupants`` (or RoomJoinFailed and raise)."""
        parsed = JID.parse(room)
        bare = str(parsed.bare)
        nick = nick or parsed.resource or account.split("@", 1)[0]
        self.calls.append(("join_room", account, bare, nick, password))
        if bare in self.join_errors:
            reason = self.join_errors[bare]
            self.bus.publish(RoomJoinFailed(account, bare, reason))
            raise RoomError(reason)
        me = Occupant(nick, Role.MODERATOR, Affiliation.OWNER, jid=f"{account}/tuichat")
        occupants = (*self.room_occupants.get(bare, []), me)
        self.joined.setdefault(account, {})[bare] = nick
        event = RoomJoined(account, bare, nick, self.room_subjects.get(bare, ""), occupants)
        self.bus.publish(event)
        return event

    async def leave_room(self, account: str, room: str, reason: str = "") -> None:
        """Record the call and publish RoomLeft."""
        self.calls.append(("leave_room", account, room, reason))
        self.joined.get(account, {}).pop(room, None)
        self.bus.publish(RoomLeft(account, room, reason))

    async def change_nick(self, account: str, room: str, nick: str) -> str:
        """Record the call; the room accepts the nick."""
        self.calls.append(("change_nick", account, room, nick))
        self._check("change_nick")
        return nick

    def joined_rooms(self, account: str) -> list[str]:
        """The rooms joined through this fake."""
        return list(self.joined.get(account, {}))

    def occupants(self, account: str, room: str) -> list[Occupant]:
        """The configured occupants of ``room``."""
        return list(self.room_occupants.get(room, []))

    def _store_out(
        self, account: str, conversation: str, body: str, kind: ConversationKind, nick: str
    ) -> Message:
        sendable.check(body)  # the real session refuses these: the UI must never pass one
        self.clock += timedelta(seconds=1)
        message = Message(
            account=account,
            conversation=conversation,
            direction=Direction.OUT,
            sender=f"{conversation.split('/', 1)[0]}/{nick}",
            body=body,
            timestamp=self.clock,
            kind=kind,
            state=MessageState.PENDING,
            origin_id=f"o{len(self.calls)}",
            message_id=f"o{len(self.calls)}",
            nick=nick,
        )
        stored = self.store.save_message(message) or message
        self.bus.publish(MessageQueued(account=account, message=stored))
        return stored

    async def send_room_message(self, account: str, room: str, body: str) -> Message:
        """Store as pending (groupchat), publish MessageQueued."""
        self.calls.append(("send_room_message", account, room, body))
        self._check("send_room_message")
        nick = self.joined.get(account, {}).get(room, "me")
        return self._store_out(account, room, body, ConversationKind.GROUPCHAT, nick)

    async def send_private_message(self, account: str, room: str, nick: str, body: str) -> Message:
        """Store as pending (private, conversation ``room/nick``), publish MessageQueued."""
        self.calls.append(("send_private_message", account, room, nick, body))
        self._check("send_private_message")
        own = self.joined.get(account, {}).get(room, "me")
        return self._store_out(account, f"{room}/{nick}", body, ConversationKind.PRIVATE, own)

    async def set_subject(self, account: str, room: str, subject: str) -> None:
        """Record the call."""
        self.calls.append(("set_subject", account, room, subject))
        self._check("set_subject")

    async def kick(self, account: str, room: str, nick: str, reason: str = "") -> None:
        """Record the call (or refuse)."""
        self.calls.append(("kick", account, room, nick, reason))
        self._check("kick")

    async def ban(self, account: str, room: str, jid: str, reason: str = "") -> None:
        """Record the call (or refuse)."""
        self.calls.append(("ban", account, room, jid, reason))
        self._check("ban")

    async def set_role(
        self, account: str, room: str, nick: str, role: Role | str, reason: str = ""
    ) -> None:
        """Record the call (or refuse)."""
        self.calls.append(("set_role", account, room, nick, Role(role)))
        self._check("set_role")

    async def set_affiliation(
        self, account: str, room: str, jid: str, affiliation: Affiliation | str, reason: str = ""
    ) -> None:
        """Record the call (or refuse)."""
        self.calls.append(("set_affiliation", account, room, jid, Affiliation(affiliation)))
        self._check("set_affiliation")

    async def invite(self, account: str, room: str, jid: str, reason: str = "") -> None:
        """Record the call (or refuse)."""
        self.calls.append(("invite", account, room, jid, reason))
        self._check("invite")

    async def answer_invitation(
        self,
        account: str,
        room: str,
        accept: bool,
        *,
        inviter: str = "",
        reason: str = "",
        nick: str | None = None,
        password: str | None = None,
    ) -> RoomJoined | None:
        """Record the answer; accepting joins the room."""
        self.calls.append(("answer_invitation", account, room, accept, inviter, reason))
        if accept:
            return await self.join_room(account, room, nick, password)
        return None

    async def get_room_config(self, account: str, room: str) -> dict[str, object]:
        """The configured ``room_config``."""
        self.calls.append(("get_room_config", account, room))
        self._check("get_room_config")
        return dict(self.room_config)

    async def configure_room(self, account: str, room: str, **changes: object) -> None:
        """Record the changes (or refuse)."""
        self.calls.append(("configure_room", account, room, changes))
        self._check("configure_room")

    async def get_room_form(self, account: str, room: str) -> Form:
        """The configured ``room_form``."""
        self.calls.append(("get_room_form", account, room))
        self._check("get_room_form")
        return self.room_form

    async def submit_room_form(self, account: str, room: str, form: Form) -> None:
        """Record the call (with the form's values)."""
        self.calls.append(("submit_room_form", account, room, form.values()))
        self._check("submit_room_form")

    async def list_rooms(self, account: str, service: str) -> list[RoomInfo]:
        """The configured ``room_list``."""
        self.calls.append(("list_rooms", account, service))
        self._check("list_rooms")
        return list(self.room_list)

    async def bookmarks(self, account: str) -> list[Bookmark]:
        """The bookmarks added so far (also published as BookmarksReceived)."""
        self.calls.append(("bookmarks", account))
        self.bus.publish(BookmarksReceived(account, tuple(self.bookmark_list)))
        return list(self.bookmark_list)

    async def add_bookmark(
        self,
        account: str,
        room: str,
        *,
        name: str = "",
        nick: str = "",
        autojoin: bool = True,
        password: str = "",
    ) -> Bookmark:
        """Record and keep the bookmark."""
        self.calls.append(("add_bookmark", account, room, nick, autojoin))
        self._check("add_bookmark")
        mark = Bookmark(room, name, nick, autojoin, password)
        self.bookmark_list = [b for b in self.bookmark_list if b.room != room] + [mark]
        self.bus.publish(BookmarksReceived(account, tuple(self.bookmark_list)))
        return mark

    async def remove_bookmark(self, account: str, room: str) -> bool:
        """Drop the bookmark of ``room``."""
        self.calls.append(("remove_bookmark", account, room))
        before = len(self.bookmark_list)
        self.bookmark_list = [b for b in self.bookmark_list if b.room != room]
        return len(self.bookmark_list) != before

    async def upload_file(self, account: str, path: str, *, encrypt: bool = False) -> Attachment:
        """Publish progress like the real one, then return the recorded attachment."""
        self.calls.append(
            ("upload_file", account, path, encrypt) if encrypt else ("upload_file", account, path)
        )
        upload = f"u{len(self.calls)}"
        found = self.uploads.get(path)
        name = path.rpartition("/")[2]
        if found is None:
            error = f"cannot read {path}: No such file or directory"
            self.bus.publish(
                UploadProgressed(account, upload, name, 0, 0, 0.0, UploadState.FAILED, error)
            )
            raise ClientError(error)
        size = found.size or 0
        self.bus.publish(
            UploadProgressed(account, upload, name, size // 2, size, 1.0, UploadState.UPLOADING)
        )
        if self.upload_gate is not None:
            self._upload_task = asyncio.current_task()
            try:
                await self.upload_gate.wait()
            except asyncio.CancelledError:
                self.bus.publish(
                    UploadProgressed(
                        account, upload, name, 0, size, 1.0, UploadState.CANCELLED, "cancelled"
                    )
                )
                raise ClientError(f"the upload of {name} was cancelled") from None
        self.bus.publish(UploadProgressed(account, upload, name, size, size, 2.0, UploadState.DONE))
        return found

    async def share_file(self, account: str, to: str, attachment: Attachment) -> Message:
        """Store the file's message as pending (its body the address) and publish it."""
        self.calls.append(("share_file", account, to, attachment.url))
        self.clock += timedelta(seconds=1)
        message = Message(
            account=account,
            conversation=to,
            direction=Direction.OUT,
            sender=f"{account}/tuichat",
            body=attachment.url,
            timestamp=self.clock,
            state=MessageState.PENDING,
            encryption=self.encryption(account, to),
            origin_id=f"o{len(self.calls)}",
            message_id=f"o{len(self.calls)}",
            attachments=(attachment,),
        )
        stored = self.store.save_message(message) or message
        self.bus.publish(MessageQueued(account=account, message=stored))
        return stored

    async def save_file(self, account: str, attachment: Attachment) -> Path:
        """Write ``saved_bytes`` where the real one saves (fetchable addresses only)."""
        from tuichat.files import create_free, download_address, downloads_dir

        self.calls.append(("save_file", account, attachment.url))
        if download_address(attachment.url) is None:
            raise ClientError(f"{attachment.name} is not offered over https")
        path, file = create_free(downloads_dir(), attachment.name)
        with file:
            file.write(self.saved_bytes)
        return path

    async def fetch_preview(self, account: str, attachment: Attachment) -> bytes:
        """The picture ``pictures`` holds for the address (recorded in ``calls``)."""
        self.calls.append(("fetch_preview", account, attachment.url))
        if attachment.url not in self.pictures:
            raise ClientError(f"the server did not give {attachment.name}: 404 Not Found")
        return self.pictures[attachment.url]

    def cancel_upload(self, account: str, upload: str) -> bool:
        """Cancel the upload waiting at the gate."""
        self.calls.append(("cancel_upload", account, upload))
        task = getattr(self, "_upload_task", None)
        if task is None or task.done():
            return False
        task.cancel()
        return True

    async def publish_avatar(self, account: str, path: str) -> str:
        """Recorded (``fail`` may raise)."""
        self.calls.append(("publish_avatar", account, path))
        self._check("publish_avatar")
        return "0" * 40

    async def contact_info(self, account: str, jid: str) -> ContactInfo:
        """The recorded info (``fail`` may raise)."""
        self.calls.append(("contact_info", account, jid))
        self._check("contact_info")
        return self.infos.get(jid, ContactInfo(jid, unanswered=("no vCard",)))

    async def blocked(self, account: str) -> list[str]:
        """The recorded block list."""
        self.calls.append(("blocked", account))
        self._check("blocked")
        return sorted(self.block_list.get(account, []))

    async def block(self, account: str, jid: str, report: str | None = None) -> None:
        """Record it and publish BlocklistChanged (``fail`` may raise)."""
        self.calls.append(("block", account, jid, report))
        self._check("block")
        self._set_blocked(account, {*self.block_list.get(account, []), jid})

    async def unblock(self, account: str, jid: str) -> None:
        """Record it and publish BlocklistChanged."""
        self.calls.append(("unblock", account, jid))
        self._check("unblock")
        self._set_blocked(account, set(self.block_list.get(account, [])) - {jid})

    def _set_blocked(self, account: str, jids: set[str]) -> None:
        self.block_list[account] = sorted(jids)
        self.bus.publish(BlocklistChanged(account, tuple(sorted(jids))))

    async def own_device(self, account: str) -> Device:
        """The device marked ``this_device`` in the account's list (``fail`` may raise)."""
        self.calls.append(("own_device", account))
        self._check("own_device")
        return next(d for d in self.device_list.get(account, []) if d.this_device)

    async def devices(self, account: str, jid: str) -> list[Device]:
        """The recorded devices of ``jid``."""
        self.calls.append(("devices", account, jid))
        self._check("devices")
        return list(self.device_list.get(jid, []))

    async def set_trust(self, account: str, jid: str, fingerprint: str, trust: Trust) -> None:
        """Change the recorded device's trust and publish DevicesChanged."""
        self.calls.append(("set_trust", account, jid, fingerprint, trust))
        self._check("set_trust")
        devices = [
            replace(d, trust=trust) if d.fingerprint == fingerprint else d
            for d in self.device_list.get(jid, [])
        ]
        self.device_list[jid] = devices
        self.bus.publish(DevicesChanged(account, jid, tuple(devices)))

    def encryption(self, account: str, conversation: str) -> Encryption:
        """The recorded state."""
        return self.encryptions.get((account, conversation), Encryption.NONE)

    async def set_encryption(self, account: str, conversation: str, encryption: Encryption) -> None:
        """Record it and publish EncryptionChanged (``fail`` may raise, as for a public room)."""
        self.calls.append(("set_encryption", account, conversation, encryption))
        self._check("set_encryption")
        self.encryptions[(account, conversation)] = encryption
        self.bus.publish(EncryptionChanged(account, conversation, encryption))

    async def apply_accounts(self, accounts: Any) -> None:
        """Record which accounts should now run; the enabled ones become `accounts`."""
        self.calls.append(("apply_accounts", tuple(a.jid for a in accounts)))

    async def register_account(self, account: Any, password: str, fill: Any = None) -> None:
        """Record the call; a JID starting with "taken" is refused like a server would; with
        ``registration_form`` set, ``fill`` is asked for it (the answer kept)."""
        self.calls.append(("register_account", account.jid, password))
        if account.jid.startswith("taken"):
            raise RegistrationFailed(f"{account.jid}: the name is already taken")
        if self.registration_form is not None:
            given = await fill(self.registration_form) if fill is not None else None
            if given is None:
                raise RegistrationFailed(f"{account.jid}: registration cancelled")
            self.registration_answers.append(given)

    async def list_commands(self, account: str, jid: str) -> list[tuple[str, str]]:
        """The commands in ``command_lists`` (none for an unknown JID)."""
        self.calls.append(("list_commands", account, jid))
        self._check("list_commands")
        return list(self.command_lists.get(jid, []))

    async def run_command(
        self,
        account: str,
        jid: str,
        node: str,
        action: str = "execute",
        session: str = "",
        form: Form | None = None,
    ) -> CommandStep:
        """What ``command_service`` answers (a refusal when there is none)."""
        self.calls.append(("run_command", account, jid, node, action, session, form))
        self._check("run_command")
        if self.command_service is None:
            raise ClientError(f"cannot run the command {node} of {jid}: there is no such item")
        return self.command_service(jid, node, action, session, form)

    def mark_read(self, account: str, conversation: str) -> None:
        """Record the call."""
        self.calls.append(("mark_read", account, conversation))

    def draft_changed(self, account: str, conversation: str, *, empty: bool) -> None:
        """Record the call."""
        self.calls.append(("draft_changed", account, conversation, empty))

    def called(self, name: str) -> list[tuple[Any, ...]]:
        """The recorded calls of method ``name``."""
        return [c for c in self.calls if c[0] == name]


ME = "me@example.org"
ALICE = "alice@example.org"
BOB = "bob@example.net"


def make_config(tmp: Path, accounts: tuple[str, ...] = (ME,), theme: str = "dark") -> Config:
    """A Config pointing at a real file in ``tmp`` (so edits can be saved)."""
    path = tmp / "config.toml"
    lines = [f'[ui]\ntheme = "{theme}"\n']
    for jid in accounts:
        lines.append(f'\n[[account]]\njid = "{jid}"\npassword_env = "TUICHAT_PW"\n')
    path.write_text("".join(lines), encoding="utf-8")
    return Config(
        path=path,
        ui=UIConfig(theme=theme),
        accounts=tuple(
            AccountConfig(jid=j, password=PasswordSource("env", "TUICHAT_PW")) for j in accounts
        ),
    )


def make_paths(tmp: Path) -> Paths:
    """Paths inside ``tmp``."""
    return Paths(config_file=tmp / "config.toml", data_dir=tmp / "data", state_dir=tmp / "state")


def sample_roster() -> list[Contact]:
    """A small roster with groups and subscription states."""
    return [
        Contact(ALICE, "Alice", ("Friends",), Subscription.BOTH),
        Contact(BOB, "Bob [b]bold[/b]", ("Work",), Subscription.BOTH),
        Contact("carol@example.org", "Carol", ("Friends",), Subscription.TO),
        Contact("dave@example.org", "", (), Subscription.NONE, pending_out=True),
        Contact("erin@example.org", "Erin", ("Work",), Subscription.BOTH),
    ]


def incoming(
    sender: str, body: str, minutes: int, account: str = ME, stanza: str | None = None
) -> Message:
    """An incoming chat message at T0 + ``minutes``."""
    return Message(
        account=account,
        conversation=sender,
        direction=Direction.IN,
        sender=f"{sender}/phone",
        body=body,
        timestamp=T0 + timedelta(minutes=minutes),
        stanza_id=stanza or f"s-{sender}-{minutes}",
    )


def outgoing(to: str, body: str, minutes: int, account: str = ME) -> Message:
    """An acked outgoing message at T0 + ``minutes``."""
    return Message(
        account=account,
        conversation=to,
        direction=Direction.OUT,
        sender=f"{account}/tuichat",
        body=body,
        timestamp=T0 + timedelta(minutes=minutes),
        state=MessageState.ACKED,
        stanza_id=f"s-out-{to}-{minutes}",
        origin_id=f"o-out-{to}-{minutes}",
    )


def seed_store(store: Store) -> None:
    """Roster and a few conversations, including a day change."""
    store.save_roster(ME, sample_roster())
    store.save_messages(
        [
            incoming(ALICE, "Hi! Are we still on for *lunch* tomorrow? 🍜", -1500),
            outgoing(ALICE, "Yes, 12:30 at the usual place", -1490),
            incoming(ALICE, "Great, see you there. 日本語もOK", 5),
            outgoing(ALICE, "👍", 6),
            incoming(BOB, "build is green again", 30),
        ]
    )
    store.mark_read(ME, ALICE)
