"""Provides `FakeGateway`: a small XEP-0100 transport written with slixmpp's `ComponentXMPP`.

This is NOT tuichat code: it plays a gateway to another network ("telegram" by default) for
the registration tests, connected to the test Prosody as an external component:

- disco#info: identity `gateway/<network>`, feature `jabber:iq:register`;
- XEP-0077 get: instructions and a data form (hidden FORM_TYPE, fixed text, text-single
  `username`, text-private `password`, both required, list-single `region`), or with
  `legacy=True` the plain `<username/><password/>` fields; with `captcha=PNG` an `ocr` field
  whose XEP-0221 media names the PNG, carried as XEP-0231 bits of binary in the answer;
- XEP-0077 set with a submitted form: checks the required fields, records the values, answers,
  then asks to see the user's presence from the gateway and from each legacy contact
  (`alice@gateway`…), as XEP-0100 §4.1.1 and §5.1 describe; a registered user's requests to
  see the gateway or a contact are approved, and they show online;
- XEP-0077 `<remove/>`: forgets the user, sends unsubscribe and unsubscribed from the gateway
  and each contact (XEP-0100 §4.3).

    async with FakeGateway.started(domain, secret, port) as gw:
        ...
        assert gw.registrations[user_bare] == {"username": ["bob"], …}
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Sequence
from typing import Any

from slixmpp import Iq
from slixmpp.componentxmpp import ComponentXMPP
from slixmpp.plugins.xep_0004.stanza import Form
from slixmpp.plugins.xep_0077.stanza import Register
from slixmpp.xmlstream import register_stanza_plugin
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

REGIONS = ("eu", "us", "asia")
NS_MEDIA = "urn:xmpp:media-element"
NS_BOB = "urn:xmpp:bob"


class FakeGateway:
    """A gateway component: registration with a data form, legacy contacts, unregistration."""

    def __init__(
        self,
        domain: str,
        secret: str,
        port: int,
        *,
        network: str = "telegram",
        contacts: Sequence[str] = ("alice",),
        legacy: bool = False,
        captcha: bytes = b"",
    ) -> None:
        self.domain = domain
        self.captcha = captcha
        """A PNG to ask about in an ``ocr`` field (XEP-0221 media naming XEP-0231 bits of
        binary carried in the same answer), when given."""
        self.legacy = legacy
        """Ask the plain XEP-0077 fields (username, password) instead of a data form."""
        self.network = network
        self.contacts = tuple(f"{name}@{domain}" for name in contacts)
        self.registrations: dict[str, dict[str, list[str]]] = {}
        self.removed: list[str] = []
        self.info_requests = 0
        """disco#info requests received (to the gateway or its contacts)."""
        self.xmpp = ComponentXMPP(domain, secret, "127.0.0.1", port)  # type: ignore[no-untyped-call]
        self.xmpp.register_plugin("xep_0030")
        self.xmpp.register_plugin("xep_0004")
        register_stanza_plugin(Iq, Register)
        register_stanza_plugin(Register, Form)
        disco = self.xmpp.plugin["xep_0030"]
        disco.add_identity(category="gateway", itype=network, name=f"Fake {network} gateway")
        disco.add_feature("jabber:iq:register")
        self.xmpp.add_filter("in", self._count_info)
        self.xmpp.add_event_handler("presence_subscribe", self._on_subscribe)
        self.xmpp.register_handler(
            Callback("fake gateway register", StanzaPath("iq/register"), self._on_register)
        )

    @classmethod
    @contextlib.asynccontextmanager
    async def started(
        cls, domain: str, secret: str, port: int, **options: Any
    ) -> AsyncIterator[FakeGateway]:
        """Connect the component to Prosody, wait for its handshake; disconnect afterwards."""
        gateway = cls(domain, secret, port, **options)
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_start(_event: object) -> None:
            if not ready.done():
                ready.set_result(None)

        gateway.xmpp.add_event_handler("session_start", on_start)
        gateway.xmpp.connect()
        try:
            await asyncio.wait_for(ready, 10)
            yield gateway
        finally:
            gateway.xmpp.disconnect()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(gateway.xmpp.disconnected, 5)

    def _count_info(self, stanza: Any) -> Any:
        query = stanza.xml.find("{http://jabber.org/protocol/disco#info}query")
        if query is not None and stanza.xml.get("type") == "get":
            self.info_requests += 1
        return stanza

    def _on_subscribe(self, presence: Any) -> None:
        """A registered user asks to see the gateway or a contact: approved, then online."""
        user, jid = presence["from"].bare, presence["to"].bare
        if user not in self.registrations or (jid != self.domain and jid not in self.contacts):
            self.xmpp.send_presence(pto=user, pfrom=jid, ptype="unsubscribed")
            return
        # Through the component's roster, as a real gateway keeps it: a subscription sent by
        # hand is unknown to it, and it would answer the server's next probe "unsubscribed".
        self.xmpp.roster[jid][user].authorize()

    def _on_register(self, iq: Any) -> None:
        if iq["to"].bare != self.domain:
            self._error(iq, "item-not-found")
            return
        user = iq["from"].bare
        if iq["type"] == "get":
            self._send_form(iq, user)
        elif iq["type"] == "set" and iq["register"]["remove"]:
            self._unregister(iq, user)
        elif iq["type"] == "set":
            self._register(iq, user)

    def _send_form(self, iq: Any, user: str) -> None:
        reply = iq.reply()
        query = reply["register"]
        query["instructions"] = "Enter your fake network login."
        if user in self.registrations:
            query["registered"] = True
        if self.legacy:
            query["fields"] = ["username", "password"]
            reply.send()
            return
        form = query["form"]
        form["type"] = "form"
        form["title"] = f"Register with the {self.network} gateway"
        form["instructions"] = "Your login on the other network."
        form.add_field(var="FORM_TYPE", ftype="hidden", value="jabber:iq:register")
        form.add_field(ftype="fixed", value="We never store your password in plain text.")
        form.add_field(var="username", ftype="text-single", label="Username", required=True)
        form.add_field(var="password", ftype="text-private", label="Password", required=True)
        region = form.add_field(var="region", ftype="list-single", label="Region", value="eu")
        for name in REGIONS:
            region.add_option(label=name.upper(), value=name)
        if self.captcha:
            self._add_captcha(form, reply)
        reply.send()

    def _add_captcha(self, form: Any, reply: Any) -> None:
        cid = f"sha1+{hashlib.sha1(self.captcha).hexdigest()}@bob.xmpp.org"
        ocr = form.add_field(var="ocr", ftype="text-single", label="Letters")
        media = ET.SubElement(ocr.xml, f"{{{NS_MEDIA}}}media", {"width": "80", "height": "24"})
        ET.SubElement(media, f"{{{NS_MEDIA}}}uri", {"type": "image/png"}).text = f"cid:{cid}"
        attrs = {"cid": cid, "type": "image/png", "max-age": "0"}
        data = ET.SubElement(reply.xml, f"{{{NS_BOB}}}data", attrs)
        data.text = base64.b64encode(self.captcha).decode()

    def _register(self, iq: Any, user: str) -> None:
        query = iq["register"]
        if self.legacy:
            values = {var: [query[var]] for var in ("username", "password")}
        elif query.xml.find("{jabber:x:data}x") is None:
            self._error(iq, "bad-request", "a data form is required")
            return
        else:
            values = {
                var: (v if isinstance(v, list) else [str(v)])
                for var, v in query["form"].get_values().items()
                if var != "FORM_TYPE"
            }
        if not all(values.get(var, [""])[0] for var in ("username", "password")):
            self._error(iq, "not-acceptable", "username and password are required")
            return
        if values.get("region", ["eu"])[0] not in REGIONS:
            self._error(iq, "not-acceptable", "no such region")
            return
        if values["username"][0] == "taken":
            self._error(iq, "conflict", "that login is taken")
            return
        self.registrations[user] = values
        iq.reply().send()
        self.xmpp.send_presence(pto=user, pfrom=self.domain, ptype="subscribe")
        for contact in self.contacts:
            self.xmpp.send_presence(pto=user, pfrom=contact, ptype="subscribe")

    def _unregister(self, iq: Any, user: str) -> None:
        if self.registrations.pop(user, None) is None:
            self._error(iq, "registration-required", "not registered")
            return
        self.removed.append(user)
        iq.reply().send()
        for jid in (*self.contacts, self.domain):
            self.xmpp.send_presence(pto=user, pfrom=jid, ptype="unsubscribe")
            self.xmpp.send_presence(pto=user, pfrom=jid, ptype="unsubscribed")

    def _error(self, iq: Any, condition: str, text: str = "") -> None:
        reply = iq.reply(clear=True)
        reply["type"] = "error"
        reply["error"]["type"] = "modify" if condition != "item-not-found" else "cancel"
        reply["error"]["condition"] = condition
        if text:
            reply["error"]["text"] = text
        reply.send()
