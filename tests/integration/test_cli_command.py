"""`tuichat command` against the real Prosody's ``mod_admin_adhoc``: list, run, fill, refuse."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import DOMAIN, ProsodyServer, TestAccount
from tests.integration.adhoc_server import ADMIN_JID, ADMIN_PASSWORD, admin_server, host_wizard
from tests.integration.cli_helpers import add_account, env_for, tuichat

ADD_USER = "http://jabber.org/protocol/admin#add-user"
STATS = "http://jabber.org/protocol/admin#user-stats"
PASSWORD = "http://jabber.org/protocol/admin#change-user-password"
ONLINE = "http://jabber.org/protocol/admin#get-online-users-list"


async def _run(xdg: XdgDirs, *args: str) -> tuple[int, str, str]:
    """Run the real command without blocking the loop the peer lives on."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tuichat", *args,
        env=env_for(xdg), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def test_list_and_run_admin_commands(
    prosody_factory: Callable[..., ProsodyServer], xdg: XdgDirs
) -> None:
    """The admin's command list; Add User with --field; its result checked by logging in with
    the new password after Change User Password; a required field missing exits 2."""
    server = admin_server(prosody_factory)
    add_account(xdg, server, ADMIN_JID, ADMIN_PASSWORD)

    listing = tuichat(xdg, "command", DOMAIN, "--json")
    assert listing.returncode == 0, listing.stderr
    commands = {row["node"]: row["name"] for row in json.loads(listing.stdout)}
    assert commands[ADD_USER] == "Add User"
    assert PASSWORD in commands and STATS in commands and ONLINE in commands

    new_jid = f"newcomer@{DOMAIN}"
    added = tuichat(
        xdg, "command", DOMAIN, ADD_USER, "--json",
        "--field", f"accountjid={new_jid}",
        "--field", "password=first-pw", "--field", "password-verify=first-pw",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    step = json.loads(added.stdout)
    assert step["status"] == "completed"
    assert step["notes"] == [{"type": "info", "text": "Account successfully created"}]

    # The account exists: its statistics are readable (a result form with typed fields).
    stats = tuichat(xdg, "command", DOMAIN, STATS, "--json", "--field", f"accountjid={new_jid}")
    assert stats.returncode == 0, stats.stderr
    form = json.loads(stats.stdout)["form"]
    fields = {f["var"]: f for f in form["fields"]}
    assert fields["rostersize"]["values"] == ["0"]
    assert fields["onlineresources"]["type"] == "text-multi"

    # A required field not given: exit 2, the field named, nothing changed.
    missing = tuichat(xdg, "command", DOMAIN, PASSWORD, "--field", f"accountjid={new_jid}")
    assert missing.returncode == 2
    assert "password" in missing.stderr and "required" in missing.stderr
    assert missing.stderr.count("\n") == 1

    # A bad value is refused before it is sent, in words.
    bad = tuichat(xdg, "command", DOMAIN, PASSWORD, "--field", "accountjid=not a jid",
                  "--field", "password=x")  # fmt: skip
    assert bad.returncode == 2
    assert "is not a JID" in bad.stderr

    changed = tuichat(
        xdg, "command", DOMAIN, PASSWORD,
        "--field", f"accountjid={new_jid}", "--field", "password=second-pw",
        "--field", "pasword=typo",
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert "completed" in changed.stdout
    assert changed.stderr == "tuichat: warning: no step asked for --field pasword\n"

    # list-single and boolean fields: the online users' list, with details.
    online = tuichat(
        xdg, "command", DOMAIN, ONLINE, "--json",
        "--field", "max_items=25", "--field", "details=yes",
    )  # fmt: skip
    assert online.returncode == 0, online.stderr
    assert json.loads(online.stdout)["status"] == "completed"


def test_command_errors_in_words(
    prosody_factory: Callable[..., ProsodyServer], xdg: XdgDirs
) -> None:
    """A note of type error exits 1 with its words; an unknown node is refused in words; a
    non-admin sees no admin commands."""
    server = admin_server(prosody_factory)
    add_account(xdg, server, ADMIN_JID, ADMIN_PASSWORD)
    exists = tuichat(
        xdg, "command", DOMAIN, ADD_USER,
        "--field", f"accountjid={ADMIN_JID}", "--field", "password=a", "--field",
        "password-verify=b",
    )  # fmt: skip
    assert exists.returncode == 1
    assert "error:" in exists.stdout
    assert "did not complete" in exists.stderr

    unknown = tuichat(xdg, "command", DOMAIN, "no-such-node")
    assert unknown.returncode == 1
    assert "no-such-node" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_two_step_command_of_a_client(
    prosody: ProsodyServer, account: Callable[..., TestAccount], xdg: XdgDirs
) -> None:
    """A peer's two-step command: the given fields fill each step (every field type in the
    first, the tick in the second) and it completes; without the tick, exit 2 names it after
    the first step went through, and the command is cancelled at the peer."""
    me, bob = account("scripter"), account("bob")
    add_account(xdg, prosody, me.jid, me.password)

    async def scenario() -> None:
        async with Peer.connect(prosody, bob.jid, bob.password) as pb:
            seen = host_wizard(pb)
            target = str(pb.client.boundjid)
            listing = await _run(xdg, "command", target, "--json")
            assert listing[0] == 0, listing[2]
            assert json.loads(listing[1]) == [{"node": "wizard", "name": "Wizard"}]
            fields = [
                "name=Ann", "secret=pst", "bio=hello", "bio=world", "news=yes",
                "buddy=carol@example.test", "friends=d@example.test", "friends=e@example.test",
                "colour=Blue", "sizes=l", "sizes=s",
            ]  # fmt: skip
            args = [a for f in fields for a in ("--field", f)]
            code, out, err = await _run(xdg, "command", target, "wizard", "--json", *args,
                                        "--field", "sure=1")  # fmt: skip
            assert code == 0, err
            step = json.loads(out)
            assert step["status"] == "completed"
            assert step["notes"] == [{"type": "info", "text": "All set"}]
            assert step["form"]["fields"][0]["values"] == ["Ann"]
            assert seen["submitted"][0]["bio"] == ["hello", "world"]
            assert seen["submitted"][0]["colour"] == "b"
            assert seen["submitted"][0]["sizes"] == ["l", "s"]
            assert seen["submitted"][0]["news"] is True
            assert seen["finished"] == {"sure": True}

            code, out, err = await _run(xdg, "command", target, "wizard", *args)
            assert code == 2
            assert "sure" in err and "required" in err
            assert len(seen["submitted"]) == 2  # the first step went through again
            assert seen["cancelled"] == 1

    asyncio.run(scenario())


def test_announcement_reaches_online_users(
    prosody_factory: Callable[..., ProsodyServer], xdg: XdgDirs
) -> None:
    """ "Send Announcement to Online Users" (text-single and a required text-multi given as two
    --field values): an online user gets both lines as a headline."""
    server = admin_server(prosody_factory)
    add_account(xdg, server, ADMIN_JID, ADMIN_PASSWORD)
    listener = server.register("listener", "listener-pw")

    async def scenario() -> None:
        async with Peer.connect(server, listener, "listener-pw") as peer:
            headlines: asyncio.Queue[Any] = asyncio.Queue()
            peer.client.add_event_handler(
                "message", lambda m: headlines.put_nowait(m) if m["type"] == "headline" else None
            )
            code, out, err = await _run(
                xdg, "command", DOMAIN, "http://jabber.org/protocol/admin#announce",
                "--field", "subject=Maintenance", "--field", "announcement=Down at noon",
                "--field", "announcement=Back by one",
            )  # fmt: skip
            assert code == 0, err
            assert "completed" in out
            message = await asyncio.wait_for(headlines.get(), 10)
            assert message["subject"] == "Maintenance"
            assert message["body"] == "Down at noon\nBack by one"

    asyncio.run(scenario())
