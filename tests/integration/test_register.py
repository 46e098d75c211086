"""Integration tests for in-band registration (XEP-0077) against the real Prosody."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

import pytest

from tests.harness import XdgDirs
from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer, TestAccount
from tuichat.cli import main
from tuichat.config import TLSMode, load_config
from tuichat.errors import RegistrationFailed
from tuichat.xmpp.register import register_account


async def test_register_creates_a_working_account(prosody: ProsodyServer) -> None:
    """A registered account can log in with its new password."""
    jid = f"fresh-{uuid.uuid4().hex[:8]}@{prosody.domain}"
    await register_account(
        jid, "new-pass-1", host=prosody.host, port=prosody.starttls_port, ca_file=prosody.ca_file
    )
    async with Peer.connect(prosody, jid, "new-pass-1") as peer:
        assert peer.bare == jid


async def test_register_over_direct_tls(prosody: ProsodyServer) -> None:
    """Registration works over direct TLS too (XEP-0368)."""
    jid = f"direct-{uuid.uuid4().hex[:8]}@{prosody.domain}"
    await register_account(
        jid,
        "pw-direct",
        host=prosody.host,
        port=prosody.direct_tls_port,
        tls=TLSMode.DIRECT,
        ca_file=prosody.ca_file,
    )
    async with Peer.connect(prosody, jid, "pw-direct", direct_tls=True) as peer:
        assert peer.bare == jid


async def test_taken_name_is_refused_in_words(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """Registering a name that exists gives the server's reason, not a traceback."""
    taken = account("taken")
    with pytest.raises(RegistrationFailed, match="already taken"):
        await register_account(
            taken.jid,
            "whatever",
            host=prosody.host,
            port=prosody.starttls_port,
            ca_file=prosody.ca_file,
        )


def test_cli_register_adds_the_account_to_the_config(
    prosody: ProsodyServer, xdg: XdgDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tuichat account register` creates the account and writes it to the config (0600)."""
    jid = f"cli-{uuid.uuid4().hex[:8]}@{prosody.domain}"
    monkeypatch.setattr("sys.stdin", io.StringIO("cli-pass\n"))
    code = main(
        [
            "account",
            "register",
            jid,
            "--password-stdin",
            "--host",
            prosody.host,
            "--port",
            str(prosody.starttls_port),
            "--ca-file",
            str(prosody.ca_file),
        ]
    )
    assert code == 0
    config_file = xdg.config / "tuichat" / "config.toml"
    config = load_config(config_file)
    assert [a.jid for a in config.accounts] == [jid]
    assert config_file.stat().st_mode & 0o777 == 0o600


def test_cli_register_with_an_untrusted_certificate_prints_one_line(
    prosody: ProsodyServer, xdg: XdgDirs
) -> None:
    """Without the CA file the certificate is rejected: one line of ours on stderr, and no
    library log line (slixmpp's "CERT: Invalid certificate trust chain.") before it."""
    from tests.integration.cli_helpers import tuichat

    jid = f"nocert-{uuid.uuid4().hex[:8]}@{prosody.domain}"
    result = tuichat(
        xdg,
        "account", "register", jid, "--password-stdin",
        "--host", prosody.host, "--port", str(prosody.starttls_port),
        stdin="pass-1\n",
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tuichat: cannot register"), result.stderr
    assert "certificate" in lines[0]
