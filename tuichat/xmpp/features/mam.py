"""Provides archive catch-up (XEP-0313 MAM with XEP-0059 paging).

Catch-up is bound by round trips and by the server's work per page, so a gap is paged from
both ends at once (forward from our position, backward from the newest message) until the
two pagers meet on an archive id: one query is always being answered while we read the other.
Each page is stored in one transaction while the next request is in flight. The first sync
of an account pages backwards from the newest message; older history is fetched on demand
(:meth:`ArchiveSync.fetch_older`).

Trust: a result counts only when it comes from the archive we queried (our own bare JID, or
empty, for the account's archive; the room's JID for a room) and carries our query's id.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slixmpp.exceptions import IqError, IqTimeout

from tuichat import events as ev
from tuichat.model import JID, ConnectionState, InvalidJID, Message, utcnow
from tuichat.records import record
from tuichat.store import Store
from tuichat.xmpp import parse

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session

log = logging.getLogger(__name__)

NS_MAM = "urn:xmpp:mam:2"
PAGE_REQUEST = 250
"""What we ask per page; the server clamps it to its own cap (Prosody: 50 by default)."""


@record(frozen=True)
class Page:
    """One answered query: the messages it held and where it ended."""

    raw: list[Any]
    """The result stanzas as they came; :meth:`ArchiveSync.messages` converts them."""
    first: str | None
    last: str | None
    complete: bool
    archive: str = ""
    """The archive that answered (its converter turns the results into messages)."""


def page_ids(page: Page) -> list[str]:
    """The archive ids of a page's results, in order."""
    out = []
    for stanza in page.raw:
        result = stanza.xml.find(f"{{{NS_MAM}}}result")
        out.append(result.get("id", "") if result is not None else "")
    return out


def meeting_point(ids: Sequence[str], other: set[str]) -> int:
    """How many of ``ids`` come before the first one the other pager already holds."""
    for index, archive_id in enumerate(ids):
        if archive_id in other:
            return index
    return len(ids)


def newer_than(ids: Sequence[str], known: set[str]) -> int:
    """Where the ids newer than the last one in ``known`` begin (0 when none is known)."""
    for index in range(len(ids) - 1, -1, -1):
        if ids[index] in known:
            return index + 1
    return 0


async def _let_it_leave() -> None:
    """Yield until a query just scheduled is on the wire: its task queues the stanza, then
    slixmpp's sender task writes it. Without this the page we are about to store would run
    first, and the server would sit idle while we work."""
    for _ in range(3):
        await asyncio.sleep(0)


def catch_up_floor(held: Iterable[datetime], now: datetime) -> datetime | None:
    """The newest of the ``held`` message times that is not in the future, or ``None``.

    Caught-up messages are filed after it (see :meth:`ArchiveSync._after_what_we_hold`). A
    time later than ``now`` can only come from a stamp a sender invented (stored before such
    stamps were clamped): it must not push every caught-up message after it.
    """
    return max((t for t in held if t <= now), default=None)


def failure_words(exc: BaseException) -> str:
    """Why a catch-up failed, in words (the server's error condition, a timeout, …)."""
    if isinstance(exc, IqTimeout):
        return "the server did not answer the archive query"
    condition = getattr(exc, "condition", "")
    if condition:
        text = getattr(exc, "text", "")
        return f"the server refused the archive query ({condition}{': ' + text if text else ''})"
    return str(exc) or type(exc).__name__


def result_from_archive(from_: str, archive: str, account: str) -> bool:
    """Whether a result's outer ``from`` is the archive we asked (own archive: empty is ours)."""
    if not from_:
        return archive == account
    try:
        return JID.parse(from_).bare == JID.parse(archive).bare
    except InvalidJID:
        return False


ToMessage = Callable[..., Message | None]
"""``to_message(envelope, account, *, now, archive_stanza_id, archive_stamp)``."""


@dataclass
class _Query:
    archive: str
    results: list[Any] = field(default_factory=list)


