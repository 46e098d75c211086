"""Unit tests for OMEMO 2 messages between two python-omemo session managers, in process.

Two accounts, each one device with the twomemo backend only and in-memory storage. Bundles and
device lists go through twomemo's own XML serialisers into a dict that stands in for PEP, and
every stanza is serialised to text and parsed back, as on the wire. No network: this is the
cryptography and the envelope rules; the integration test between two tuichat accounts belongs
to the engine.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import oldmemo
import oldmemo.etree
import omemo
import pytest
import twomemo
import twomemo.etree
from slixmpp.stanza import Message

from tuichat.xmpp.omemo import omemo2, sce
from tuichat.xmpp.omemo.omemo2 import EnvelopeRejected, Omemo2Error

ALICE = "alice@example.test"
BOB = "bob@example.test"
CAROL = "carol@example.test"
ROOM = "lounge@conference.example.test"
NS = twomemo.twomemo.NAMESPACE
NS_OLD = oldmemo.oldmemo.NAMESPACE
ETREE: dict[str, Any] = {NS: twomemo.etree, NS_OLD: oldmemo.etree}
BACKENDS: dict[str, Any] = {NS: twomemo.Twomemo, NS_OLD: oldmemo.Oldmemo}
TRUST = {
    "trusted": omemo.TrustLevel.TRUSTED,
    "undecided": omemo.TrustLevel.UNDECIDED,
    "distrusted": omemo.TrustLevel.DISTRUSTED,
}


class MemoryStorage(omemo.Storage):
    """python-omemo storage in a dict (the real one is the SQLite store)."""

    def __init__(self) -> None:
        super().__init__(True)
        self.data: dict[str, omemo.JSONType] = {}

    async def _load(self, key: str) -> omemo.Maybe[omemo.JSONType]:
        return omemo.Just(self.data[key]) if key in self.data else omemo.Nothing()

    async def _store(self, key: str, value: omemo.JSONType) -> None:
        self.data[key] = value

    async def _delete(self, key: str) -> None:
        self.data.pop(key, None)


@dataclass
class Pep:
    """What the accounts publish, as XML, and the automatic messages they send."""

    bundles: dict[tuple[str, str, int], ET.Element] = field(default_factory=dict)
    """``(namespace, jid, device id)`` → the bundle as the version's XML."""
    device_lists: dict[tuple[str, str], ET.Element] = field(default_factory=dict)
    sent: list[tuple[str, str, omemo.Message]] = field(default_factory=list)
    """``(from, to, message)`` of each empty message the library sent by itself."""


def manager_class(own: str, pep: Pep) -> type[omemo.SessionManager]:
    """A SessionManager whose XMPP side is ``pep``; trust is blind (every new device trusted)."""

    class InProcess(omemo.SessionManager):
        @staticmethod
        async def _upload_bundle(bundle: omemo.Bundle) -> None:
            xml = ETREE[bundle.namespace].serialize_bundle(bundle)
            pep.bundles[(bundle.namespace, own, bundle.device_id)] = xml

        @staticmethod
        async def _download_bundle(namespace: str, bare_jid: str, device_id: int) -> omemo.Bundle:
            element = pep.bundles.get((namespace, bare_jid, device_id))
            if element is None:
                raise omemo.BundleNotFound(f"no bundle for {bare_jid}/{device_id}")
            bundle: omemo.Bundle = ETREE[namespace].parse_bundle(element, bare_jid, device_id)
            return bundle

        @staticmethod
        async def _delete_bundle(namespace: str, device_id: int) -> None:
            pep.bundles.pop((namespace, own, device_id), None)

        @staticmethod
        async def _upload_device_list(namespace: str, device_list: omemo.DeviceList) -> None:
            pep.device_lists[(namespace, own)] = ETREE[namespace].serialize_device_list(device_list)

        @staticmethod
        async def _download_device_list(namespace: str, bare_jid: str) -> omemo.DeviceList:
            element = pep.device_lists.get((namespace, bare_jid))
            if element is None:
                return {}
            devices: omemo.DeviceList = ETREE[namespace].parse_device_list(element)
            return devices

        async def _evaluate_custom_trust_level(
            self, device: omemo.DeviceInformation
        ) -> omemo.TrustLevel:
            return TRUST[device.trust_level_name]

        async def _make_trust_decision(
            self, undecided: frozenset[omemo.DeviceInformation], identifier: str | None
        ) -> None:
            for device in undecided:
                await self.set_trust(device.bare_jid, device.identity_key, "trusted")

        @staticmethod
        async def _send_message(message: omemo.Message, bare_jid: str) -> None:
            pep.sent.append((own, bare_jid, message))

    return InProcess


