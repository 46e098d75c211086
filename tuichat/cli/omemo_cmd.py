"""Provides `tuichat omemo`: end-to-end encryption from scripts (fingerprint, devices, trust).

Each subcommand connects the account through the same manager the app uses (its OMEMO identity
is made and published on the first connect), does its one thing and disconnects. Exit 0 on
success, 2 on bad input (a malformed fingerprint), 1 when the server could not be reached, the
device is unknown, or OMEMO is off for the account.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from tuichat.cli import EXIT_OK, EXIT_USAGE, CliError
from tuichat.cli.args import add_online_options
from tuichat.cli.contact_cmd import _connected
from tuichat.cli.context import jid_arg, load, open_store, pick_account
from tuichat.model import Contact, Device, Trust, fingerprint_groups, normal_fingerprint

_TIMEOUT = 30.0


def register(sub: Any) -> None:
    """Add the `omemo` command and its subcommands."""
    omemo = sub.add_parser(
        "omemo",
        help="end-to-end encryption: our fingerprint, a contact's devices, trust",
        description="OMEMO from scripts. Exit 0 on success, 2 on bad input, 1 when the server "
        "could not be reached, the device is unknown or OMEMO is off for the account.",
    )
    verbs = omemo.add_subparsers(dest="verb", metavar="VERB", required=True)
    fingerprint = verbs.add_parser("fingerprint", help="print this device's fingerprint")
    fingerprint.add_argument("--json", action="store_true", help="one JSON object")
    fingerprint.set_defaults(func=run_fingerprint)
    devices = verbs.add_parser("devices", help="list the OMEMO devices of JID")
    devices.add_argument("jid", metavar="JID")
    devices.add_argument("--json", action="store_true", help="one JSON object per device")
    devices.set_defaults(func=run_devices)
    for verb, text in (
        ("trust", "verify the device of JID with FINGERPRINT"),
        ("distrust", "distrust the device of JID with FINGERPRINT"),
    ):
        parser = verbs.add_parser(verb, help=text)
        parser.add_argument("jid", metavar="JID")
        parser.add_argument("fingerprint", metavar="FINGERPRINT", help="64 hex digits")
        parser.set_defaults(func=run_trust)
    add_online_options(verbs.choices.values(), _TIMEOUT)


def device_json(device: Device) -> str:
    """One device as one line of JSON."""
    return json.dumps(
        {
            "jid": device.jid,
            "device_id": device.device_id,
            "fingerprint": device.fingerprint,
            "trust": device.trust.value,
            "active": device.active,
            "label": device.label,
            "this_device": device.this_device,
        },
        ensure_ascii=False,
    )


def device_line(device: Device) -> str:
    """One device as a line of plain text, neutralised for the terminal."""
    from tuichat.ui.render import sanitize  # pure: rich only, no Textual

    words = [
        str(device.device_id),
        " ".join(fingerprint_groups(device.fingerprint)),
        device.trust.value,
        "active" if device.active else "inactive",
        device.label or "",
    ]
    if device.this_device:
        words.append("(this device)")
    return sanitize("\t".join(words))


def _run(args: argparse.Namespace, action: Any) -> int:
    paths, config = load(args)
    account = pick_account(config, args.account)
    if not account.omemo:
        raise CliError(f"OMEMO is off for {account.jid} (omemo = false in the config)")

    async def act(manager: Any, _roster: list[Contact]) -> None:
        await action(manager, account.jid)

    with open_store(paths) as store:
        asyncio.run(_connected(account, store, float(args.timeout), act))
    return EXIT_OK


def run_fingerprint(args: argparse.Namespace) -> int:
    """Print this installation's device: id and fingerprint."""

    async def show(manager: Any, account: str) -> None:
        device = await manager.own_device(account)
        print(
            device_json(device) if args.json else " ".join(fingerprint_groups(device.fingerprint))
        )

    return _run(args, show)


def run_devices(args: argparse.Namespace) -> int:
    """Print the devices of a JID (ours: this one marked)."""
    jid = jid_arg(args.jid)

    async def show(manager: Any, account: str) -> None:
        for device in await manager.devices(account, jid):
            print(device_json(device) if args.json else device_line(device))

    return _run(args, show)


def run_trust(args: argparse.Namespace) -> int:
    """Verify or distrust one device of a JID by its fingerprint."""
    jid = jid_arg(args.jid)
    try:
        fingerprint = normal_fingerprint(args.fingerprint)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    trust = Trust.VERIFIED if args.verb == "trust" else Trust.DISTRUSTED

    async def change(manager: Any, account: str) -> None:
        await manager.set_trust(account, jid, fingerprint, trust)

    return _run(args, change)