class ArchiveSync:
    """Catches one account up with its archives, storing and publishing what is new."""

    def __init__(
        self,
        client: Any,
        account: str,
        store_page: Callable[[Sequence[Message]], object],  # or an awaitable
        publish: Callable[[ev.Event], None],
        *,
        initial_depth: int = 10_000,
        back_depth: int = 5_000,
        timeout: float = 60.0,
        to_message: ToMessage | None = None,
    ) -> None:
        self.client = client
        self.account = account
        self.store_page = store_page
        self.publish = publish
        self.initial_depth = initial_depth
        self.back_depth = back_depth
        """At most this many messages are held by the backward pager of a catch-up."""
        self.timeout = timeout
        self.to_message: ToMessage = to_message or parse.chat_message
        self.converters: dict[str, ToMessage] = {}
        """Archive → how its results become messages, when not :attr:`to_message` (a room's
        results are room messages of that room)."""
        self._queries: dict[str, _Query] = {}
        self._newest: datetime | None = None
        self.floors: dict[str, datetime] = {}
        """Archive → the newest time we held when its gap began; caught-up messages sort
        after it (see :meth:`hold_floor`)."""
        # An incoming filter, not a handler: results are taken before slixmpp matches each
        # one against every registered handler, which was most of the client's time per page.
        # Stream management counts them first (its filter was registered before this one).
        client.add_filter("in", self._take_result)

    def _take_result(self, stanza: Any) -> Any:
        """Keep a result of one of our queries (returning ``None`` ends its processing)."""
        if not self._queries or stanza.xml.tag != "{jabber:client}message":
            return stanza
        result = stanza.xml.find(f"{{{NS_MAM}}}result")
        query = self._queries.get(result.get("queryid", "")) if result is not None else None
        if query is None:
            return stanza  # not an answer to a query of ours
        if result_from_archive(str(stanza["from"]), query.archive, self.account):
            query.results.append(stanza)
        else:
            log.warning("%s: dropped an archive result forged by %s", self.account, stanza["from"])
        return None

    def _convert(self, stanza: Any, archive: str) -> Message | None:
        result = stanza["mam_result"]
        forwarded = result["forwarded"]
        inner = forwarded["stanza"]
        delay = forwarded.xml.find(f"{{{parse.NS_DELAY}}}delay")
        stamp = parse.parse_stamp(delay.get("stamp")) if delay is not None else None
        to_message = self.converters.get(archive, self.to_message)
        return to_message(
            parse.envelope(inner),
            self.account,
            now=utcnow(),
            archive_stanza_id=result["id"] or None,
            archive_stamp=stamp,
        )

    async def query(
        self,
        archive: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        after: str | None = None,
        before: str | bool | None = None,
        with_jid: str | None = None,
        max_items: int = PAGE_REQUEST,
    ) -> Page:
        """Ask one page of ``archive`` and return it converted (nothing stored yet)."""
        iq = self.client.make_iq_set(ito=None if archive == self.account else archive)
        queryid = f"tc-{uuid.uuid4().hex[:12]}"
        iq["mam"]["queryid"] = queryid
        if start is not None:
            iq["mam"]["start"] = start
        if end is not None:
            iq["mam"]["end"] = end
        if with_jid is not None:
            iq["mam"]["with"] = with_jid
        rsm = iq["mam"]["rsm"]
        rsm["max"] = str(max_items)
        if after:
            rsm["after"] = after
        if before is True:
            rsm["before"] = True  # empty <before/>: the last page
        elif before:
            rsm["before"] = before
        query = self._queries[queryid] = _Query(archive)
        try:
            answer = await iq.send(timeout=self.timeout)
        finally:
            self._queries.pop(queryid, None)
        fin = answer["mam_fin"]
        return Page(
            raw=query.results,
            first=fin["rsm"]["first"] or None,
            last=fin["rsm"]["last"] or None,
            complete=str(fin["complete"]).lower() in ("true", "1"),
            archive=archive,
        )

    def messages(self, page: Page) -> list[Message]:
        """The domain messages of a page (results that are not chat messages left out).

        A result we cannot read is left out too, with a warning: the archive returns it again
        on every catch-up, so letting it abort the page would block catch-up for good.
        """
        out = []
        for stanza in page.raw:
            try:
                message = self._convert(stanza, page.archive)
            except Exception:  # anything a hostile sender managed to get archived
                log.warning("%s: skipped an archive result we cannot read", self.account)
                log.debug("unreadable archive result", exc_info=True)
                continue
            if message is not None:
                out.append(message)
        return out

    def hold_floor(self, archive: str, held: Iterable[datetime]) -> None:
        """Note the times of what we hold from ``archive`` as its gap begins (the account's
        own archive: every conversation; a room's: that room)."""
        floor = catch_up_floor(held, utcnow())
        if floor is None:
            self.floors.pop(archive, None)
        else:
            self.floors[archive] = floor

    def _after_what_we_hold(self, messages: list[Message], archive: str) -> list[Message]:
        """Keep caught-up messages after what we held when the gap began.

        Archive stamps have whole seconds while live messages carry the time we got them, so
        a message archived in the same second as the last one we saw would otherwise sort
        before it. Messages that arrive live during the catch-up are newer than the gap, and
        the floored archive stamps keep the gap before them.
        """
        floor = self.floors.get(archive)
        if floor is None:
            return messages
        after = floor + timedelta(microseconds=1)
        return [m if m.timestamp > floor else replace(m, timestamp=after) for m in messages]

    async def _keep(
        self, page: Page, archive: str, fetched: list[int], forward: bool = True
    ) -> None:
        await self._keep_messages(self.messages(page), len(page.raw), archive, fetched, forward)

    async def _keep_messages(
        self,
        messages: list[Message],
        results: int,
        archive: str,
        fetched: list[int],
        forward: bool = True,
    ) -> None:
        if forward:
            messages = self._after_what_we_hold(messages, archive)
        stored = self.store_page(messages)
        if inspect.isawaitable(stored):  # encrypted messages are decrypted as they are stored
            await stored
        fetched[0] += results
        for message in messages:
            if self._newest is None or message.timestamp > self._newest:
                self._newest = message.timestamp
        self.publish(ev.ArchiveSyncProgressed(self.account, archive, fetched[0]))

    async def _from_both_ends(
        self, archive: str, position: str | None, since: datetime | None, fetched: list[int]
    ) -> str | None:
        """Page the gap after ``position`` from both ends at once, until the two meet.

        The server answers one query while we read the other's page, where a single pager
        leaves it idle. The forward pager stores each page as it comes; the backward one
        (newest first) holds its pages, at most ``back_depth`` messages, and they are stored
        once the two met, oldest first, so the store receives the gap in the server's order.
        The two meet exactly on archive ids: no guess about the server's clock.
        """
        back_pages: list[tuple[list[Message], int]] = []  # converted: stanzas weigh far more
        back_ids: set[str] = set()
        front_ids: set[str] = set()
        newest: str | None = None
        front_done = asyncio.Event()

        async def backward() -> None:
            nonlocal newest
            page = await self.query(archive, before=True)
            newest = page.last
            held = 0
            while not front_done.is_set():
                ids = page_ids(page)
                known = front_ids | ({position} if position else set())
                start = newer_than(ids, known)
                meets = start > 0
                if meets:  # keep only what lies after the position / the forward pager's reach
                    page, ids = replace(page, raw=page.raw[start:]), ids[start:]
                back_pages.append((self.messages(page), len(page.raw)))
                back_ids.update(ids)
                held += len(ids)
                if meets or page.complete or not page.first or held >= self.back_depth:
                    return
                page = await self.query(archive, before=page.first)

        back = asyncio.ensure_future(backward())
        await _let_it_leave()
        try:
            last = await self._front(archive, position, since, fetched, front_ids, back_ids)
        except BaseException:
            back.cancel()
            raise
        finally:
            front_done.set()
        await back
        for messages, results in reversed(back_pages):  # oldest first; duplicates of the front
            await self._keep_messages(messages, results, archive, fetched)
        return newest or last

    async def _front(
        self,
        archive: str,
        position: str | None,
        since: datetime | None,
        fetched: list[int],
        front_ids: set[str],
        back_ids: set[str],
    ) -> str | None:
        """The forward pager of :meth:`_from_both_ends`; stops where the backward one began."""
        try:
            page = await self.query(archive, after=position, start=None if position else since)
        except IqError as exc:
            if not position or exc.iq["error"]["condition"] != "item-not-found":
                raise
            # Our position expired from the archive (Prosody keeps a week by default, and caps
            # the item count): fall back to the time it was stored at, and page from there.
            log.info("%s: archive position %s is gone; catching up by time", self.account, position)
            position = None
            page = await self.query(archive, start=since)
        last = position
        while True:
            ids = page_ids(page)
            cut = meeting_point(ids, back_ids)
            if cut < len(ids):
                page = replace(page, raw=page.raw[:cut], complete=True)
            pending: asyncio.Task[Page] | None = None
            if not page.complete and page.last:
                pending = asyncio.ensure_future(self.query(archive, after=page.last))
                await _let_it_leave()
            await self._keep(page, archive, fetched)
            front_ids.update(ids[:cut])
            last = ids[cut - 1] if cut else last
            if pending is None:
                return last
            page = await pending

    async def sync(self, store: Store, archive: str, *, both_ends: bool = True) -> int:
        """Catch up ``archive`` (the account's own, or a room's) from the position ``store``
        keeps, then keep the new position there; return how many results came. The one way
        both archives are caught up; failures are the caller's to report."""
        key = f"archive-time:{self.account}:{archive}"
        since_text = store.get_setting(key)
        position = store.archive_position(self.account, archive)
        since = datetime.fromisoformat(since_text) if since_text else None
        newest, stamp, count = await self.catch_up(archive, position, since, both_ends=both_ends)
        if newest and newest != position:
            store.set_archive_position(self.account, archive, newest)
        if stamp:
            store.set_setting(key, stamp.isoformat())
        return count

    async def catch_up(
        self,
        archive: str,
        position: str | None,
        since: datetime | None,
        *,
        both_ends: bool = True,
    ) -> tuple[str | None, datetime | None, int]:
        """Fetch what ``archive`` holds after ``position``; return the new position and count.

        ``since`` is the archive time of the message at ``position`` (the server's clock);
        the returned time is that of the newest message now held.

        Without a position (first sync), page back from the newest message, at most
        ``initial_depth`` messages. With one, the gap is paged from both ends at once (or only
        forward, for a gap known to be short: each query costs the server a full archive read).
        """
        fetched = [0]
        self._newest = since
        if position is None and since is None:
            # Page back from the newest message, then store oldest first: archive stamps have
            # whole seconds, so only the order we store them in keeps a busy second in order.
            depth = max(1, min(PAGE_REQUEST, self.initial_depth))
            pages = [await self.query(archive, before=True, max_items=depth)]
            newest = pages[0].last
            total = len(pages[0].raw)
            while not pages[-1].complete and pages[-1].first and total < self.initial_depth:
                pages.append(await self.query(archive, before=pages[-1].first, max_items=depth))
                total += len(pages[-1].raw)
                self.publish(ev.ArchiveSyncProgressed(self.account, archive, total))
            for page in reversed(pages):
                await self._keep(page, archive, fetched, forward=False)
            self.publish(ev.ArchiveSyncProgressed(self.account, archive, fetched[0], done=True))
            if newest is None:  # an empty archive: next time, everything in it is new
                return None, utcnow() - timedelta(days=1), 0
            return newest, self._newest, fetched[0]
        if both_ends:
            newest = await self._from_both_ends(archive, position, since, fetched)
        else:
            newest = await self._front(archive, position, since, fetched, set(), set())
        self.publish(ev.ArchiveSyncProgressed(self.account, archive, fetched[0], done=True))
        return newest or position, self._newest, fetched[0]


async def fetch_older(session: Session, conversation: str, limit: int = 100) -> int:
    """Backfill ``conversation`` from the account's archive, older than what we hold."""
    if session.archive is None or session.state != ConnectionState.CONNECTED:
        return 0
    held = session.store.oldest(session.account, conversation)
    try:
        page = await session.archive.query(
            session.account,
            with_jid=conversation,
            before=(held.stanza_id or True) if held else True,
            end=held.timestamp if held and not held.stanza_id else None,
            max_items=limit,
        )
    except IqError as exc:
        if exc.iq["error"]["condition"] != "item-not-found":
            raise
        # Our oldest message has expired from the archive: nothing older is left there.
        session.bus.publish(ev.HistoryFetched(session.account, conversation, 0, True))
        return 0
    newest_first = session.archive.messages(page)[::-1]
    saved = await session.deliver_batch(newest_first, announce=False, older=True)
    stored = [m for m in saved if m is not None]
    session.bus.publish(
        ev.HistoryFetched(session.account, conversation, len(stored), page.complete)
    )
    return len(stored)