async def make_manager(
    own: str, pep: Pep, namespaces: tuple[str, ...] = (NS,)
) -> omemo.SessionManager:
    """One device of ``own``, speaking the OMEMO versions of ``namespaces``."""
    storage = MemoryStorage()
    manager = await manager_class(own, pep).create(
        [BACKENDS[ns](storage) for ns in namespaces], storage, own, None, "undecided"
    )
    await manager.after_history_sync()
    return manager


@dataclass
class Pair:
    alice: omemo.SessionManager
    bob: omemo.SessionManager
    pep: Pep


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    pep = Pep()
    alice = await make_manager(ALICE, pep)
    bob = await make_manager(BOB, pep)
    yield Pair(alice, bob, pep)
    await alice.shutdown()
    await bob.shutdown()


def element(xml: str) -> ET.Element:
    return ET.fromstring(xml)


def outgoing(to: str, body: str | None, *extra: str, kind: str = "chat") -> Message:
    """A message as the send pipeline builds it, before encryption."""
    stanza = Message()
    stanza["to"], stanza["type"], stanza["id"] = to, kind, "m1"
    if body is not None:
        stanza["body"] = body
    stanza.xml.append(element("<origin-id xmlns='urn:xmpp:sid:0' id='o1'/>"))
    for xml in extra:
        stanza.xml.append(element(xml))
    return stanza


def delivered(stanza: Message, sender: str, to: str | None = None) -> Message:
    """``stanza`` as the recipient gets it: through text, stamped with a full ``from``."""
    received = Message(xml=ET.fromstring(str(stanza)))
    received["from"] = sender
    if to is not None:
        received["to"] = to
    return received


async def send(
    manager: omemo.SessionManager,
    stanza: Message,
    own: str,
    recipients: set[str],
    *,
    include_oldmemo: bool = False,
) -> Message:
    for jid in recipients:  # the engine does this through XEP_0384.refresh_device_lists
        await manager.refresh_device_lists(jid)
    encrypted, errors = await omemo2.encrypt_omemo2(
        manager, stanza, recipients, own_bare_jid=own, include_oldmemo=include_oldmemo
    )
    assert errors == frozenset()
    assert encrypted is not None
    return encrypted


async def own_device_id(manager: omemo.SessionManager) -> int:
    return int((await manager.get_own_device_information())[0].device_id)


def bodies(content: tuple[ET.Element, ...] | None) -> list[str]:
    assert content is not None
    return [el.text or "" for el in content if el.tag == "{jabber:client}body"]


async def test_chat_messages_both_ways(pair: Pair) -> None:
    """Alice writes first (a key exchange), Bob answers, Alice writes again: all decrypt, with
    the sending device and the envelope's time."""
    first = await send(pair.alice, outgoing(BOB, "hello bob"), ALICE, {BOB})
    got = await omemo2.decrypt_omemo2(
        pair.bob, delivered(first, f"{ALICE}/laptop", f"{BOB}/desk"), BOB
    )
    assert bodies(got.content) == ["hello bob"]
    assert got.device.bare_jid == ALICE
    assert got.device.device_id == await own_device_id(pair.alice)
    assert got.sent_at is not None

    answer = await send(pair.bob, outgoing(ALICE, "hi alice"), BOB, {ALICE})
    back = await omemo2.decrypt_omemo2(pair.alice, delivered(answer, f"{BOB}/desk"), ALICE)
    assert bodies(back.content) == ["hi alice"]
    assert back.device.bare_jid == BOB

    again = await send(pair.alice, outgoing(BOB, "second"), ALICE, {BOB})
    assert 'kex="true"' not in str(again)  # the session is established now
    later = await omemo2.decrypt_omemo2(pair.bob, delivered(again, f"{ALICE}/laptop"), BOB)
    assert bodies(later.content) == ["second"]


