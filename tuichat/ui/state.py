"""Provides the UI's pure state: roster with presence, unread counts, open conversations, drafts.

No Textual here: screens feed bus events in and read rows out, and the tests drive it directly.
A conversation is keyed by ``(account, conversation)``, both normalised bare JID strings.
Rule: a contact's shown presence is that of its best resource (highest priority, then the most
available show); with no available resource it is offline.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tuichat.model import JID, Contact, InvalidJID, Show, Subscription
from tuichat.records import record
from tuichat.ui.fuzzy import score

ConvKey = tuple[str, str]
"""``(account, conversation)``."""

NOT_IN_ROSTER = "Not in roster"
NO_GROUP = "Contacts"

_AVAILABILITY = {
    Show.CHAT: 0,
    Show.ONLINE: 1,
    Show.AWAY: 2,
    Show.DND: 3,
    Show.XA: 4,
    Show.OFFLINE: 5,
}


@dataclass(frozen=True, slots=True)
class Presence:
    """A contact's shown presence."""

    show: Show = Show.OFFLINE
    status: str = ""


MAX_STRANGERS = 40
"""Conversations with people not in the roster listed per account (the busiest first)."""


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One line of the roster list."""

    kind: Literal["account", "group", "contact", "folded", "room", "private", "invite"]
    account: str
    jid: str = ""
    label: str = ""
    """Account JID, group name, contact display name, or the folded-count words."""
    presence: Presence = Presence()
    status: str = ""
    unread: int = 0
    note: str = ""
    """Subscription note: ``asks to subscribe``, ``awaiting answer``, ``no presence``…"""
    request: bool = False
    """The contact asked to see our presence and we have not answered."""
    mentions: int = 0
    """Rooms: unseen messages that mention our nick (counted apart from ``unread``)."""
    joined: bool = False
    """Rooms: we are in it now."""
    network: str = ""
    """Contacts on a gateway: the network it leads to (``irc``, ``telegram``…)."""

    @property
    def key(self) -> ConvKey:
        """The conversation key of a contact, room or private chat row."""
        return (self.account, self.jid)


@record
class _Resource:
    show: Show
    status: str
    priority: int


@dataclass
class RosterState:
    """Contacts, presence and subscription requests of every account."""

    contacts: dict[str, dict[str, Contact]] = field(default_factory=dict)
    resources: dict[ConvKey, dict[str, _Resource]] = field(default_factory=dict)
    requests: dict[ConvKey, str] = field(default_factory=dict)
    networks: dict[tuple[str, str], str] = field(default_factory=dict)
    """``(account, domain)`` → the network of the gateway at ``domain`` (``GatewayIdentified``)."""

    def set_network(self, account: str, domain: str, network: str) -> None:
        """Label the contacts of ``account`` on ``domain`` with ``network``."""
        self.networks[(account, domain)] = network

    def network(self, account: str, jid: str) -> str:
        """The network of ``jid``'s gateway, "" when it is not on a known gateway."""
        if not self.networks:
            return ""
        try:
            domain = JID.parse(jid).domain
        except InvalidJID:
            return ""
        return self.networks.get((account, domain), "")

    def set_roster(self, account: str, contacts: Iterable[Contact]) -> None:
        """Replace the roster of ``account``."""
        self.contacts[account] = {c.jid: c for c in contacts}

    def upsert(self, account: str, contact: Contact) -> None:
        """Add or change one contact."""
        self.contacts.setdefault(account, {})[contact.jid] = contact

    def remove(self, account: str, jid: str) -> None:
        """Drop a contact (and its presence)."""
        self.contacts.get(account, {}).pop(jid, None)
        self.resources.pop((account, jid), None)

    def set_presence(
        self, account: str, full_jid: str, show: Show, status: str = "", priority: int = 0
    ) -> str:
        """Record one resource's presence; return the contact's bare JID."""
        try:
            parsed = JID.parse(full_jid)
        except InvalidJID:
            return full_jid
        bare = str(parsed.bare)
        resources = self.resources.setdefault((account, bare), {})
        if show is Show.OFFLINE:
            if parsed.resource:
                resources.pop(parsed.resource, None)
            else:
                resources.clear()
        else:
            resources[parsed.resource] = _Resource(show, status, priority)
        return bare

    def presence(self, account: str, jid: str) -> Presence:
        """The shown presence of ``jid`` on ``account``."""
        resources = self.resources.get((account, jid))
        if not resources:
            return Presence()
        best = min(resources.values(), key=lambda r: (-r.priority, _AVAILABILITY[r.show]))
        return Presence(best.show, best.status)

    def add_request(self, account: str, jid: str, message: str = "") -> None:
        """Remember a subscription request until it is answered."""
        self.requests[(account, jid)] = message

    def drop_request(self, account: str, jid: str) -> None:
        """Forget a subscription request (answered)."""
        self.requests.pop((account, jid), None)

    def contact(self, account: str, jid: str) -> Contact | None:
        """The roster entry, if ``jid`` is in the roster of ``account``."""
        return self.contacts.get(account, {}).get(jid)

    def display_name(self, account: str, jid: str) -> str:
        """The roster name of ``jid``, else the JID itself."""
        contact = self.contact(account, jid)
        return contact.display_name if contact else jid

    def all_contacts(self) -> list[ConvKey]:
        """Every ``(account, jid)`` in every roster."""
        return [(a, j) for a, contacts in self.contacts.items() for j in contacts]

    def rows(
        self,
        accounts: Sequence[str],
        *,
        query: str = "",
        show_offline: bool = False,
        unread: Mapping[ConvKey, int] | None = None,
        extra: Iterable[ConvKey] = (),
    ) -> list[RosterRow]:
        """The roster rows: per account, per group, contacts sorted by availability then name.

        ``extra`` adds conversations that are not in the roster (a stranger wrote). Offline
        contacts are folded into one line per account unless ``show_offline`` or a ``query`` is
        given; a contact with unread messages, a pending request or in ``extra`` (open
        conversations) is always shown.
        """
        unread = unread or {}
        extra_set = set(extra) | set(self.requests)
        out: list[RosterRow] = []
        for account in accounts:
            groups: dict[str, list[RosterRow]] = {}
            folded = 0
            members = dict(self.contacts.get(account, {}))
            strangers = [j for (a, j) in extra_set if a == account and j not in members]
            for contact in members.values():
                row = self._contact_row(account, contact, unread)
                if query and not _matches(query, row):
                    continue
                if not (show_offline or query) and _foldable(row) and row.key not in extra_set:
                    folded += 1
                    continue
                for group in contact.groups or (NO_GROUP,):
                    groups.setdefault(group, []).append(row)
            # Thousands of old conversations with strangers would bury the list (and cost a
            # rebuild each time): show the busiest few; Ctrl+K and the filter find the rest.
            # Their order needs no row (a stranger's label is the JID): rows for those shown.
            hidden_strangers = 0
            if not query:  # the busiest, then those asking to subscribe, then by JID
                ranked = [
                    (-unread.get((account, j), 0), (account, j) not in self.requests, j)
                    for j in strangers
                ]
                busiest = heapq.nsmallest(MAX_STRANGERS, ranked)
                hidden_strangers = len(strangers) - len(busiest)
                strangers = [j for *_, j in busiest]
            stranger_rows = [
                self._contact_row(account, Contact(jid=j), unread, member=False) for j in strangers
            ]
            if query:
                stranger_rows = [row for row in stranger_rows if _matches(query, row)]
                stranger_rows.sort(key=lambda r: (-r.unread, not r.request, r.label))
            for row in stranger_rows:
                groups.setdefault(NOT_IN_ROSTER, []).append(row)
            out.append(RosterRow(kind="account", account=account, label=account))
            for name in sorted(groups, key=_group_order):
                out.append(RosterRow(kind="group", account=account, label=name))
                out.extend(sorted(groups[name], key=_contact_order))
            if hidden_strangers:
                label = f"{hidden_strangers} more conversations: Ctrl+K or the filter finds them"
                out.append(RosterRow(kind="folded", account=account, label=label))
            if folded:
                label = f"{folded} offline hidden"
                out.append(RosterRow(kind="folded", account=account, label=label))
        return out

    def _contact_row(
        self, account: str, contact: Contact, unread: Mapping[ConvKey, int], *, member: bool = True
    ) -> RosterRow:
        """``contact``'s row; not a ``member`` of the roster, it has no subscription to tell of
        (the "Not in roster" group says it) unless it asks for one."""
        presence = self.presence(account, contact.jid)
        key = (account, contact.jid)
        request = key in self.requests
        return RosterRow(
            kind="contact",
            account=account,
            jid=contact.jid,
            label=contact.display_name,
            presence=presence,
            status=presence.status,
            unread=unread.get(key, 0),
            note=_subscription_note(contact, request, member and account in self.contacts),
            request=request,
            network=self.network(account, contact.jid),
        )


