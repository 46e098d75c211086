"""Gateway registration (XEP-0100 with XEP-0077 data forms) against a slixmpp test gateway.

The gateway is `tests.harness.fake_gateway.FakeGateway`, an external component of the real
Prosody; tuichat's manager registers, gets the gateway and its contact in the roster (with the
network label), and unregisters.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from io import BytesIO

import pytest
from PIL import Image

from tests.harness.fake_gateway import FakeGateway
from tests.harness.gateway import GatewayServer
from tests.integration.helpers import Recorder, account_config
from tests.pngs import captcha_png
from tuichat import events as ev
from tuichat.bus import EventBus
from tuichat.errors import ClientError, GatewayError
from tuichat.forms import filled, submission
from tuichat.model import Subscription
from tuichat.store import Store
from tuichat.xmpp.manager import ConnectionManager


@asynccontextmanager
async def connected(
    gw: GatewayServer, jid: str, password: str, store: Store | None = None
) -> AsyncIterator[tuple[ConnectionManager, Store, Recorder]]:
    bus, store = EventBus(), store or Store.memory()
    rec = Recorder(bus)
    manager = ConnectionManager([account_config(gw.server, jid, password)], store, bus)
    await manager.start()
    try:
        await manager.wait_connected(15)
        await asyncio.wait_for(manager.session(jid).synced.wait(), 30)
        yield manager, store, rec
    finally:
        await manager.stop()


async def mutual(rec: Recorder, jid: str) -> None:
    """Wait until a roster push shows a mutual subscription with ``jid``."""

    def both(event: ev.ContactChanged) -> bool:
        return event.contact.jid == jid and event.contact.subscription is Subscription.BOTH

    await rec.wait(ev.ContactChanged, both, timeout=15)


def _roster(store: Store, account: str) -> dict[str, Subscription]:
    return {c.jid: c.subscription for c in store.roster(account)}


async def test_register_adds_the_gateway_and_its_contact_then_unregister_removes_them(
    gateway_server: GatewayServer,
) -> None:
    """Form, submit, the gateway and alice@gateway in the roster (both ways, no question asked,
    labelled "telegram"); unregister empties the roster of them."""
    gw = gateway_server
    jid, password = gw.server.new_account("gwuser")
    alice = f"alice@{gw.domain}"
    async with (
        FakeGateway.started(gw.domain, gw.secret, gw.port) as fake,
        connected(gw, jid, password) as (manager, store, rec),
    ):
        registration = await manager.gateway_registration_form(jid, gw.domain)
        form = registration.form
        assert not registration.registered
        assert form.title == "Register with the telegram gateway"
        fields = {f.var: (f.type.value, f.required) for f in form.fields if f.var}
        assert fields == {
            "FORM_TYPE": ("hidden", False),
            "username": ("text-single", True),
            "password": ("text-private", True),
            "region": ("list-single", False),
        }
        assert [o.value for o in form.fields[-1].options] == ["eu", "us", "asia"]

        with pytest.raises(GatewayError, match=r"^cannot register: Password is required$"):
            await manager.register_gateway(jid, gw.domain, filled(form, {"username": ("bob",)}))
        assert fake.registrations == {}

        answers = {"username": ("bob",), "password": ("s3cret",), "region": ("asia",)}
        await manager.register_gateway(jid, gw.domain, submission(form, answers))
        assert fake.registrations[jid] == {
            "username": ["bob"],
            "password": ["s3cret"],
            "region": ["asia"],
        }
        for contact in (gw.domain, alice):
            await mutual(rec, contact)
        assert _roster(store, jid) == {gw.domain: Subscription.BOTH, alice: Subscription.BOTH}
        [label] = await rec.wait(ev.GatewayIdentified, lambda e: e.domain == gw.domain)
        assert label.network == "telegram"
        assert rec.of(ev.SubscriptionRequested) == []  # accepted without asking the user

        again = await manager.gateway_registration_form(jid, gw.domain)
        assert again.registered

        removed = await manager.unregister_gateway(jid, gw.domain)
        assert sorted(removed) == sorted([gw.domain, alice])
        await rec.wait(ev.ContactRemoved, lambda e: e.jid in {gw.domain, alice}, count=2)
        assert fake.removed == [jid]
        assert _roster(store, jid) == {}


async def test_a_refused_registration_says_why_and_adds_nothing(
    gateway_server: GatewayServer,
) -> None:
    """The gateway's error comes back in words; nothing joins the roster."""
    gw = gateway_server
    jid, password = gw.server.new_account("gwrefused")
    async with (
        FakeGateway.started(gw.domain, gw.secret, gw.port) as fake,
        connected(gw, jid, password) as (manager, store, _rec),
    ):
        form = (await manager.gateway_registration_form(jid, gw.domain)).form
        values = filled(form, {"username": ("taken",), "password": ("pw",)})
        with pytest.raises(GatewayError, match="that login is taken"):
            await manager.register_gateway(jid, gw.domain, values)
        with pytest.raises(GatewayError, match="not registered"):
            await manager.unregister_gateway(jid, gw.domain)
        with pytest.raises(ClientError, match="not a gateway address"):
            await manager.register_gateway(jid, f"bob@{gw.domain}", values)
        assert fake.registrations == {}
        assert _roster(store, jid) == {}