async def test_wire_form_hides_content_and_keeps_outside_elements(pair: Pair) -> None:
    """On the wire: no plaintext of the body or the reply; the origin-id, receipt request, chat
    state, EME marker, store hint and fallback body in the clear; the id kept."""
    stanza = outgoing(
        BOB,
        "secret words",
        "<request xmlns='urn:xmpp:receipts'/>",
        "<active xmlns='http://jabber.org/protocol/chatstates'/>",
        "<reply xmlns='urn:xmpp:reply:0' id='quoted-secret'/>",
    )
    wire = str(await send(pair.alice, stanza, ALICE, {BOB}))
    assert "secret" not in wire
    sent = ET.fromstring(wire)
    assert sent.get("id") == "m1" and sent.get("to") == BOB and sent.get("type") == "chat"
    tags = [child.tag for child in sent]
    assert tags.count(f"{{{NS}}}encrypted") == 1
    for tag in (
        "{urn:xmpp:sid:0}origin-id",
        "{urn:xmpp:receipts}request",
        "{http://jabber.org/protocol/chatstates}active",
        "{urn:xmpp:hints}store",
        "{urn:xmpp:eme:0}encryption",
    ):
        assert tag in tags, tag
    assert sent.findtext("{jabber:client}body") == omemo2.FALLBACK_BODY
    eme = sent.find("{urn:xmpp:eme:0}encryption")
    assert eme is not None and eme.get("namespace") == NS


async def test_decrypted_stanza_replaces_fallback_with_content(pair: Pair) -> None:
    """The rebuilt stanza carries the real body and the encrypted reply, keeps the origin-id,
    and neither the fallback body nor the encrypted element."""
    stanza = outgoing(BOB, "real text", "<reply xmlns='urn:xmpp:reply:0' id='m0'/>")
    received = delivered(await send(pair.alice, stanza, ALICE, {BOB}), f"{ALICE}/laptop")
    got = await omemo2.decrypt_omemo2(pair.bob, received, BOB)
    assert got.content is not None
    plain = omemo2.decrypted_stanza(received, got.content)
    assert plain["body"] == "real text"
    assert plain.xml.find("{urn:xmpp:reply:0}reply") is not None
    assert plain.xml.find("{urn:xmpp:sid:0}origin-id") is not None
    assert plain.xml.find(f"{{{NS}}}encrypted") is None
    assert plain.xml.find("{urn:xmpp:eme:0}encryption") is None
    assert omemo2.FALLBACK_BODY not in str(plain)


async def test_content_without_body_never_shows_the_fallback(pair: Pair) -> None:
    """A reaction alone is encrypted; decrypted, the stanza has no body at all."""
    stanza = outgoing(
        BOB,
        None,
        "<reactions xmlns='urn:xmpp:reactions:0' id='m0'><reaction>+1</reaction></reactions>",
    )
    received = delivered(await send(pair.alice, stanza, ALICE, {BOB}), f"{ALICE}/laptop")
    got = await omemo2.decrypt_omemo2(pair.bob, received, BOB)
    assert got.content is not None
    plain = omemo2.decrypted_stanza(received, got.content)
    assert plain.xml.find("{jabber:client}body") is None
    assert plain.xml.find("{urn:xmpp:reactions:0}reactions") is not None


async def test_nothing_to_encrypt_gives_none(pair: Pair) -> None:
    """A chat state with its id stays as it is: nothing to encrypt, no key used."""
    stanza = outgoing(BOB, None, "<composing xmlns='http://jabber.org/protocol/chatstates'/>")
    assert await omemo2.encrypt_omemo2(pair.alice, stanza, {BOB}, own_bare_jid=ALICE) == (
        None,
        frozenset(),
    )


