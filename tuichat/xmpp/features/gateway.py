"""Provides gateways (XEP-0100): which network a contact is on, and registering with a transport.

Two parts:

- **Network labels.** Each contact's domain other than our server's is asked once per session
  what it is (disco#info, remembered across reconnects, failures asked again). A gateway
  (identity ``gateway/TYPE``, or a group chat gateway such as biboumi's ``conference/irc``)
  is published as ``GatewayIdentified`` so the roster can label its contacts "irc",
  "telegram"…; the label is decided by the pure :func:`network_of`.
- **Registration** (XEP-0077 with a data form, as XEP-0100 §4.1 and §4.3 describe):
  :func:`registration_form` asks the gateway for its form as the forms model
  (:class:`tuichat.forms.Form`; a gateway that only knows the legacy fields gets a form made
  of them, :func:`legacy_form`), :func:`register` checks the answer with the model's rules
  (:func:`tuichat.forms.check_form`, the one place they live) and submits it, then adds the
  gateway to the roster and asks for its presence;
  :func:`unregister` cancels the registration and removes the gateway and its contacts from
  the roster. After a registration the gateway asks to see our presence, and its contacts
  (``user@gateway``) do too: :meth:`Gateways.preauthorized` lets the roster accept those
  without asking, as Gajim does, because the user chose this gateway.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

from slixmpp.exceptions import IqError, IqTimeout

from tuichat import events as ev
from tuichat.bus import Subscription
from tuichat.errors import ClientError, GatewayError, NoAnswer
from tuichat.forms import LIMITS, Field, FieldType, Form, check_form, clean, submission
from tuichat.gateway_client import Registration
from tuichat.model import JID, ConnectionState
from tuichat.xmpp.errors import condition_words, map_exceptions
from tuichat.xmpp.features.forms_xml import NS_DATA, form_from_xml, form_to_xml

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

NS_REGISTER = "jabber:iq:register"
TIMEOUT = 15.0
MAX_LABEL = 12
ASKED_AT_ONCE = 4
LEGACY_FIELDS = frozenset(
    {"username", "password", "email", "nick", "name", "first", "last", "phone", "key"}
)
"""The XEP-0077 fields a form-less gateway may ask for (``Register.form_fields`` subset)."""
_LABEL_CHARS = re.compile(r"[^a-z0-9+._-]")

# -- the network of a gateway (pure) ---------------------------------------------------------


def network_of(identities: Iterable[Sequence[str | None]]) -> str:
    """The short network label of an entity with these disco identities, "" for none.

    ``gateway/TYPE`` gives TYPE (``irc``, ``telegram``, ``xmpp``…); a group chat service of a
    particular kind (``conference/irc``, biboumi) gives its kind; a plain MUC service
    (``conference/text``) or a server gives nothing. The type comes from the network, so only
    ``a-z 0-9 + . _ -`` are kept, at most 12 of them.
    """
    found = ""
    for identity in identities:
        category = (identity[0] or "").lower()
        kind = (identity[1] or "").lower() if len(identity) > 1 else ""
        if category == "gateway" and kind:
            found = kind
            break
        if category == "conference" and kind not in ("", "text") and not found:
            found = kind
    return _LABEL_CHARS.sub("", found)[:MAX_LABEL]


def gateway_domains(contacts: Iterable[str], own_domain: str) -> set[str]:
    """The domains to ask about: those of ``contacts`` (bare JIDs) other than our server's."""
    domains = set()
    for jid in contacts:
        try:
            domain = JID.parse(jid).domain
        except ValueError:
            continue
        if domain and domain != own_domain:
            domains.add(domain)
    return domains


REGISTERED_SETTING = "gateways-registered"
"""The store setting (per account) listing the gateways we registered with."""


def preauthorized(
    domain: str,
    *,
    registered: Set[str],
    networks: Mapping[str, str],
    subscription: str | None,
    pending_out: bool,
) -> bool:
    """Whether a subscription request from someone on ``domain`` needs no question.

    Yes when we registered with the gateway at ``domain`` in this run, or when ``domain`` is
    a known gateway (``networks``) that sits in our roster as one we see or asked to see
    (``subscription``/``pending_out`` of its roster item, ``None`` when it has none). A
    plain server in the roster (someone added ``example.org``) is no gateway: its users ask.
    """
    if domain in registered:
        return True
    if not networks.get(domain) or subscription is None:
        return False
    return subscription in ("to", "both") or pending_out


# -- the registration form (pure) -----------------------------------------------------------


