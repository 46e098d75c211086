"""Provides archive catch-up (XEP-0313 MAM with XEP-0059 paging).

Catch-up is bound by round trips, so a long gap is cut into time windows that are paged in
parallel, and each page is stored in one transaction while the next request is in flight.
The first sync of an account pages backwards from the newest message, so recent history
arrives first; older history is fetched on demand (:meth:`ArchiveSync.fetch_older`).

Trust: a result counts only when it comes from the archive we queried (our own bare JID, or
empty, for the account's archive; the room's JID for a room) and carries our query's id.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from slixmpp.exceptions import IqError

from tuichat import events as ev
from tuichat.model import JID, InvalidJID, Message, utcnow
from tuichat.xmpp import parse

log = logging.getLogger(__name__)

NS_MAM = "urn:xmpp:mam:2"
PAGE_REQUEST = 250
"""What we ask per page; the server clamps it to its own cap (Prosody: 50 by default)."""


@dataclass(frozen=True, slots=True)
class Page:
    """One answered query: the messages it held and where it ended."""

    raw: list[Any]
    """The result stanzas as they came; :meth:`ArchiveSync.messages` converts them."""
    first: str | None
    last: str | None
    complete: bool
    count: int


def plan_windows(
    start: datetime, end: datetime, parts: int, *, min_span: float = 60.0
) -> list[tuple[datetime, datetime]]:
    """Cut ``[start, end]`` into at most ``parts`` touching time windows (oldest first).

    Edges fall on whole seconds: Prosody reads the query's times to the second, so an edge
    inside a second would make two windows return that second's messages. A gap shorter than
    ``min_span`` seconds per part is not worth splitting.
    """
    span = (end - start).total_seconds()
    parts = max(1, min(parts, int(span // min_span)))
    if parts == 1:
        return [(start, end)]
    step = (end - start) / parts
    inner = sorted({(start + step * i).replace(microsecond=0) for i in range(1, parts)})
    edges = [start, *(e for e in inner if start < e < end), end]
    return list(itertools.pairwise(edges))


async def _let_it_leave() -> None:
    """Yield until a query just scheduled is on the wire: its task queues the stanza, then
    slixmpp's sender task writes it. Without this the page we are about to store would run
    first, and the server would sit idle while we work."""
    for _ in range(3):
        await asyncio.sleep(0)


def result_from_archive(from_: str, archive: str, account: str) -> bool:
    """Whether a result's outer ``from`` is the archive we asked (own archive: empty is ours)."""
    if not from_:
        return archive == account
    try:
        return JID.parse(from_).bare == JID.parse(archive).bare
    except InvalidJID:
        return False


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
        store_page: Callable[[Sequence[Message]], object],
        publish: Callable[[ev.Event], None],
        *,
        parallel: int = 4,
        initial_depth: int = 10_000,
        timeout: float = 60.0,
        to_message: Callable[..., Message | None] | None = None,
    ) -> None:
        self.client = client
        self.account = account
        self.store_page = store_page
        self.publish = publish
        self.parallel = parallel
        self.initial_depth = initial_depth
        self.timeout = timeout
        self.to_message = to_message or parse.chat_message
        self._queries: dict[str, _Query] = {}
        self._newest: datetime | None = None
        self.floor: datetime | None = None
        """The newest time we held when the gap began; caught-up messages sort after it."""
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

    def _convert(self, stanza: Any) -> Message | None:
        result = stanza["mam_result"]
        forwarded = result["forwarded"]
        inner = forwarded["stanza"]
        delay = forwarded.xml.find(f"{{{parse.NS_DELAY}}}delay")
        stamp = parse.parse_stamp(delay.get("stamp")) if delay is not None else None
        return self.to_message(
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
        count = fin["rsm"]["count"]
        return Page(
            raw=query.results,
            first=fin["rsm"]["first"] or None,
            last=fin["rsm"]["last"] or None,
            complete=str(fin["complete"]).lower() in ("true", "1"),
            count=int(count) if str(count).isdigit() else 0,
        )

    def messages(self, page: Page) -> list[Message]:
        """The domain messages of a page (results that are not chat messages left out)."""
        return [m for m in map(self._convert, page.raw) if m is not None]

    def _after_what_we_hold(self, messages: list[Message]) -> list[Message]:
        """Keep caught-up messages after what we held when the gap began.

        Archive stamps have whole seconds while live messages carry the time we got them, so
        a message archived in the same second as the last one we saw would otherwise sort
        before it. Messages that arrive live during the catch-up are newer than the gap, and
        the floored archive stamps keep the gap before them.
        """
        floor = self.floor
        if floor is None:
            return messages
        after = floor + timedelta(microseconds=1)
        return [m if m.timestamp > floor else replace(m, timestamp=after) for m in messages]

    def _keep(self, page: Page, archive: str, fetched: list[int], forward: bool = True) -> None:
        messages = self.messages(page)
        self.store_page(self._after_what_we_hold(messages) if forward else messages)
        fetched[0] += len(page.raw)
        for message in messages:
            if self._newest is None or message.timestamp > self._newest:
                self._newest = message.timestamp
        self.publish(ev.ArchiveSyncProgressed(self.account, archive, fetched[0]))

    async def _forward(
        self,
        archive: str,
        fetched: list[int],
        *,
        start: datetime | None,
        end: datetime | None,
        after: str | None,
        fallback_start: datetime | None = None,
    ) -> str | None:
        """Page forward through one window; store each page while the next is in flight."""
        last = after
        pending: asyncio.Task[Page] | None = None
        try:
            page = await self.query(archive, start=start, end=end, after=after)
        except IqError as exc:
            if not after or exc.iq["error"]["condition"] != "item-not-found":
                raise
            # Our position expired from the archive (Prosody keeps a week by default, and caps
            # the item count): fall back to the time it was stored at, and page from there.
            log.info("%s: archive position %s is gone; catching up by time", self.account, after)
            after, start = None, fallback_start
            page = await self.query(archive, start=start, end=end)
        while True:
            if not page.complete and page.last:
                pending = asyncio.ensure_future(
                    self.query(archive, start=start, end=end, after=page.last)
                )
                await _let_it_leave()
            self._keep(page, archive, fetched)
            last = page.last or last
            if pending is None:
                return last
            page, pending = await pending, None

    async def catch_up(
        self, archive: str, position: str | None, since: datetime | None
    ) -> tuple[str | None, datetime | None, int]:
        """Fetch what ``archive`` holds after ``position``; return the new position and count.

        ``since`` is the archive time of the message at ``position`` (the server's clock);
        the returned time is that of the newest message now held.

        Without a position (first sync), page back from the newest message, at most
        ``initial_depth`` messages. With one, the gap from ``since`` to now is split into
        windows fetched in parallel.
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
                self._keep(page, archive, fetched, forward=False)
            self.publish(ev.ArchiveSyncProgressed(self.account, archive, fetched[0], done=True))
            if newest is None:  # an empty archive: next time, everything in it is new
                return None, utcnow() - timedelta(days=1), 0
            return newest, self._newest, fetched[0]
        now = utcnow()
        windows = plan_windows(since or now, now, self.parallel if since and since < now else 1)
        lasts = await asyncio.gather(
            *(
                self._forward(
                    archive,
                    fetched,
                    start=None if i == 0 else w_start,
                    end=w_end if i < len(windows) - 1 else None,
                    after=position if i == 0 else None,
                    fallback_start=since,
                )
                for i, (w_start, w_end) in enumerate(windows)
            )
        )
        newest = next((last for last in reversed(lasts) if last), position)
        self.publish(ev.ArchiveSyncProgressed(self.account, archive, fetched[0], done=True))
        return newest, self._newest, fetched[0]