async def test_key_exchange_completion_is_an_empty_message(pair: Pair) -> None:
    """After Bob reads Alice's key exchange, the library sends an empty message; Alice reads it
    as ``content=None``, to be dropped silently."""
    first = await send(pair.alice, outgoing(BOB, "hello"), ALICE, {BOB})
    await omemo2.decrypt_omemo2(pair.bob, delivered(first, f"{ALICE}/laptop"), BOB)
    [(sender, to, empty)] = [s for s in pair.pep.sent if s[0] == BOB]
    assert to == ALICE
    stanza = Message()
    stanza["to"], stanza["type"] = ALICE, "chat"
    stanza.xml.append(twomemo.etree.serialize_message(empty))
    got = await omemo2.decrypt_omemo2(pair.alice, delivered(stanza, f"{sender}/desk"), ALICE)
    assert got.content is None
    assert got.device.bare_jid == BOB


async def test_room_message_checks_room_and_real_sender(pair: Pair) -> None:
    """In a room the envelope names the room; Bob decrypts with Alice's real JID, and cannot
    without it."""
    stanza = outgoing(ROOM, "hello room", kind="groupchat")
    sent = await send(pair.alice, stanza, ALICE, {BOB})
    received = delivered(sent, f"{ROOM}/Alice", f"{BOB}/desk")
    with pytest.raises(Omemo2Error, match="real JID"):
        await omemo2.decrypt_omemo2(pair.bob, received, BOB)
    got = await omemo2.decrypt_omemo2(pair.bob, received, BOB, sender_bare_jid=ALICE)
    assert bodies(got.content) == ["hello room"]


async def sealed_by_bob(pair: Pair, envelope: bytes, to: str = ALICE) -> Message:
    """A stanza from Bob to ``to`` whose plaintext is ``envelope`` (what a hostile or buggy
    sender could encrypt)."""
    await pair.bob.refresh_device_lists(ALICE)
    messages, _ = await pair.bob.encrypt(frozenset({ALICE}), {NS: envelope})
    [message] = messages
    stanza = Message()
    stanza["to"], stanza["type"] = to, "chat"
    stanza.xml.append(twomemo.etree.serialize_message(message))
    return delivered(stanza, f"{BOB}/desk")


def body(text: str) -> ET.Element:
    el = ET.Element("{jabber:client}body")
    el.text = text
    return el


async def test_envelope_for_someone_else_is_rejected_with_the_device(pair: Pair) -> None:
    """A message sealed for Carol and sent to Alice decrypts, then is refused, in words, with
    the device that sent it (its key is spent: a placeholder, not a retry)."""
    stanza = await sealed_by_bob(pair, sce.seal([body("hi")], to="carol@example.test", sender=BOB))
    with pytest.raises(EnvelopeRejected) as caught:
        await omemo2.decrypt_omemo2(pair.alice, stanza, ALICE)
    assert "meant for carol@example.test, not for alice@example.test" in caught.value.reason
    assert caught.value.device.bare_jid == BOB


async def test_envelope_claiming_another_sender_is_rejected(pair: Pair) -> None:
    """Bob cannot pass his message off as the boss's."""
    stanza = await sealed_by_bob(pair, sce.seal([body("hi")], to=ALICE, sender="boss@example.test"))
    with pytest.raises(EnvelopeRejected, match=r"claims to come from boss@example\.test"):
        await omemo2.decrypt_omemo2(pair.alice, stanza, ALICE)


async def test_plaintext_that_is_not_an_envelope_is_rejected(pair: Pair) -> None:
    """Bare text (as if the sender skipped SCE) is refused, not shown."""
    stanza = await sealed_by_bob(pair, b"just text")
    with pytest.raises(EnvelopeRejected, match="not well-formed"):
        await omemo2.decrypt_omemo2(pair.alice, stanza, ALICE)


