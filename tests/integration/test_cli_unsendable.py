"""`tuichat send` refuses, at queue time, a message the server would close the stream on.

Before this rule such a message was stored, sent, closed the stream, and was resent on every
connect: the account could never stay online. Now the command exits 2 with one line saying
which character and where (or how big), nothing is stored, and the account keeps working.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, env_for, history

STDIN_CASES = {
    "esc": (b"build \x1b[32mOK\x1b[0m\n", "byte 7: ESC (U+001B) cannot be sent in XMPP"),
    "nul": (b"a\x00b", "byte 2: NUL (U+0000) cannot be sent in XMPP"),
    "bel": (b"ding\x07", "byte 5: BEL (U+0007) cannot be sent in XMPP"),
    "fffe": ("x\ufffe".encode(), "byte 2: noncharacter (U+FFFE) cannot be sent in XMPP"),
    "ffff": ("x\uffff".encode(), "byte 2: noncharacter (U+FFFF) cannot be sent in XMPP"),
    # A lone surrogate as bytes (U+D800 encoded as UTF-8 would be): not valid UTF-8.
    "surrogate": (b"hi \xed\xa0\x80", "byte 4: 0xED is not valid UTF-8"),
    "5mb": (b"x" * 5_000_000, "the message is 5,000,000 bytes; at most 49,152 can be sent"),
}


def _send(
    xdg: XdgDirs, to: str, *args: str, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tuichat", "send", to, *args],
        input=stdin,
        capture_output=True,
        env=env_for(xdg),
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("case", sorted(STDIN_CASES))
def test_send_refuses_what_xmpp_cannot_carry_and_stores_nothing(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs, case: str
) -> None:
    """Exit 2, one line naming the character and its byte (or the size); nothing stored."""
    me, other = account("refuser"), account("target")
    add_account(xdg, prosody, me.jid, me.password)
    stdin, expected = STDIN_CASES[case]
    result = _send(xdg, other.jid, stdin=stdin)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert history(xdg, other.jid) == []


def test_refused_messages_leave_the_account_working(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """After refusals (stdin and argument forms), a normal message goes out once, at once."""
    me, other = account("survivor"), account("witness")
    add_account(xdg, prosody, me.jid, me.password)

    async def scenario() -> list[str]:
        async with Peer.connect(prosody, other.jid, other.password) as peer:
            refused = [
                _send(xdg, other.jid, "build \x1b[32mOK\x1b[0m"),
                _send(xdg, other.jid, stdin=b"nul \x00 byte"),
                _send(xdg, other.jid, stdin=b"y" * 5_000_000),
            ]
            assert [r.returncode for r in refused] == [2, 2, 2], [r.stderr for r in refused]
            assert b"byte 7: ESC (U+001B)" in refused[0].stderr
            ok = _send(xdg, other.jid, "all good")
            assert ok.returncode == 0, ok.stderr
            await peer.wait_message(lambda m: m.body == "all good", timeout=15)
            await asyncio.sleep(1)
            return [m.body for m in peer.messages]

    assert asyncio.run(scenario()) == ["all good"]
    rows = history(xdg, other.jid)
    assert [(r["body"], r["state"]) for r in rows] == [("all good", "acked")]
