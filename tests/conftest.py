"""Provides the shared pytest fixtures: the real Prosody server(s), accounts, an isolated XDG home.

Fixtures (all generic; import nothing from here, just name them as test arguments):

- `prosody` (session): one started `ProsodyServer` for the whole session, started lazily.
- `account` (function): factory `account(prefix="user") -> TestAccount(jid, password)`,
  a fresh registered account on the session server per call.
- `prosody_factory` (function): factory `prosody_factory(*, cert="trusted",
  starttls_offered=True, max_archive_query_results=250, extra_config="") -> ProsodyServer`,
  started, stopped after the test.
- `test_pki` (session): `TestPKIs(trusted, untrusted)` shared by every server of the session.
- `irc_gateway` (function): `IrcGateway(server, irc, biboumi)`: a Prosody with biboumi as a
  component, ngircd on a private 127.x.y.z address, all started for the test and stopped after.
- `gateway_server` (function): `GatewayServer(server, domain, secret, port)`: a Prosody that
  accepts the component `gateway.example.test`; run `FakeGateway.started(...)` on the test's loop.
- `xdg` (function): `XdgDirs(home, config, data, state)` set as HOME/XDG_* for the test.

Tests using the Prosody fixtures get the `prosody` marker automatically (`-m "not prosody"`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest

from tests.harness import XdgDirs
from tests.harness.gateway import (
    Biboumi,
    GatewayError,
    GatewayServer,
    IrcGateway,
    IrcServer,
    component_block,
    component_config,
    gateway_binaries,
    new_component_port,
)
from tests.harness.pki import TestPKIs, make_pki
from tests.harness.prosody import DOMAIN, ProsodyError, ProsodyServer, TestAccount, prosody_binaries

PROSODY_FIXTURES = frozenset(
    {"prosody", "account", "prosody_factory", "irc_gateway", "gateway_server"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a Prosody fixture (directly or through another fixture)."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & PROSODY_FIXTURES:
            item.add_marker(pytest.mark.prosody)


def _require_prosody() -> None:
    """Fail (never skip) with install instructions when Prosody is missing."""
    try:
        prosody_binaries()
    except ProsodyError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKIs:
    """Make the session's trusted and untrusted test PKIs."""
    base = tmp_path_factory.mktemp("pki")
    return TestPKIs(
        trusted=make_pki(base / "trusted", "tuichat test CA"),
        untrusted=make_pki(base / "untrusted", "tuichat UNTRUSTED test CA"),
    )


@pytest.fixture(scope="session")
def prosody(
    tmp_path_factory: pytest.TempPathFactory, test_pki: TestPKIs
) -> Iterator[ProsodyServer]:
    """Start one Prosody for the whole session (only if some test asks), stop it at the end."""
    _require_prosody()
    server = ProsodyServer(tmp_path_factory.mktemp("prosody"), trusted_pki=test_pki.trusted)
    try:
        server.start()
    except ProsodyError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def account(prosody: ProsodyServer) -> Callable[..., TestAccount]:
    """Return `make(prefix="user") -> TestAccount`: a fresh account on the session server."""

    def make(prefix: str = "user") -> TestAccount:
        jid, password = prosody.new_account(prefix)
        return TestAccount(jid, password)

    return make


@pytest.fixture
def prosody_factory(
    tmp_path_factory: pytest.TempPathFactory, test_pki: TestPKIs
) -> Iterator[Callable[..., ProsodyServer]]:
    """Return `make(**options) -> ProsodyServer` (started); every server is stopped afterwards.

    Options: `cert` "trusted" | "untrusted", `starttls_offered`, `max_archive_query_results`,
    `extra_config` (global section), `extra_components` (after the components),
    `muc_modules` (more modules on the MUC component, e.g. `("muc_moderation",)`).
    `ca_file` is always the trusted CA.
    """
    _require_prosody()
    servers: list[ProsodyServer] = []

    def make(
        *,
        cert: Literal["trusted", "untrusted"] = "trusted",
        starttls_offered: bool = True,
        max_archive_query_results: int = 250,
        extra_config: str = "",
        extra_components: str = "",
        muc_modules: tuple[str, ...] = (),
    ) -> ProsodyServer:
        server = ProsodyServer(
            tmp_path_factory.mktemp("prosody-extra"),
            trusted_pki=test_pki.trusted,
            pki=test_pki.untrusted if cert == "untrusted" else test_pki.trusted,
            starttls_offered=starttls_offered,
            max_archive_query_results=max_archive_query_results,
            extra_config=extra_config,
            extra_components=extra_components,
            muc_modules=muc_modules,
        )
        servers.append(server)
        server.start()
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def irc_gateway(
    tmp_path_factory: pytest.TempPathFactory, prosody_factory: Callable[..., ProsodyServer]
) -> Iterator[IrcGateway]:
    """A Prosody with biboumi as its component and ngircd on loopback, stopped after the test.

    Fails (never skips) with install instructions when `biboumi` or `ngircd` is missing.
    """
    try:
        gateway_binaries()
    except GatewayError as exc:
        pytest.fail(str(exc), pytrace=False)
    base = tmp_path_factory.mktemp("irc-gateway")
    port, secret = new_component_port(), "biboumi-secret"
    biboumi = Biboumi(base / "biboumi", component_port=port, secret=secret)
    server = prosody_factory(
        extra_config=component_config(port),
        extra_components=component_block(biboumi.domain, secret),
    )
    irc = IrcServer(base / "ngircd")
    try:
        try:
            irc.start()
            biboumi.start()
        except GatewayError as exc:
            pytest.fail(f"{exc}\n{server.log_tail()}", pytrace=False)
        yield IrcGateway(server, irc, biboumi)
    finally:
        biboumi.stop()
        irc.stop()


@pytest.fixture
def gateway_server(prosody_factory: Callable[..., ProsodyServer]) -> GatewayServer:
    """A Prosody that accepts the external component `gateway.example.test` (the fake gateway,
    started by the test on its own loop), stopped after the test."""
    port, secret = new_component_port(), "gateway-secret"
    domain = f"gateway.{DOMAIN}"
    server = prosody_factory(
        extra_config=component_config(port), extra_components=component_block(domain, secret)
    )
    return GatewayServer(server, domain, secret, port)


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> XdgDirs:
    """Point HOME and XDG_{CONFIG,DATA,STATE}_HOME at empty temp dirs; unset TUICHAT_CONFIG."""
    dirs = XdgDirs(
        home=tmp_path / "home",
        config=tmp_path / "home" / ".config",
        data=tmp_path / "home" / ".local" / "share",
        state=tmp_path / "home" / ".local" / "state",
    )
    for path in (dirs.home, dirs.config, dirs.data, dirs.state):
        path.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(dirs.home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(dirs.config))
    monkeypatch.setenv("XDG_DATA_HOME", str(dirs.data))
    monkeypatch.setenv("XDG_STATE_HOME", str(dirs.state))
    monkeypatch.delenv("TUICHAT_CONFIG", raising=False)
    return dirs