async def test_own_message_is_not_for_this_device(pair: Pair) -> None:
    """Our own message coming back (carbon, archive, room reflection) cannot be decrypted by the
    device that sent it: match it by origin-id instead."""
    sent = await send(pair.alice, outgoing(BOB, "mine"), ALICE, {BOB})
    with pytest.raises(omemo.MessageNotForUs):
        await omemo2.decrypt_omemo2(pair.alice, delivered(sent, f"{ALICE}/laptop"), ALICE)


async def test_second_decrypt_of_the_same_message_fails(pair: Pair) -> None:
    """Each message key works once: why duplicates must be caught before decrypting."""
    received = delivered(await send(pair.alice, outgoing(BOB, "once"), ALICE, {BOB}), ALICE)
    await omemo2.decrypt_omemo2(pair.bob, received, BOB)
    with pytest.raises(omemo.DecryptionFailed):
        await omemo2.decrypt_omemo2(pair.bob, received, BOB)


async def test_malformed_element_is_refused_before_any_key_is_used(pair: Pair) -> None:
    """A broken omemo:2 element is refused in words, and the session is untouched: the next
    good message still decrypts."""
    broken = Message()
    broken["to"], broken["type"] = BOB, "chat"
    broken.xml.append(element(f"<encrypted xmlns='{NS}'><header sid='x'/></encrypted>"))
    with pytest.raises(Omemo2Error, match="malformed"):
        await omemo2.decrypt_omemo2(pair.bob, delivered(broken, ALICE), BOB)
    good = delivered(await send(pair.alice, outgoing(BOB, "fine"), ALICE, {BOB}), ALICE)
    assert bodies((await omemo2.decrypt_omemo2(pair.bob, good, BOB)).content) == ["fine"]


async def test_find_and_addressing_helpers(pair: Pair) -> None:
    """The receive path's branch: find the omemo:2 element and see whether it names this device."""
    sent = delivered(await send(pair.alice, outgoing(BOB, "x"), ALICE, {BOB}), ALICE)
    element_ = omemo2.find_omemo2(sent)
    assert element_ is not None
    assert omemo2.addresses_device(element_, BOB, await own_device_id(pair.bob))
    assert not omemo2.addresses_device(element_, BOB, 12345)
    assert not omemo2.addresses_device(element_, ALICE, await own_device_id(pair.alice))
    assert omemo2.find_omemo2(outgoing(BOB, "plain")) is None
    sent.xml.append(element(f"<encrypted xmlns='{NS}'/>"))
    with pytest.raises(Omemo2Error, match="2 OMEMO 2 elements"):
        omemo2.find_omemo2(sent)


def device(ns_active: dict[str, bool]) -> omemo.DeviceInformation:
    return omemo.DeviceInformation(
        namespaces=frozenset(ns_active),
        active=frozenset(ns_active.items()),
        bare_jid=BOB,
        device_id=1,
        identity_key=b"k" * 32,
        trust_level_name="trusted",
        label=None,
    )


def test_needs_omemo2_only_for_devices_slixmpp_omemo_cannot_reach() -> None:
    """A device active only in OMEMO 2 needs this path; one that also speaks 0.3 does not."""
    assert omemo2.needs_omemo2([device({NS: True})])
    assert omemo2.needs_omemo2([device({NS: True, NS_OLD: False}), device({NS_OLD: True})])
    assert not omemo2.needs_omemo2([device({NS: True, NS_OLD: True})])
    assert not omemo2.needs_omemo2([device({NS_OLD: True}), device({NS: False})])
    assert not omemo2.needs_omemo2([])


def stanza_with(*elements: str) -> Message:
    return Message(
        xml=ET.fromstring(
            f"<message xmlns='jabber:client' type='chat'>{''.join(elements)}</message>"
        )
    )


OLD_ELEMENT = f"<encrypted xmlns='{NS_OLD}'><header sid='7'/></encrypted>"


