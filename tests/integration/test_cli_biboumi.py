"""The services of a real gateway from scripts: Debian's biboumi (a Prosody component, with
ngircd on loopback) through `tuichat disco` and `tuichat command`."""

from __future__ import annotations

import json

from tests.harness import XdgDirs
from tests.harness.gateway import IrcGateway
from tests.integration.cli_helpers import add_account, tuichat


def _json(xdg: XdgDirs, gateway: IrcGateway, *args: str) -> object:
    result = tuichat(xdg, *args, "--json")
    assert result.returncode == 0, result.stderr + gateway.diagnostics()
    return json.loads(result.stdout)


def _fields(step: object) -> dict[str, list[str]]:
    assert isinstance(step, dict)
    return {f["var"]: f["values"] for f in step["form"]["fields"] if f["var"]}


def test_biboumi_disco_and_commands_from_the_cli(irc_gateway: IrcGateway, xdg: XdgDirs) -> None:
    """disco shows conference/irc; the commands hold hello and configure; hello's two steps
    greet by name; configure changes max_history_length and shows it the next time."""
    jid, password = irc_gateway.server.new_account("bibocli")
    add_account(xdg, irc_gateway.server, jid, password)
    biboumi = irc_gateway.biboumi.domain

    info = _json(xdg, irc_gateway, "disco", biboumi)
    assert isinstance(info, dict)
    assert {"category": "conference", "type": "irc", "name": "Biboumi XMPP-IRC gateway"} in info[
        "identities"
    ]
    assert "http://jabber.org/protocol/commands" in info["features"]

    commands = _json(xdg, irc_gateway, "command", biboumi)
    assert isinstance(commands, list)
    nodes = {row["node"] for row in commands}
    assert {"hello", "configure"} <= nodes

    hello = _json(xdg, irc_gateway, "command", biboumi, "hello", "--field", "name=Ann")
    assert isinstance(hello, dict)
    assert hello["status"] == "completed"
    assert hello["notes"] == [{"type": "info", "text": "Hello Ann!"}]

    missing = tuichat(xdg, "command", biboumi, "hello")
    assert missing.returncode == 2 and "name" in missing.stderr

    # --show: the first step's form with the current values, the command cancelled.
    shown = _json(xdg, irc_gateway, "command", biboumi, "configure", "--show")
    assert isinstance(shown, dict) and shown["status"] == "executing"
    before = _fields(shown)
    assert "max_history_length" in before
    wanted = "42" if before["max_history_length"] != ["42"] else "17"
    changed = _json(
        xdg, irc_gateway, "command", biboumi, "configure",
        "--field", f"max_history_length={wanted}",
    )  # fmt: skip
    assert isinstance(changed, dict) and changed["status"] == "completed"
    assert changed["notes"] == [{"type": "info", "text": "Configuration successfully applied."}]
    after = _fields(_json(xdg, irc_gateway, "command", biboumi, "configure", "--show"))
    assert after["max_history_length"] == [wanted]
    assert {k: v for k, v in after.items() if k != "max_history_length"} == {
        k: v for k, v in before.items() if k != "max_history_length"
    }
