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
from tuichat.forms import Form, filled
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


CAPTCHA_URI = "https://example.test/captcha.png"
EXTRA_FIELDS = (
    'additional_registration_fields = { "email+", { name = "ocr", type = "text-single", '
    'label = "Type the word", required = true, media = { width = 120, height = 40, '
    f'{{ type = "image/png", uri = "{CAPTCHA_URI}" }} }} }} }}'
)


async def test_a_server_asking_more_gets_its_fields_filled(
    prosody_factory: Callable[..., ProsodyServer],
) -> None:
    """Prosody with extra registration fields (a required email, a CAPTCHA-like field with a
    picture, XEP-0221) sends a data form: without a filler the fields are named; the filler
    gets them (not the name and password) and a missing one is named before sending; filled,
    the account is made."""
    server = prosody_factory(extra_config=EXTRA_FIELDS)
    where = {"host": server.host, "port": server.starttls_port, "ca_file": server.ca_file}
    jid = f"extra-{uuid.uuid4().hex[:8]}@{server.domain}"
    with pytest.raises(RegistrationFailed, match="the server also asks for: Email, Type the word"):
        await register_account(jid, "pw-x", **where)  # type: ignore[arg-type]

    asked: list[Form] = []

    async def without_email(form: Form) -> Form:
        asked.append(form)
        return filled(form, {"ocr": ("xyzzy",)})

    with pytest.raises(RegistrationFailed, match="Email is required"):
        await register_account(jid, "pw-x", fill=without_email, **where)  # type: ignore[arg-type]
    form = asked[0]
    assert form.title == "Creating a new account"
    assert [f.var for f in form.answerable] == ["email", "ocr"]
    ocr = form.field("ocr")
    assert ocr is not None and ocr.media is not None and ocr.media.link == CAPTCHA_URI

    async def complete(form: Form) -> Form:
        return filled(form, {"email": ("x@example.test",), "ocr": ("xyzzy",)})

    await register_account(jid, "pw-x", fill=complete, **where)  # type: ignore[arg-type]
    async with Peer.connect(server, jid, "pw-x") as peer:
        assert peer.bare == jid


def test_cli_register_fills_the_extra_fields(
    prosody_factory: Callable[..., ProsodyServer], xdg: XdgDirs
) -> None:
    """`tuichat account register --field`: a required field not given exits 2 naming it;
    given, the account is made and added."""
    from tests.integration.cli_helpers import tuichat

    server = prosody_factory(extra_config=EXTRA_FIELDS)
    jid = f"cliextra-{uuid.uuid4().hex[:8]}@{server.domain}"
    base = (
        "account", "register", jid, "--password-stdin", "--host", server.host,
        "--port", str(server.starttls_port), "--ca-file", str(server.ca_file),
    )  # fmt: skip
    missing = tuichat(xdg, *base, "--field", "ocr=xyzzy", stdin="pw-c\n")
    assert missing.returncode == 2, missing.stderr
    assert "Email is required" in missing.stderr and "--field email=VALUE" in missing.stderr
    done = tuichat(
        xdg, *base, "--field", "ocr=xyzzy", "--field", "email=c@example.test", stdin="pw-c\n"
    )
    assert done.returncode == 0, done.stderr
    assert [a.jid for a in load_config(xdg.config / "tuichat" / "config.toml").accounts] == [jid]
