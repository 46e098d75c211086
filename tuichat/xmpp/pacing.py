"""Provides :class:`ReadPacer`: a big network read reaches slixmpp a slice at a time.

slixmpp parses a whole network read in one go and runs every stanza's handlers before it
returns; a flood fills each read with tens of kilobytes, hundreds of stanzas, and the loop
(keys, painting) waits for all of them. The pacer hands the read on in slices of
:data:`SLICE` bytes, one slice per turn of the loop, with reading paused meanwhile so the
order holds and the server's stream waits in the socket rather than in memory.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tuichat.xmpp.session import Session


SLICE = 2048
"""Bytes handed to the XML parser per turn of the loop (a few stanzas of a busy room)."""


def slices(data: bytes, size: int = SLICE) -> list[bytes]:
    """``data`` cut into pieces of at most ``size`` bytes (the parser joins them again)."""
    if size <= 0:
        raise ValueError("the slice size must be positive")
    return [data[i : i + size] for i in range(0, len(data), size)] or [data]


class ReadPacer:
    """Stands in for ``client.data_received`` and feeds the real one slice by slice."""

    def __init__(self, client: Any, size: int = SLICE) -> None:
        self._client = client
        self._feed = client.data_received
        self._size = size
        self._waiting: deque[bytes] = deque()
        self._transport: Any = None
        self._scheduled = False
        self._paused = False
        client.data_received = self.data_received

    @property
    def waiting(self) -> int:
        """Slices not yet handed on."""
        return len(self._waiting)

    def data_received(self, data: bytes | str) -> None:
        """What the transport read: the first slice now, the rest on the next turns."""
        if isinstance(data, str):
            data = data.encode()
        if self._client.transport is not self._transport:
            self._waiting.clear()  # a new connection: what the old one left is moot
            self._transport = self._client.transport
        self._waiting.extend(slices(data, self._size))
        if not self._scheduled:
            self._step()

    def _step(self) -> None:
        self._scheduled = False
        transport = self._client.transport
        if transport is None or transport is not self._transport or not self._waiting:
            self._stop()
            return
        try:
            self._feed(self._waiting.popleft())
        except BaseException:
            self._stop()
            raise
        if self._client.transport is not transport:  # that slice ended the stream
            self._stop()
        elif self._waiting:
            if not self._paused:
                transport.pause_reading()
                self._paused = True
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._step)
        elif self._paused:
            self._paused = False
            transport.resume_reading()

    def _stop(self) -> None:
        """Drop what is left (the connection it came from is gone) and read again."""
        self._waiting.clear()
        transport = self._client.transport
        if self._paused and transport is not None and transport is self._transport:
            transport.resume_reading()
        self._paused = False


def install(session: Session) -> ReadPacer:
    """Pace the reads of ``session``'s client."""
    pacer = ReadPacer(session.client)
    session.pacer = pacer
    return pacer
