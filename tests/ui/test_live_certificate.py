"""Pilot test of the certificate review against the real Prosody: the real manager, no fakes.

The server's certificate is signed by a CA the app is not told about (a self-signed one, to
the client). The app must ask, and connect only after the answer.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness.prosody import ProsodyServer
from tests.integration.helpers import account_config
from tests.ui.test_live_prosody import status_text, until
from tuichat.bus import EventBus
from tuichat.certificates import fingerprint
from tuichat.config import add_account, load_config
from tuichat.model import ConnectionState
from tuichat.paths import Paths
from tuichat.store import Store
from tuichat.ui.app import build_app
from tuichat.ui.screens.certificate import CertificateReview
from tuichat.xmpp.manager import ConnectionManager


@pytest.mark.parametrize("key", ["o", "a"], ids=["once", "always"])
async def test_the_app_asks_about_an_untrusted_certificate_and_connects_after_yes(
    tmp_path: Path, prosody_factory: Callable[..., ProsodyServer], key: str
) -> None:
    """The review shows the server's own fingerprint; `o` or `a` connects the account, and
    `a` also pins it in the config file."""
    bad = prosody_factory(cert="untrusted")
    jid, password = bad.new_account("tofu")
    path = tmp_path / "config.toml"
    add_account(path, account_config(bad, jid, password))
    config = load_config(path)
    paths = Paths(config_file=path, data_dir=tmp_path / "data", state_dir=tmp_path / "state")
    store = Store.memory()
    manager = ConnectionManager(config.accounts, store, EventBus())
    app = build_app(config, paths, store, manager)
    expected = fingerprint(ssl.PEM_cert_to_DER_cert(bad.pki.server_cert.read_text()))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, CertificateReview), what="review")
            assert isinstance(app.screen, CertificateReview)
            assert app.screen.event.fingerprint == expected
            assert manager.state(jid)[0] == ConnectionState.CERT_REJECTED
            await pilot.press(key)
            connected = f"● {jid} {ConnectionState.CONNECTED.value}"
            await until(pilot, lambda: connected in status_text(pilot), 15, "connected")
    finally:
        await manager.stop()
        store.close()
    pinned = load_config(path).accounts[0].cert_fingerprint
    assert pinned == (expected if key == "a" else None)
