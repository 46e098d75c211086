"""Provides the test harness: a real Prosody server, test PKIs and a slixmpp peer client.

Modules: `tests.harness.prosody` (`ProsodyServer`, `TestAccount`), `tests.harness.pki`
(`make_pki`, `PKI`, `TestPKIs`), `tests.harness.peer` (`Peer`, `PeerMessage`, `wait_until`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class XdgDirs:
    """The temporary HOME and XDG base directories a test runs with (the `xdg` fixture)."""

    home: Path
    config: Path
    data: Path
    state: Path
