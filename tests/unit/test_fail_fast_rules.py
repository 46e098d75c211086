"""Unit tests for the rules that make a connection fail at once with its real reason."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tuichat.model import ConnectionState
from tuichat.xmpp.backoff import FOREVER, ONE_SHOT, RetryPolicy
from tuichat.xmpp.connect import where
from tuichat.xmpp.credentials import password_problem, preflight
from tuichat.xmpp.errors import describe_connect_error, is_refused


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("correct horse", None),
        ("päss wörd", None),
        ("a\ufeffb", None),  # mapped to nothing by SASLprep
        ("\u00a0x", None),  # mapped to a space
        ("pw\x01", "a control character (U+0001)"),
        ("\x00", "a control character (U+0000)"),
        ("\x1b[31m", "a control character (U+001B)"),
        ("\x7f", "a control character (U+007F)"),
        ("\x9b", "a control character (U+009B)"),
        ("\ue000", "a private-use character (U+E000)"),
        ("\ufdd0", "a non-character code point (U+FDD0)"),
        ("\u202e", "changes the display direction (U+202E)"),
        ("\U000e0041", "a tagging character (U+E0041)"),
        ("\u0627a", "cannot be sent over XMPP (BIDI violation"),
    ],
)
def test_password_problem(password: str, problem: str | None) -> None:
    """What SASLprep refuses is named, with its code point, before any connection."""
    found = password_problem(password)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_preflight_order_and_states(tmp_path: Path) -> None:
    """A password SASLprep refuses is final like a wrong one; a bad CA file is a failure."""
    assert preflight("pw", None) is None
    assert preflight("pw\x01", None) == (
        ConnectionState.AUTH_FAILED,
        "the password contains a control character (U+0001), which XMPP cannot carry",
    )
    assert preflight("pw", tmp_path / "nope.pem") == (
        ConnectionState.FAILED,
        f"ca_file: no such file: {tmp_path / 'nope.pem'}",
    )


@pytest.mark.parametrize(
    ("policy", "failures", "gives_up"),
    [
        (FOREVER, 1, False),
        (FOREVER, 10_000, False),
        (ONE_SHOT, 1, False),
        (ONE_SHOT, 2, False),
        (ONE_SHOT, 3, True),
        (RetryPolicy(attempts=1), 1, True),
    ],
)
def test_retry_policy(policy: RetryPolicy, failures: int, gives_up: bool) -> None:
    """The app never gives up; a one-shot command stops after its third failed attempt."""
    assert policy.gives_up(failures) is gives_up


def test_one_shot_attempts_fit_in_a_few_seconds() -> None:
    """The delays between a one-shot command's attempts add up to at most 1.5 s."""
    backoff = ONE_SHOT.backoff()
    backoff.rand = lambda: 1.0
    assert sum(backoff.next() for _ in range((ONE_SHOT.attempts or 1) - 1)) == 1.5
    assert FOREVER.backoff().cap == 120.0


_MULTI = (
    "Multiple exceptions: [Errno 111] Connect call failed ('::1', 5222, 0, 0), "
    "[Errno 111] Connect call failed ('127.0.0.1', 5222)"
)
_MIXED = (
    "Multiple exceptions: [Errno 111] Connect call failed ('::1', 5222, 0, 0), "
    "[Errno 113] No route to host"
)


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "connection refused at h:1"),
        (OSError(_MULTI), "connection refused at h:1"),
        (OSError(_MIXED), _MIXED),
        (TimeoutError(), "timed out at h:1"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "no route to host at h:1"),
        ("No DNS record available for x.test", "No DNS record available for x.test"),
        (None, "connection lost"),
    ],
)
def test_connect_errors_name_the_address(error: BaseException | str | None, text: str) -> None:
    """Why a connection failed, and where it was tried."""
    assert describe_connect_error(error, "h:1") == text


def test_is_refused_needs_every_address_refused() -> None:
    """Refused only when nothing listens at any address tried."""
    assert is_refused(OSError(_MULTI)) and not is_refused(OSError(_MIXED))
    assert not is_refused(OSError("something else"))


@pytest.mark.parametrize(
    ("host", "port", "jid", "shown"),
    [
        ("127.0.0.1", 5222, "me@x.test", "127.0.0.1:5222"),
        (None, None, "me@x.test", "x.test"),
    ],
)
def test_where(host: str | None, port: int | None, jid: str, shown: str) -> None:
    """The address in a message is host:port, or the domain when DNS chooses it."""
    assert where(host, port, jid) == shown
