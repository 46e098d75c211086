"""`tuichat omemo …`, `send --encrypt` and `history --json` against the real Prosody."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.cli_helpers import add_account, env_for, history
from tests.integration.omemo_helpers import befriend, running


async def _run(xdg: XdgDirs, *args: str) -> tuple[int, str, str]:
    """Run the real command without blocking the loop the peers live on."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tuichat", *args,
        env=env_for(xdg), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_fingerprint_devices_trust_and_encrypted_history(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """Our fingerprint, a contact's devices, trust by fingerprint, and send/history with it."""
    me, bob = account("scripter"), account("bob")
    await befriend(prosody, me, bob)
    add_account(xdg, prosody, me.jid, me.password)
    code, out, err = await _run(xdg, "omemo", "fingerprint", "--json")
    assert code == 0, err
    mine = json.loads(out)
    assert len(mine["fingerprint"]) == 64 and mine["this_device"] is True
    code, out, err = await _run(xdg, "omemo", "fingerprint")
    assert code == 0, err
    assert out.split() == [mine["fingerprint"][i : i + 8] for i in range(0, 64, 8)]
    async with running(prosody, bob) as run:
        [bobs] = await run.manager.devices(bob.jid, bob.jid)
        code, out, err = await _run(xdg, "omemo", "devices", bob.jid, "--json")
        assert code == 0, err
        [row] = map(json.loads, out.splitlines())
        assert (row["device_id"], row["fingerprint"]) == (bobs.device_id, bobs.fingerprint)
        assert row["trust"] == "undecided" and row["active"] is True
        code, _out, err = await _run(xdg, "omemo", "trust", bob.jid, bobs.fingerprint.upper())
        assert code == 0, err
        code, out, err = await _run(xdg, "send", bob.jid, "verified hello")
        assert code == 0, err
        code, out, err = await _run(xdg, "omemo", "devices", bob.jid)
        assert code == 0, err
        assert "\tverified\tactive" in out
        code, _out, err = await _run(xdg, "omemo", "trust", bob.jid, "f" * 64)
        assert code == 1 and "no OMEMO device with the fingerprint" in err
        code, _out, err = await _run(xdg, "omemo", "trust", bob.jid, "not hex")
        assert code == 2 and "not a fingerprint" in err
    [sent] = history(xdg, bob.jid)
    assert (sent["body"], sent["encryption"], sent["state"]) == ("verified hello", "omemo", "acked")
    assert "trust" not in sent


async def test_send_encrypt_without_devices_exits_1_and_sends_nothing(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """`--encrypt` to a contact with no OMEMO device: exit 1, nothing on the wire, kept."""
    me, carl = account("scripter"), account("carl")
    add_account(xdg, prosody, me.jid, me.password)
    async with Peer.connect(prosody, carl.jid, carl.password) as peer:
        code, _out, err = await _run(xdg, "send", carl.jid, "secret", "--encrypt")
        assert code == 1
        assert "no OMEMO device we can encrypt to" in err
        assert err.count("not sent") == 1 and err.count("outbox") == 1, err
        code, _out, err = await _run(xdg, "send", carl.jid, "plain words", "--no-encrypt")
        assert code == 0, err
        got = await peer.wait_message(timeout=10)
        assert got.body == "plain words"
        await asyncio.sleep(0.5)
        assert [m.body for m in peer.messages] == ["plain words"]
    rows = history(xdg, carl.jid)
    assert [(r["body"], r["encryption"]) for r in rows] == [
        ("secret", "omemo"),
        ("plain words", "none"),
    ]
    # The held message is tried again at the second run (its device list fetched anew), so
    # carl's receipt may come before that run ends.
    assert rows[0]["state"] == "pending"
    assert rows[1]["state"] in ("acked", "delivered")
