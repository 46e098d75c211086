"""Provides :class:`Blocklist`: the account's blocked JIDs (XEP-0191), and spam reports (XEP-0377).

The server keeps the list and refuses, for us, every stanza from a blocked JID (and to it).
The list is fetched on first need, then kept in step by the server's pushes, which reach every
resource of the account (a block made on another device shows here too). A push counts only
from our own account: anyone can address an ``<iq type='set'><unblock/></iq>`` to us.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tuichat import events as ev
from tuichat.client import Report
from tuichat.errors import ClientError
from tuichat.model import JID, InvalidJID
from tuichat.xmpp.errors import map_exceptions
from tuichat.xmpp.parse import is_from_own_account

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)


MAX_BLOCKED = 10_000
"""Entries beyond this in a list or a push are ignored (a hostile server cannot eat memory)."""


def item_jids(items: Any) -> list[str]:
    """The JIDs of a block/unblock/blocklist element's items, normalised, the unreadable left
    out (a domain or a full JID is a valid entry: XEP-0191 blocks those as given)."""
    found: list[str] = []
    for item in list(items)[:MAX_BLOCKED]:
        try:
            found.append(str(JID.parse(str(item["jid"]))))
        except InvalidJID:
            continue
    return found


def jid_of(text: str) -> str:
    """``text`` as a normalised JID, or a :class:`ClientError` saying it is not one."""
    try:
        return str(JID.parse(text))
    except InvalidJID:
        raise ClientError(f"not a JID: {text!r}") from None


class Blocklist:
    """One session's blocked JIDs, as the server tells it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.jids: set[str] | None = None
        """What the server blocks for us, once fetched (``None`` before)."""

    async def fetch(self) -> list[str]:
        """The blocked JIDs, sorted (asked of the server the first time)."""
        if self.jids is None:
            with map_exceptions("read the block list"):
                iq = await self.session.client.plugin["xep_0191"].get_blocked()
            self.jids = set(item_jids(iq["blocklist"]["items"]))
        return sorted(self.jids)

    async def block(self, jid: str, report: Report | None = None) -> None:
        """Block ``jid``; with ``report``, also report it to the server as spam or abuse."""
        target = jid_of(jid)
        client = self.session.client
        with map_exceptions(f"block {target}"):
            if report is None:
                await client.plugin["xep_0191"].block([target])
            else:
                await client.plugin["xep_0377"].report([target], report)
        self._changed(add=[target])

    async def unblock(self, jid: str) -> None:
        """Unblock ``jid``."""
        target = jid_of(jid)
        with map_exceptions(f"unblock {target}"):
            await self.session.client.plugin["xep_0191"].unblock([target])
        self._changed(remove=[target])

    def on_pushed_block(self, iq: Any) -> None:
        """The server says JIDs were blocked (by us, on this or another device)."""
        if self._answer(iq):
            self._changed(add=item_jids(iq["block"]["items"]))

    def on_pushed_unblock(self, iq: Any) -> None:
        """The server says JIDs were unblocked; no item at all means every one."""
        if not self._answer(iq):
            return
        jids = item_jids(iq["unblock"]["items"])
        self._changed(remove=jids if jids else sorted(self.jids or ()))

    def _answer(self, iq: Any) -> bool:
        """Acknowledge a push from our own account; refuse (and ignore) anyone else's."""
        if not is_from_own_account(str(iq["from"]), self.session.account):
            log.warning("%s: ignored a block list push from %s", self.session.account, iq["from"])
            reply = iq.reply(clear=True)
            reply["type"] = "error"
            reply["error"]["type"] = "cancel"
            reply["error"]["condition"] = "forbidden"
            reply.send()
            return False
        iq.reply(clear=True).send()
        return True

    def _changed(self, add: Sequence[str] = (), remove: Sequence[str] = ()) -> None:
        if self.jids is None:
            self.jids = set()
        before = set(self.jids)
        self.jids.update(add)
        self.jids.difference_update(remove)
        if self.jids != before:
            blocked = tuple(sorted(self.jids))
            self.session.bus.publish(ev.BlocklistChanged(self.session.account, blocked))


def install(session: Session) -> Blocklist:
    """The block list of ``session``'s new client (handlers in :mod:`tuichat.xmpp.handlers`)."""
    session.client.register_plugin("xep_0191")
    session.client.register_plugin("xep_0377")
    session.blocklist = Blocklist(session)
    return session.blocklist