def legacy_form(query: Element) -> Form:
    """The form of a gateway that asks the plain XEP-0077 fields (no data form): each field it
    names, in its order, required (``password`` hidden as typed), with its instructions."""
    seen: dict[str, str] = {}
    instructions = ""
    for child in query:
        name = child.tag.rpartition("}")[2]
        if name == "instructions":
            instructions = clean(child.text, LIMITS.text, lines=True)
        elif name in LEGACY_FIELDS and name not in seen:
            seen[name] = clean(child.text, LIMITS.text)
    fields = tuple(
        Field(
            var=name,
            type=FieldType.TEXT_PRIVATE if name == "password" else FieldType.TEXT_SINGLE,
            required=True,
            values=(value,) if value else (),
        )
        for name, value in seen.items()
    )
    return Form(instructions=(instructions,) if instructions else (), fields=fields)


def checked_answers(form: Form, answer: Form) -> dict[str, tuple[str, ...]]:
    """The values ``answer`` gives for ``form``'s fields, checked by the forms model's rules;
    raises :class:`GatewayError` naming each field that is wrong (a required one empty)."""
    given = answer.values()
    answers = {f.var: given[f.var] for f in form.answerable if f.var in given}
    if problems := check_form(form, answers):
        raise GatewayError(f"cannot register: {'; '.join(problems.values())}")
    return answers


# -- the session feature ---------------------------------------------------------------------


class Gateways:
    """One session's knowledge of gateways: domain → network label, asked once each."""

    def __init__(self, session: Session, old: Gateways | None = None) -> None:
        self.session = session
        self.account = session.account
        self.networks: dict[str, str] = dict(old.networks) if old is not None else {}
        """Domains asked so far and their network label ("" when not a gateway)."""
        self.registered: set[str] = set(old.registered) if old is not None else self._stored()
        """Gateways we registered with (kept in the store: their contacts' requests may come
        at the next sign-in, before the gateway is identified)."""
        self._asking: set[str] = set()
        self._limit = asyncio.Semaphore(ASKED_AT_ONCE)
        """A roster spread over many servers is asked a few domains at a time."""
        self._tasks: set[asyncio.Task[None]] = set()
        self.subscriptions: list[Subscription] = []

    # -- labels ---------------------------------------------------------------------------

    def on_roster(self, event: ev.RosterReceived) -> None:
        """A whole roster arrived: ask about its new domains (and re-announce known ones)."""
        if event.account == self.account:
            self._consider([c.jid for c in event.contacts], announce_known=True)

    def on_contact(self, event: ev.ContactChanged) -> None:
        """A contact was added or changed: ask about its domain if it is new."""
        if event.account == self.account:
            self._consider([event.contact.jid], announce_known=False)

    def _consider(self, jids: Iterable[str], *, announce_known: bool) -> None:
        own = JID.parse(self.account).domain
        for domain in sorted(gateway_domains(jids, own)):
            if domain in self.networks:
                if announce_known and self.networks[domain]:
                    self._announce(domain, self.networks[domain])
            elif domain not in self._asking and self._online():
                self._asking.add(domain)
                task = asyncio.get_running_loop().create_task(self._identify(domain))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def _online(self) -> bool:
        # A roster from the cache comes before the stream: the fetched one comes after it.
        return self.session.client is not None and self.session.state is ConnectionState.CONNECTED

    async def _identify(self, domain: str) -> None:
        disco = self.session.disco
        if disco is None:
            self._asking.discard(domain)
            return
        try:
            async with self._limit:
                info = await disco.info(domain)
        except ClientError as exc:
            log.info("%s: cannot tell what %s is: %s", self.account, domain, exc)
            if not isinstance(exc, NoAnswer):  # an error is an answer: not asked again
                self.networks[domain] = ""
            return
        except Exception as exc:  # a dropped stream: asked again on the next roster
            log.info("%s: disco#info of %s failed: %s", self.account, domain, exc)
            return
        finally:
            self._asking.discard(domain)
        network = network_of((i.category, i.type) for i in info.identities)
        self.networks[domain] = network
        if network:
            self._announce(domain, network)

    def _announce(self, domain: str, network: str) -> None:
        self.session.bus.publish(ev.GatewayIdentified(self.account, domain, network))

    def _stored(self) -> set[str]:
        text = self.session.store.get_setting(f"{REGISTERED_SETTING}:{self.account}")
        try:
            found = json.loads(text) if text else []
        except ValueError:
            found = []
        return {str(d) for d in found if isinstance(d, str)} if isinstance(found, list) else set()

    def remember(self, gateway: str, registered: bool) -> None:
        """Keep in the store that we are (or no longer are) registered with ``gateway``."""
        if registered:
            self.registered.add(gateway)
        else:
            self.registered.discard(gateway)
        value = json.dumps(sorted(self.registered))
        self.session.store.set_setting(f"{REGISTERED_SETTING}:{self.account}", value)

    # -- subscriptions from a gateway we registered with ----------------------------------

    def preauthorized(self, jid: str) -> bool:
        """Whether a presence subscription request from ``jid`` is accepted without asking:
        it is a gateway we registered with (in this run, or in our roster as one we asked to
        see), or one of its contacts."""
        try:
            domain = JID.parse(jid).domain
        except ValueError:
            return False
        roster = self.session.client.client_roster
        item = roster[domain] if domain in roster else None  # noqa: SIM401 (indexing adds it)
        return preauthorized(
            domain,
            registered=self.registered,
            networks=self.networks,
            subscription=item["subscription"] if item is not None else None,
            pending_out=bool(item is not None and item["pending_out"]),
        )

    def stop(self) -> None:
        """Forget the old client: cancel the bus subscriptions and the questions in flight."""
        for subscription in self.subscriptions:
            subscription.cancel()
        self.subscriptions.clear()
        for task in list(self._tasks):
            task.cancel()


