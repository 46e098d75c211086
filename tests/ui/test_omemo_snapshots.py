"""Snapshot tests of the OMEMO screens at 80x24: a contact's devices (every trust level, an
inactive device, labels) and this device's QR code with its fingerprint.

Data and time are pinned (FakeClient, fixed devices). Update on purpose with
``pytest tests/ui/test_omemo_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.fakes import ALICE, ME, FakeClient
from tests.ui.helpers import main_screen
from tests.ui.snapshot_app import make_app
from tests.ui.test_snapshots import steady
from tuichat.model import Device, Trust
from tuichat.ui.dialogs.devices import DeviceScreen
from tuichat.ui.dialogs.qr_code import QRCodeScreen

OWN = Device(ME, 1402250431, "3b8f0c2ea94d17e6" * 4, Trust.VERIFIED, this_device=True)


def devices_app(theme: str, tmp: Path):  # type: ignore[no-untyped-def]
    app = make_app(theme, tmp)
    client = app.ctx.client
    assert isinstance(client, FakeClient)
    client.device_list[ALICE] = [
        Device(ALICE, 508113, "9c41d27a03e65b8f" * 4, Trust.VERIFIED, label="Conversations"),
        Device(ALICE, 1717, "e02b77f4c9a1380d" * 4, Trust.BLIND, label="Dino on the laptop"),
        Device(ALICE, 99, "41f6a0b3d82c5e97" * 4, Trust.UNDECIDED),
        Device(ALICE, 23, "d5e813c04a6f2b99" * 4, Trust.DISTRUSTED, active=False, label="old"),
    ]
    client.device_list[ME] = [OWN]
    return app


async def opened(pilot: Pilot[None], kind: type) -> None:  # type: ignore[type-arg]
    for _ in range(100):
        screen = pilot.app.screen
        if isinstance(screen, kind) and (not isinstance(screen, DeviceScreen) or screen.loaded):
            break
        await pilot.pause(0.02)
    await pilot.pause(0.1)


@pytest.mark.parametrize("theme", ["dark", "high-contrast"])
def test_device_screen(snap_compare, tmp_path: Path, theme: str):  # type: ignore[no-untyped-def]
    """Alice's devices: trust in words and symbols, ids, active or not, labels, fingerprints."""

    async def run_before(pilot: Pilot[None]) -> None:
        main_screen(pilot).open_conversation((ME, ALICE))
        await steady(pilot)
        main_screen(pilot).action_line("/omemo devices")
        await opened(pilot, DeviceScreen)

    assert snap_compare(devices_app(theme, tmp_path), terminal_size=(80, 24), run_before=run_before)


LONG = "alice.longernam@example.org"
"""An account whose URI is 118 characters long: a version 6 code, the tightest fit."""


def test_qr_code_screen(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """This device's QR code (45x23 half blocks) beside the JID, id and fingerprint."""

    async def run_before(pilot: Pilot[None]) -> None:
        await steady(pilot)
        main_screen(pilot).action_line("/omemo fingerprint")
        await opened(pilot, QRCodeScreen)
        rows = pilot.app.screen.rows  # type: ignore[attr-defined]
        assert (len(rows), len(rows[0])) == (23, 45)

    app = make_app("dark", tmp_path, accounts=(LONG,))
    client = app.ctx.client
    assert isinstance(client, FakeClient)
    client.device_list[LONG] = [replace(OWN, jid=LONG)]
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