def new_element(jid: str, rid: int) -> str:
    return (
        f"<encrypted xmlns='{NS}'><header sid='7'><keys jid='{jid}'><key rid='{rid}'>AA==</key>"
        "</keys></header></encrypted>"
    )


def test_route_picks_the_element_for_this_device() -> None:
    """OMEMO 2 when it names this device or stands alone; OMEMO 0.3 otherwise; none without."""
    assert omemo2.route(stanza_with("<body>x</body>"), BOB, 5) is None
    assert omemo2.route(stanza_with(OLD_ELEMENT), BOB, 5) == NS_OLD
    assert omemo2.route(stanza_with(new_element(BOB, 9)), BOB, 5) == NS
    assert omemo2.route(stanza_with(OLD_ELEMENT, new_element(BOB, 5)), BOB, 5) == NS
    assert omemo2.route(stanza_with(OLD_ELEMENT, new_element("Bob@Example.test", 5)), BOB, 5) == NS
    assert omemo2.route(stanza_with(OLD_ELEMENT, new_element(BOB, 9)), BOB, 5) == NS_OLD
    assert omemo2.route(stanza_with(OLD_ELEMENT, new_element(CAROL, 5)), BOB, 5) == NS_OLD


def test_without_omemo2_leaves_the_rest() -> None:
    """slixmpp-omemo gets a copy with no OMEMO 2 element; the original is untouched."""
    original = stanza_with("<body>fallback</body>", OLD_ELEMENT, new_element(BOB, 5))
    copy_ = omemo2.without_omemo2(original)
    assert copy_.xml.find(f"{{{NS}}}encrypted") is None
    assert copy_.xml.find(f"{{{NS_OLD}}}encrypted") is not None
    assert copy_["body"] == "fallback"
    assert original.xml.find(f"{{{NS}}}encrypted") is not None


async def test_mixed_recipients_get_one_stanza_with_both_versions() -> None:
    """Alice (both versions) writes to Bob (OMEMO 2 only) and Carol (OMEMO 0.3 only): one stanza
    carries both elements; Bob reads the envelope, Carol the body through OMEMO 0.3."""
    pep = Pep()
    alice = await make_manager(ALICE, pep, (NS, NS_OLD))
    bob = await make_manager(BOB, pep, (NS,))
    carol = await make_manager(CAROL, pep, (NS_OLD,))
    try:
        stanza = outgoing(ROOM, "to you both", kind="groupchat")
        sent = await send(alice, stanza, ALICE, {BOB, CAROL}, include_oldmemo=True)
        for_bob = delivered(sent, f"{ROOM}/Alice", f"{BOB}/desk")
        assert omemo2.route(for_bob, BOB, await own_device_id(bob)) == NS
        got = await omemo2.decrypt_omemo2(bob, for_bob, BOB, sender_bare_jid=ALICE)
        assert bodies(got.content) == ["to you both"]

        for_carol = delivered(sent, f"{ROOM}/Alice", f"{CAROL}/desk")
        assert omemo2.route(for_carol, CAROL, await own_device_id(carol)) == NS_OLD
        old = for_carol.xml.find(f"{{{NS_OLD}}}encrypted")
        assert old is not None
        message = await oldmemo.etree.parse_message(old, ALICE, CAROL, carol)
        plaintext, _, _ = await carol.decrypt(message)
        assert plaintext == b"to you both"
    finally:
        for manager in (alice, bob, carol):
            await manager.shutdown()


async def test_recipient_without_omemo2_device_is_not_silently_skipped() -> None:
    """Without include_oldmemo, a recipient with only OMEMO 0.3 devices stops the send."""
    pep = Pep()
    alice = await make_manager(ALICE, pep, (NS, NS_OLD))
    carol = await make_manager(CAROL, pep, (NS_OLD,))
    try:
        with pytest.raises(omemo.NoEligibleDevices) as caught:
            await send(alice, outgoing(CAROL, "hi"), ALICE, {CAROL})
        assert caught.value.bare_jids == frozenset({CAROL})
    finally:
        await alice.shutdown()
        await carol.shutdown()