def install(session: Session) -> Gateways:
    """Give ``session`` gateway support: XEP-0077 stanzas, network labels for its roster."""
    for name in ("xep_0004", "xep_0077"):
        session.client.register_plugin(name)
    session.client.plugin["xep_0077"].create_account = False
    old = session.gateways
    if old is not None:
        old.stop()
    gateways = Gateways(session, old)
    gateways.subscriptions = [
        session.bus.subscribe(ev.RosterReceived, gateways.on_roster),
        session.bus.subscribe(ev.ContactChanged, gateways.on_contact),
    ]
    session.gateways = gateways
    return gateways


# -- registration (XEP-0077 with a gateway, XEP-0100 §4.1, §4.3) ------------------------------


async def _ask(session: Session, action: str, iq: Any) -> Any:
    try:
        return await iq.send(timeout=TIMEOUT)
    except IqError as exc:
        error = exc.iq["error"]
        words = condition_words(error["condition"] or "", error["text"] or "")
        raise GatewayError(f"cannot {action}: {words}") from None
    except IqTimeout:
        raise GatewayError(f"cannot {action}: the gateway did not answer in time") from None


def _register_iq(session: Session, gateway: str, kind: str) -> Any:
    iq = session.client.Iq()
    iq["type"] = kind
    iq["to"] = gateway
    iq.enable("register")
    return iq


async def _registration(session: Session, gateway: str) -> tuple[Registration, bool]:
    """``gateway``'s registration form, and whether it is a data form (else legacy fields)."""
    result = await _ask(
        session, f"ask {gateway} how to register", _register_iq(session, gateway, "get")
    )
    query = result.xml.find(f"{{{NS_REGISTER}}}query")
    if query is None:
        raise GatewayError(f"{gateway} does not offer registration")
    registered = query.find(f"{{{NS_REGISTER}}}registered") is not None
    data = query.find(f"{{{NS_DATA}}}x")
    form = form_from_xml(data, result.xml) if data is not None else legacy_form(query)
    return Registration(form, registered), data is not None


async def registration_form(session: Session, gateway: str) -> Registration:
    """Ask ``gateway`` how to register: its data form, or a form made of the legacy fields it
    names (XEP-0077 §3.1), and whether we are registered already."""
    registration, _data = await _registration(session, gateway)
    return registration


async def register(session: Session, gateway: str, answer: Form) -> None:
    """Register with ``gateway`` giving the values of ``answer`` (a filled form or its
    submission), then add it to the roster and ask for its presence; its contacts follow as
    it adds them (XEP-0100 §4.1.1). The gateway's form is asked afresh and checked first."""
    registration, data = await _registration(session, gateway)
    form = registration.form
    answers = checked_answers(form, answer)
    iq = _register_iq(session, gateway, "set")
    if data:
        iq["register"].xml.append(form_to_xml(submission(form, answers)))
    else:
        for field in form.answerable:
            values = answers.get(field.var, field.values)
            iq["register"][field.var] = values[0] if values else ""
    registered = session.gateways.registered if session.gateways is not None else set()
    registered.add(gateway)  # its requests may come before the answer
    try:
        await _ask(session, f"register with {gateway}", iq)
    except GatewayError:
        registered.discard(gateway)
        raise
    if session.gateways is not None:
        session.gateways.remember(gateway, True)
    with map_exceptions(f"add {gateway} to the roster"):
        await session.client.update_roster(gateway, name=None)
    session.client.send_presence(pto=gateway, ptype="subscribe")


async def unregister(session: Session, gateway: str) -> list[str]:
    """Cancel the registration with ``gateway`` and remove it and its contacts from the roster
    (XEP-0100 §4.3); return the JIDs removed."""
    iq = _register_iq(session, gateway, "set")
    iq["register"]["remove"] = True
    await _ask(session, f"unregister from {gateway}", iq)
    if session.gateways is not None:
        session.gateways.remember(gateway, False)
    roster = session.client.client_roster
    gone = [
        str(jid)
        for jid in list(roster)
        if str(jid) == gateway or JID.parse(str(jid)).domain == gateway
    ]
    for jid in gone:
        with map_exceptions(f"remove {jid} from the roster"):
            await session.client.del_roster_item(jid)
    return gone
