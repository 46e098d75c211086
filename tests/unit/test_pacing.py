"""Unit tests for the read pacer (``tuichat.xmpp.pacing``): big reads reach slixmpp in slices."""

from __future__ import annotations

import asyncio

import pytest

from tuichat.xmpp.pacing import ReadPacer, slices


@pytest.mark.parametrize(
    ("data", "size", "expected"),
    [
        (b"", 4, [b""]),
        (b"abc", 4, [b"abc"]),
        (b"abcd", 4, [b"abcd"]),
        (b"abcdefghij", 4, [b"abcd", b"efgh", b"ij"]),
        ("é€".encode(), 2, [b"\xc3\xa9", b"\xe2\x82", b"\xac"]),  # the parser joins them
    ],
)
def test_slices(data: bytes, size: int, expected: list[bytes]) -> None:
    """A read is cut into pieces of at most ``size`` bytes that join back into it."""
    assert slices(data, size) == expected
    assert b"".join(slices(data, size)) == data


def test_slices_refuses_a_size_of_zero() -> None:
    """A slice size must be positive."""
    with pytest.raises(ValueError):
        slices(b"x", 0)


class Transport:
    """Stands in for the asyncio transport: records pauses and resumes."""

    def __init__(self) -> None:
        self.reading = True
        self.log: list[str] = []

    def is_reading(self) -> bool:
        return self.reading

    def pause_reading(self) -> None:
        self.reading = False
        self.log.append("pause")

    def resume_reading(self) -> None:
        self.reading = True
        self.log.append("resume")


class Client:
    """Stands in for the slixmpp client: ``data_received`` records what it is fed."""

    def __init__(self) -> None:
        self.transport: Transport | None = Transport()
        self.fed: list[bytes] = []

    def data_received(self, data: bytes) -> None:
        self.fed.append(data)


async def turns(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_a_big_read_is_fed_one_slice_per_turn_with_reading_paused() -> None:
    """The first slice at once, one more per turn of the loop; reading resumes at the end."""
    client = Client()
    ReadPacer(client, size=4)
    client.data_received(b"abcdefghij")
    assert client.fed == [b"abcd"]
    assert client.transport is not None and not client.transport.reading
    await turns(1)
    assert client.fed == [b"abcd", b"efgh"]
    await turns(3)
    assert client.fed == [b"abcd", b"efgh", b"ij"]
    assert client.transport.log == ["pause", "resume"]


async def test_a_small_read_goes_straight_through() -> None:
    """A read that fits one slice is fed at once and reading is never paused."""
    client = Client()
    ReadPacer(client, size=4)
    client.data_received(b"abc")
    assert client.fed == [b"abc"]
    assert client.transport is not None and client.transport.log == []


async def test_data_arriving_meanwhile_waits_its_turn() -> None:
    """What arrives while slices wait is fed after them: the order of the stream holds."""
    client = Client()
    ReadPacer(client, size=2)
    client.data_received(b"abcd")
    client.data_received(b"ef")
    await turns(5)
    assert b"".join(client.fed) == b"abcdef"
    assert client.fed == [b"ab", b"cd", b"ef"]


async def test_slices_of_a_closed_connection_are_dropped() -> None:
    """When the stream ends (a new connection or none), what the old one left is not fed."""
    client = Client()
    ReadPacer(client, size=2)
    client.data_received(b"abcdef")
    client.transport = None
    await turns(3)
    assert client.fed == [b"ab"]
    client.transport = Transport()
    client.data_received(b"xy")
    assert client.fed == [b"ab", b"xy"]