def _subscription_note(contact: Contact, request: bool, known_account: bool) -> str:
    if request:
        return "asks to subscribe"
    if contact.pending_out:
        return "awaiting answer"
    if not known_account:
        return ""
    if contact.subscription in (Subscription.NONE, Subscription.FROM):
        return "no presence"
    return ""


def _foldable(row: RosterRow) -> bool:
    return row.presence.show is Show.OFFLINE and not row.unread and not row.request


def _matches(query: str, row: RosterRow) -> bool:
    return any(score(query, text) is not None for text in (row.label, row.jid, row.network) if text)


def _group_order(name: str) -> tuple[int, str]:
    return (1 if name == NOT_IN_ROSTER else 0, name.casefold())


def _contact_order(row: RosterRow) -> tuple[int, str, str]:
    return (_AVAILABILITY[row.presence.show], row.label.casefold(), row.jid)


@record(frozen=True)
class WindowMark:
    """One open conversation in the window list: its number and how it stands."""

    number: int
    current: bool = False
    unread: bool = False
    mention: bool = False


@dataclass
class Conversations:
    """Open conversations by number, the one in view, unread counts, drafts and last sent.

    Rule: a conversation keeps its number while it is open (Alt+N and ``/win N`` always reach
    it); closing one leaves a gap, which the next conversation opened fills (lowest first).
    """

    open: list[ConvKey] = field(default_factory=list)
    """The open conversations, in the order of their numbers."""
    current: ConvKey | None = None
    unread: dict[ConvKey, int] = field(default_factory=dict)
    drafts: dict[ConvKey, str] = field(default_factory=dict)
    last_sent: dict[ConvKey, str] = field(default_factory=dict)
    numbers: dict[ConvKey, int] = field(default_factory=dict)
    """Each open conversation's number (1-based)."""

    def _number_all(self) -> None:
        """Give every open conversation a number (the lowest free), forget closed ones'."""
        for key in [k for k in self.numbers if k not in self.open]:
            del self.numbers[key]
        for key in dict.fromkeys(self.open):
            if key not in self.numbers:
                taken = set(self.numbers.values())
                self.numbers[key] = next(n for n in range(1, len(taken) + 2) if n not in taken)
        self.open = sorted(dict.fromkeys(self.open), key=self.numbers.__getitem__)

    def number(self, key: ConvKey) -> int:
        """The number of the open conversation ``key`` (0 when it is not open)."""
        self._number_all()
        return self.numbers.get(key, 0)

    def show(
        self, key: ConvKey, composer: str = "", *, seen: bool = True, typed_ahead: bool = False
    ) -> str:
        """Open ``key`` (numbered if new) and put it in view; its unread count resets unless
        it is not ``seen`` yet (put back in view at start-up). The text for the composer.

        ``composer``: what the composer holds, kept as the draft of the conversation leaving
        view; but ``typed_ahead`` (typed while the line that opens ``key``, ``/msg``, ran: the
        line itself had emptied the composer) it follows the user to ``key``.
        """
        if typed_ahead:
            composer = self.drafts.pop(key, "") + composer
        elif self.current is not None and self.current != key:
            self.drafts[self.current] = composer
        if key not in self.open:
            self.open.append(key)
        self._number_all()
        self.current = key
        if seen:
            self.unread.pop(key, None)
        return composer if typed_ahead else self.drafts.pop(key, "")

    def close(self, key: ConvKey) -> ConvKey | None:
        """Close ``key``; return the conversation to show instead (or ``None``)."""
        self._number_all()
        if key not in self.open:
            return self.current
        index = self.open.index(key)
        self.open.remove(key)
        self._number_all()
        self.drafts.pop(key, None)
        if self.current != key:
            return self.current
        self.current = None
        if not self.open:
            return None
        return self.open[min(index, len(self.open) - 1)]

    def add_unread(self, key: ConvKey, count: int = 1) -> int:
        """Count ``count`` more unread messages in ``key``; return the new count."""
        self.unread[key] = self.unread.get(key, 0) + count
        return self.unread[key]

    @property
    def total_unread(self) -> int:
        """Unread messages over every conversation."""
        return sum(self.unread.values())

    def nth(self, number: int) -> ConvKey | None:
        """The open conversation numbered ``number``, if there is one."""
        self._number_all()
        return next((k for k, n in self.numbers.items() if n == number), None)

    def windows(self, mentions: Mapping[ConvKey, int]) -> tuple[WindowMark, ...]:
        """The window list: each open conversation's number, in view, unread, mentioned."""
        self._number_all()
        return tuple(
            WindowMark(
                self.numbers[key],
                current=key == self.current,
                unread=bool(self.unread.get(key)),
                mention=bool(mentions.get(key)),
            )
            for key in self.open
        )

    def step(self, delta: int) -> ConvKey | None:
        """The open conversation ``delta`` places from the current one (wrapping)."""
        self._number_all()
        if not self.open:
            return None
        if self.current not in self.open:
            return self.open[0]
        index = self.open.index(self.current)
        return self.open[(index + delta) % len(self.open)]

    def next_unread(self, order: Sequence[ConvKey], delta: int = 1) -> ConvKey | None:
        """The next (or previous, ``delta=-1``) conversation with unread messages.

        ``order`` is the order to walk (open conversations first, then the roster's).
        """
        with_unread = [k for k in dict.fromkeys(order) if self.unread.get(k)]
        with_unread += [k for k in self.unread if self.unread[k] and k not in with_unread]
        if not with_unread:
            return None
        if self.current not in with_unread:
            return with_unread[0] if delta > 0 else with_unread[-1]
        index = with_unread.index(self.current)
        return with_unread[(index + delta) % len(with_unread)]
