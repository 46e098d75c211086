"""Provides the roster and presence of contacts (RFC 6121): contacts, pushes, subscriptions.

Installed on every session before the optional features. It keeps the roster cache in the
store in step with the server and publishes ``RosterReceived``, ``ContactChanged``,
``ContactRemoved``, ``PresenceChanged`` and ``SubscriptionRequested``. Room presences (with a
MUC ``<x/>``) are left to the room feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat.model import JID, Contact, Show, Subscription

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

NS_MUC_USER = "http://jabber.org/protocol/muc#user"
SHOWS = {"": Show.ONLINE, "chat": Show.CHAT, "away": Show.AWAY, "xa": Show.XA, "dnd": Show.DND}


def presence_args(show: Show, status: str) -> dict[str, str]:
    """slixmpp's ``send_presence`` arguments for our presence (plain "online" has no show)."""
    args: dict[str, str] = {}
    if show not in (Show.ONLINE, Show.OFFLINE):
        args["pshow"] = show.value
    if status:
        args["pstatus"] = status
    return args


def _item_pending_out(item: Any) -> bool:
    try:
        return bool(item["pending_out"])
    except KeyError:
        return False


def contact_from_item(jid: str, item: Any) -> Contact:
    """A :class:`Contact` from a slixmpp roster item (mapping-like)."""
    try:
        subscription = Subscription(item["subscription"] or "none")
    except ValueError:
        subscription = Subscription.NONE
    return Contact(
        jid=str(JID.parse(jid).bare),
        name=item["name"] or "",
        groups=tuple(sorted(item["groups"] or ())),
        subscription=subscription,
        pending_out=_item_pending_out(item),
    )


def contact_from_push(jid: str, item: dict[str, Any]) -> Contact:
    """A :class:`Contact` from one item of a roster push."""
    try:
        subscription = Subscription(item.get("subscription") or "none")
    except ValueError:
        subscription = Subscription.NONE
    return Contact(
        jid=str(JID.parse(jid).bare),
        name=item.get("name") or "",
        groups=tuple(sorted(item.get("groups") or ())),
        subscription=subscription,
        pending_out=item.get("ask") == "subscribe",
    )


def accept_subscription(client: Any, bare: str) -> None:
    """Let ``bare`` see our presence, and ask to see theirs unless we do or asked already."""
    client.send_presence(pto=bare, ptype="subscribed")
    item = client.client_roster[bare]
    if item["subscription"] in ("none", "from") and not item["pending_out"]:
        client.send_presence(pto=bare, ptype="subscribe")


class Roster:
    """One session's roster and contact presence, as events and a cache in the store."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.account: str = session.account

    def _contacts(self) -> list[Contact]:
        roster = self.session.client.client_roster
        return [
            contact_from_item(str(jid), roster[jid])
            for jid in roster
            if str(JID.parse(str(jid)).bare) != self.account
        ]

    def publish(self) -> None:
        """Cache the whole roster and publish it (after it was fetched)."""
        contacts = self._contacts()
        self.session.store.save_roster(self.account, contacts)
        self.session.bus.publish(ev.RosterReceived(self.account, tuple(contacts)))

    def on_roster_update(self, iq: Any) -> None:
        """A roster push (slixmpp already checked it came from our own account)."""
        bus = self.session.bus
        for jid, item in iq["roster"]["items"].items():
            bare = str(JID.parse(str(jid)).bare)
            if item.get("subscription") == "remove":
                bus.publish(ev.ContactRemoved(self.account, bare))
            else:
                bus.publish(ev.ContactChanged(self.account, contact_from_push(bare, item)))
        self.session.store.save_roster(self.account, self._contacts())

    def on_presence(self, presence: Any) -> None:
        """A contact's resource changed availability or status."""
        if presence.xml.find(f"{{{NS_MUC_USER}}}x") is not None:
            return  # room presence: the room feature handles it
        sender = str(presence["from"])
        kind = presence["type"]  # slixmpp reports the <show/> as the type of an available one
        if not sender or kind in ("subscribe", "subscribed", "unsubscribe", "unsubscribed"):
            return
        if kind in ("error", "probe"):
            return
        show = (
            Show.OFFLINE
            if kind == "unavailable"
            else SHOWS.get(presence["show"] or "", Show.ONLINE)
        )
        try:
            priority = int(presence["priority"] or 0)
        except ValueError:
            priority = 0
        self.session.bus.publish(
            ev.PresenceChanged(self.account, sender, show, presence["status"] or "", priority)
        )

    def on_subscribe(self, presence: Any) -> None:
        """Someone asks to see our presence: the user decides (auto-authorize is off), except
        for a gateway we registered with and its contacts (XEP-0100 §4.1.1)."""
        jid = str(JID.parse(str(presence["from"])).bare)
        gateways = self.session.gateways
        if gateways is not None and gateways.preauthorized(jid):
            accept_subscription(self.session.client, jid)
            return
        self.session.bus.publish(
            ev.SubscriptionRequested(self.account, jid, presence["status"] or "")
        )


def install(session: Session) -> Roster:
    """The roster of ``session``'s new client (its handlers are in :mod:`tuichat.xmpp.handlers`)."""
    return Roster(session)
