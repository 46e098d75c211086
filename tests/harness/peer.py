"""Provides `Peer`: a plain slixmpp client for the other side of conversations in tests.

This is NOT tuichat code: it is an independent XMPP client used to talk to tuichat (or to
another Peer) through the real Prosody test server. Use it on the running loop:

    async with Peer.connect(server, jid, password) as bob:
        msg_id = bob.send(alice_jid, "hi")
        reply = await bob.wait_message(lambda m: m.body == "hello")
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import ssl
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from slixmpp import JID, ClientXMPP
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.plugins.xep_0004 import Form
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

if TYPE_CHECKING:
    from tests.harness.prosody import ProsodyServer

CONNECT_TIMEOUT = 10.0

PLUGINS: tuple[str, ...] = (
    "xep_0004",  # data forms
    "xep_0030",  # disco
    "xep_0045",  # MUC
    "xep_0048",  # legacy bookmarks
    "xep_0059",  # RSM
    "xep_0077",  # in-band registration
    "xep_0085",  # chat states
    "xep_0115",  # entity caps
    "xep_0184",  # receipts (auto-acks requests)
    "xep_0198",  # stream management
    "xep_0199",  # ping
    "xep_0249",  # direct MUC invitations
    "xep_0280",  # carbons
    "xep_0297",  # forwarding
    "xep_0308",  # last message correction
    "xep_0313",  # MAM
    "xep_0359",  # stanza-id / origin-id
    "xep_0402",  # PEP native bookmarks
)


class PeerConnectError(AssertionError):
    """The peer could not log in; `event` names the slixmpp event that said why."""

    def __init__(self, message: str, event: str, detail: object = None) -> None:
        """Keep the failing event name and its payload for assertions."""
        super().__init__(message)
        self.event = event
        self.detail = detail


@dataclass(frozen=True, slots=True)
class PeerMessage:
    """One incoming message as the peer saw it (plain values, no slixmpp objects)."""

    from_: str  # full JID of the sender (room/nick for groupchat)
    to: str
    body: str
    id: str
    type: str
    stanza_id: str  # XEP-0359 stanza-id (by our server or the room), "" if none
    origin_id: str  # XEP-0359 origin-id, "" if none
    replace_id: str  # XEP-0308 id being corrected, "" if none
    delayed: bool  # carries a XEP-0203 delay (offline/history)
    oob_urls: tuple[str, ...] = ()  # XEP-0066 <x xmlns='jabber:x:oob'><url> texts


def _to_peer_message(msg: Any) -> PeerMessage:
    """Convert a slixmpp Message into a `PeerMessage`."""
    sid = msg.get_plugin("stanza_id", check=True)
    oid = msg.get_plugin("origin_id", check=True)
    rep = msg.get_plugin("replace", check=True)
    return PeerMessage(
        from_=str(msg["from"]),
        to=str(msg["to"]),
        body=str(msg["body"]),
        id=str(msg["id"] or ""),
        type=str(msg["type"]),
        stanza_id=str(sid["id"]) if sid is not None else "",
        origin_id=str(oid["id"]) if oid is not None else "",
        replace_id=str(rep["id"]) if rep is not None else "",
        delayed=msg.get_plugin("delay", check=True) is not None,
        oob_urls=tuple(u.text or "" for u in msg.xml.findall("{jabber:x:oob}x/{jabber:x:oob}url")),
    )


class Peer:
    """A connected slixmpp client with queues of what it received and small helpers.

    Queues (all `asyncio.Queue`, filled as stanzas arrive):
    `received` chat/normal messages with a body; `room_messages` groupchat messages with a body;
    `receipts` ids acknowledged by XEP-0184 receipts; `chat_states` `(from, state)` pairs;
    `subscription_requests` bare JIDs asking to subscribe (only when `auto_authorize=False`);
    `errors` message errors as `PeerMessage`. `messages` is the full list of `received` items.
    """

    def __init__(
        self,
        server: ProsodyServer,
        jid: str,
        password: str,
        *,
        direct_tls: bool = False,
        auto_authorize: bool = True,
        ca_file: Any = None,
    ) -> None:
        """Build the client on the running loop; `connect()`/`open()` log it in."""
        self.server = server
        self.direct_tls = direct_tls
        self.client = ClientXMPP(jid, password)
        self.client.enable_direct_tls = direct_tls
        self.client.enable_starttls = not direct_tls
        self.client.enable_plaintext = False
        self.client.ca_certs = ca_file if ca_file is not None else server.ca_file
        self.client.auto_authorize = True if auto_authorize else None
        self.client.auto_subscribe = bool(auto_authorize)
        for plugin in PLUGINS:
            self.client.register_plugin(plugin)
        self.received: asyncio.Queue[PeerMessage] = asyncio.Queue()
        self.messages: list[PeerMessage] = []
        self.room_messages: asyncio.Queue[PeerMessage] = asyncio.Queue()
        self.receipts: asyncio.Queue[str] = asyncio.Queue()
        self.chat_states: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.displayed: asyncio.Queue[str] = asyncio.Queue()
        self.subscription_requests: asyncio.Queue[str] = asyncio.Queue()
        self.errors: asyncio.Queue[PeerMessage] = asyncio.Queue()
        self.client.add_event_handler("message", self._on_message)
        self.client.add_event_handler("groupchat_message", self._on_groupchat)
        self.client.add_event_handler("message_error", self._on_error)
        self.client.add_event_handler("receipt_received", self._on_receipt)
        self.client.add_event_handler("chatstate", self._on_chatstate)
        self.client.register_handler(  # slixmpp's "message" event needs a body
            Callback(
                "Peer displayed",
                MatchXPath("{jabber:client}message/{urn:xmpp:chat-markers:0}displayed"),
                self._on_displayed,
            )
        )
        self.client.add_event_handler("presence_subscribe", self._on_subscribe)
        self.client.add_filter("out", self._drop_after_close)
        self._auto_authorize = auto_authorize
        self._closed = False

    # ----- lifecycle -----

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(
        cls,
        server: ProsodyServer,
        jid: str,
        password: str,
        *,
        direct_tls: bool = False,
        auto_authorize: bool = True,
        timeout: float = CONNECT_TIMEOUT,
    ) -> AsyncIterator[Peer]:
        """Log in (STARTTLS port, or the direct TLS port), yield the peer, then disconnect."""
        peer = await cls.open(
            server,
            jid,
            password,
            direct_tls=direct_tls,
            auto_authorize=auto_authorize,
            timeout=timeout,
        )
        try:
            yield peer
        finally:
            await peer.disconnect()

    @classmethod
    async def open(
        cls,
        server: ProsodyServer,
        jid: str,
        password: str,
        *,
        direct_tls: bool = False,
        auto_authorize: bool = True,
        timeout: float = CONNECT_TIMEOUT,
        ca_file: Any = None,
    ) -> Peer:
        """Log in and return the peer; the caller must `await peer.disconnect()`.

        Raises `PeerConnectError` (an AssertionError) on a certificate, authentication or
        connection failure, or when no session started within `timeout` seconds.
        """
        peer = cls(
            server,
            jid,
            password,
            direct_tls=direct_tls,
            auto_authorize=auto_authorize,
            ca_file=ca_file,
        )
        try:
            await peer._login(timeout)
        except BaseException:
            await peer.disconnect()
            raise
        return peer

    async def _login(self, timeout: float) -> None:
        """Connect, wait for session_start, get the roster and send initial presence."""
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[tuple[str, object]] = loop.create_future()

        def finish(event: str) -> Callable[[object], None]:
            def handler(data: object) -> None:
                if not outcome.done():
                    outcome.set_result((event, data))

            return handler

        events = ("session_start", "failed_auth", "ssl_invalid_chain", "connection_failed")
        handlers = {event: finish(event) for event in events}
        for name, handler in handlers.items():
            self.client.add_event_handler(name, handler)
        port = self.server.direct_tls_port if self.direct_tls else self.server.starttls_port
        where = f"{self.client.boundjid.bare} via {self.server.host}:{port}"
        try:
            self.client.connect(self.server.host, port)
            try:
                event, detail = await asyncio.wait_for(outcome, timeout)
            except TimeoutError:
                raise PeerConnectError(
                    f"peer {where}: no session within {timeout:.0f} s\n{self.server.log_tail(15)}",
                    "timeout",
                ) from None
        finally:
            for name, handler in handlers.items():
                self.client.del_event_handler(name, handler)
        if event != "session_start":
            if event == "connection_failed" and isinstance(detail, ssl.SSLCertVerificationError):
                event = "ssl_invalid_chain"
            raise PeerConnectError(f"peer {where}: {event}: {detail}", event, detail)
        await self.client.get_roster(timeout=timeout)
        self.client.send_presence()

    async def disconnect(self) -> None:
        """Close the stream cleanly and cancel slixmpp's background tasks (no leak warnings)."""
        if self._closed:
            return
        self._closed = True
        client = self.client
        client.cancel_connection_attempt()
        if client.transport is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(wait=1.0), 3.0)
            if client.transport is not None:
                client.abort()
        client.cancel_connection_attempt()
        task = client._run_out_filters
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        client._run_out_filters = None

    # ----- properties -----

    @property
    def jid(self) -> str:
        """The peer's bound full JID."""
        return str(self.client.boundjid.full)

    @property
    def bare(self) -> str:
        """The peer's bare JID."""
        return str(self.client.boundjid.bare)

    # ----- messages -----

    def send(
        self,
        to: str,
        body: str,
        *,
        mtype: Literal["chat", "normal", "headline"] = "chat",
        origin_id: bool = True,
        receipt: bool = False,
        replace_id: str | None = None,
        chat_state: str | None = None,
        markable: bool = False,
        oob_urls: tuple[str, ...] = (),
    ) -> str:
        """Send a message and return its id (also used as origin-id unless `origin_id=False`);
        each of ``oob_urls`` as an XEP-0066 ``<x xmlns='jabber:x:oob'><url>`` element."""
        msg = self.client.make_message(mto=to, mbody=body, mtype=mtype)
        msg_id = self.client.new_id()
        msg["id"] = msg_id
        if origin_id:
            msg["origin_id"]["id"] = msg_id
        if receipt:
            msg["request_receipt"] = True
        if replace_id:
            msg["replace"]["id"] = replace_id
        if chat_state:
            msg["chat_state"] = chat_state
        if markable:
            msg.append(ET.Element("{urn:xmpp:chat-markers:0}markable"))
        for url in oob_urls:
            x = ET.SubElement(msg.xml, "{jabber:x:oob}x")
            ET.SubElement(x, "{jabber:x:oob}url").text = url
        msg.send()
        return msg_id

    def send_receipt(self, to: str, msg_id: str) -> None:
        """Send a XEP-0184 receipt for ``msg_id`` (what auto-ack would, or a forged one)."""
        ack = self.client.make_message(mto=to, mtype="chat")
        ack.append(ET.Element("{urn:xmpp:receipts}received", {"id": msg_id}))
        ack.send()

    def send_displayed(self, to: str, msg_id: str) -> None:
        """Send a XEP-0333 ``displayed`` marker for ``msg_id``."""
        marker = self.client.make_message(mto=to, mtype="chat")
        marker.append(ET.Element("{urn:xmpp:chat-markers:0}displayed", {"id": msg_id}))
        marker.send()

    def stop_receipts(self) -> None:
        """Stop auto-acking receipt requests (a recipient that never confirms)."""
        self.client.plugin["xep_0184"].auto_ack = False

    def send_chat_state(self, to: str, state: str) -> None:
        """Send a bodyless XEP-0085 chat state (active, composing, paused, inactive, gone)."""
        msg = self.client.make_message(mto=to, mtype="chat")
        msg["chat_state"] = state
        msg.send()

    async def wait_message(
        self,
        predicate: Callable[[PeerMessage], bool] | None = None,
        timeout: float = 10.0,
        *,
        queue: asyncio.Queue[PeerMessage] | None = None,
    ) -> PeerMessage:
        """Take messages from `received` (or `queue`) until one matches; fail after `timeout`.

        Non-matching messages are dropped from the queue (they stay in `messages`).
        """
        source = self.received if queue is None else queue
        deadline = time.monotonic() + timeout
        skipped: list[PeerMessage] = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                msg = await asyncio.wait_for(source.get(), max(remaining, 0.001))
            except TimeoutError:
                raise AssertionError(
                    f"{self.bare}: no matching message within {timeout} s; skipped {skipped!r}"
                ) from None
            if predicate is None or predicate(msg):
                return msg
            skipped.append(msg)

    async def wait_until(
        self, cond: Callable[[], bool | Awaitable[bool]], timeout: float = 10.0
    ) -> None:
        """Poll `cond` (sync or async) every 20 ms until it is true; fail after `timeout`."""
        await wait_until(cond, timeout)

    # ----- presence and roster -----

    def subscribe(self, jid: str) -> None:
        """Ask `jid` for a presence subscription."""
        self.client.send_presence_subscription(pto=jid, ptype="subscribe")

    def authorize(self, jid: str) -> None:
        """Approve `jid`'s subscription request."""
        self.client.send_presence_subscription(pto=jid, ptype="subscribed")

    def unauthorize(self, jid: str) -> None:
        """Deny or revoke `jid`'s subscription."""
        self.client.send_presence_subscription(pto=jid, ptype="unsubscribed")

    def set_presence(self, show: str | None = None, status: str | None = None) -> None:
        """Broadcast presence with `show` (away, xa, dnd, chat or None) and `status`."""
        self.client.send_presence(pshow=show, pstatus=status)

    def subscription(self, jid: str) -> str:
        """Return the roster subscription state towards `jid` (none, to, from, both)."""
        return str(self.client.client_roster[jid]["subscription"])

    def is_online(self, jid: str) -> bool:
        """Tell whether any resource of `jid` is available as far as we know."""
        return bool(self.client.client_roster[jid].resources)

    # ----- MUC -----

    async def join_room(self, room: str, nick: str, timeout: float = 10.0) -> None:
        """Join (creating as an instant room if new) the MUC `room` as `nick`."""
        muc = self.client.plugin["xep_0045"]
        pres, *_ = await muc.join_muc_wait(JID(room), nick, maxstanzas=0, timeout=timeout)
        codes = {int(c) for c in pres["muc"]["status_codes"]}
        if 201 in codes:
            with contextlib.suppress(IqError, IqTimeout):
                await muc.set_room_config(room, Form(), timeout=timeout)  # type: ignore[no-untyped-call]

    def send_room(self, room: str, body: str, *, markable: bool = False) -> str:
        """Send a groupchat message to `room` and return its id."""
        msg = self.client.make_message(mto=room, mbody=body, mtype="groupchat")
        msg_id = self.client.new_id()
        msg["id"] = msg_id
        msg["origin_id"]["id"] = msg_id
        if markable:
            msg.append(ET.Element("{urn:xmpp:chat-markers:0}markable"))
        msg.send()
        return msg_id

    # ----- handlers -----

    def _drop_after_close(self, stanza: Any) -> Any:
        """Drop replies slixmpp makes after our stream closed (avoids NotConnectedError logs)."""
        if self._closed and self.client.transport is None:
            return None
        return stanza

    def _on_message(self, msg: Any) -> None:
        """Queue chat/normal messages that carry a body."""
        if msg["type"] in ("chat", "normal") and msg["body"]:
            item = _to_peer_message(msg)
            self.messages.append(item)
            self.received.put_nowait(item)

    def _on_groupchat(self, msg: Any) -> None:
        """Queue groupchat messages that carry a body."""
        if msg["body"]:
            self.room_messages.put_nowait(_to_peer_message(msg))

    def _on_error(self, msg: Any) -> None:
        """Queue message errors."""
        self.errors.put_nowait(_to_peer_message(msg))

    def _on_receipt(self, msg: Any) -> None:
        """Queue the id a XEP-0184 receipt acknowledges."""
        self.receipts.put_nowait(str(msg["receipt"]))

    def _on_chatstate(self, msg: Any) -> None:
        """Queue `(from bare JID, state)` for chat state notifications."""
        self.chat_states.put_nowait((str(msg["from"].bare), str(msg["chat_state"])))

    def _on_displayed(self, msg: Any) -> None:
        """Queue the id a XEP-0333 ``displayed`` marker names."""
        marker = msg.xml.find("{urn:xmpp:chat-markers:0}displayed")
        if marker is not None:
            self.displayed.put_nowait(marker.get("id", ""))

    def _on_subscribe(self, pres: Any) -> None:
        """Record subscription requests when they are not approved automatically."""
        if not self._auto_authorize:
            self.subscription_requests.put_nowait(str(pres["from"].bare))

    def __repr__(self) -> str:
        """Show who this peer is."""
        return f"Peer({self.client.boundjid.full or self.client.boundjid.bare})"


async def wait_until(cond: Callable[[], bool | Awaitable[bool]], timeout: float = 10.0) -> None:
    """Poll `cond` (sync or async) every 20 ms until it is true; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = cond()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition {cond!r} still false after {timeout} s")
        await asyncio.sleep(0.02)