async def test_network_labels_are_asked_once_per_domain(gateway_server: GatewayServer) -> None:
    """Contacts already on a gateway are labelled from the cached roster at the next start;
    the gateway's identity is asked once per domain, whatever the number of contacts."""
    gw = gateway_server
    jid, password = gw.server.new_account("gwlabels")
    contacts = ("a", "b", "c")
    async with FakeGateway.started(gw.domain, gw.secret, gw.port, contacts=contacts) as fake:
        store = Store.memory()
        async with connected(gw, jid, password, store) as (manager, _store, _rec):
            form = (await manager.gateway_registration_form(jid, gw.domain)).form
            answers = {"username": ("u",), "password": ("p",)}
            await manager.register_gateway(jid, gw.domain, filled(form, answers))
            await _rec.wait(ev.ContactChanged, lambda e: e.contact.jid == f"c@{gw.domain}")
        async with connected(gw, jid, password, store) as (manager, _store, rec):
            [label] = await rec.wait(ev.GatewayIdentified)
            assert (label.domain, label.network) == (gw.domain, "telegram")
            gateways = manager.session(jid).gateways
            assert gateways is not None and gateways.networks == {gw.domain: "telegram"}
            asked = fake.info_requests
            assert asked <= 4  # per session: the chat-service scan and the labels (maybe one)
            await manager.add_contact(jid, f"d@{gw.domain}")
            await rec.wait(ev.ContactChanged, lambda e: e.contact.jid == f"d@{gw.domain}")
            await manager.session(jid).client.plugin["xep_0199"].ping(timeout=10)
            assert fake.info_requests == asked  # a new contact on a known domain: not asked


async def test_a_gateway_without_data_forms_gets_the_plain_fields(
    gateway_server: GatewayServer,
) -> None:
    """A gateway that asks the legacy XEP-0077 fields: no form, the fields named, the values
    sent as they are; a missing one is named before anything is sent."""
    gw = gateway_server
    jid, password = gw.server.new_account("gwlegacy")
    async with (
        FakeGateway.started(gw.domain, gw.secret, gw.port, legacy=True) as fake,
        connected(gw, jid, password) as (manager, store, rec),
    ):
        registration = await manager.gateway_registration_form(jid, gw.domain)
        form = registration.form
        assert form.instructions == ("Enter your fake network login.",)
        assert [(f.var, f.type.value, f.required) for f in form.fields] == [
            ("username", "text-single", True),
            ("password", "text-private", True),
        ]
        with pytest.raises(GatewayError, match="password is required"):
            await manager.register_gateway(jid, gw.domain, filled(form, {"username": ("bob",)}))
        answers = {"username": ("bob",), "password": ("pw",)}
        await manager.register_gateway(jid, gw.domain, filled(form, answers))
        assert fake.registrations[jid] == {"username": ["bob"], "password": ["pw"]}
        await mutual(rec, f"alice@{gw.domain}")
        assert set(_roster(store, jid)) == {gw.domain, f"alice@{gw.domain}"}


async def test_a_captcha_arrives_as_bits_of_binary(gateway_server: GatewayServer) -> None:
    """A gateway's form names its CAPTCHA by cid: and carries the PNG beside it (XEP-0231):
    the field's media holds the very bytes, which decode to the picture sent."""
    gw = gateway_server
    jid, password = gw.server.new_account("captcha")
    png = captcha_png()
    async with (
        FakeGateway.started(gw.domain, gw.secret, gw.port, captcha=png),
        connected(gw, jid, password) as (manager, _store, _rec),
    ):
        registration = await manager.gateway_registration_form(jid, gw.domain)
        ocr = registration.form.field("ocr")
        assert ocr is not None and ocr.media is not None
        assert ocr.media.picture == png
        assert ocr.media.link.startswith("cid:sha1+")
        assert Image.open(BytesIO(ocr.media.picture)).size == (80, 24)
