"""Tests for pinned certificate fingerprints: reading, checking, writing and the CLI option."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from tests.harness import XdgDirs
from tuichat.certificates import BadFingerprint, fingerprint, groups, parse_fingerprint
from tuichat.cli import main
from tuichat.config import (
    AccountConfig,
    PasswordSource,
    add_account,
    check_config,
    load_config,
    update_account,
)

DIGITS = hashlib.sha256(b"a certificate").hexdigest()
CANONICAL = f"sha256:{DIGITS}"
WITH_COLONS = "SHA256:" + ":".join(DIGITS[i : i + 2] for i in range(0, 64, 2)).upper()


@pytest.mark.parametrize(
    "text", [CANONICAL, CANONICAL.upper(), WITH_COLONS, f"  {CANONICAL}\n", WITH_COLONS.lower()]
)
def test_every_accepted_spelling_gives_the_one_canonical_form(text: str) -> None:
    """Colons between pairs and either case are read; one form is stored and compared."""
    assert parse_fingerprint(text) == CANONICAL


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (DIGITS, "must start with sha256:"),
        (f"sha1:{DIGITS[:40]}", "must start with sha256:"),
        (CANONICAL[:-1], "64 hex digits"),
        (CANONICAL + "0", "64 hex digits"),
        (CANONICAL[:-1] + "g", "64 hex digits"),
        ("sha256:" + ":".join(DIGITS[i : i + 4] for i in range(0, 64, 4)), "64 hex digits"),
        (CANONICAL[:20] + ":" + CANONICAL[20:], "64 hex digits"),
    ],
)
def test_a_malformed_fingerprint_is_refused_in_words(text: str, words: str) -> None:
    """A typo must never become a pin that no certificate can match (or that many could)."""
    with pytest.raises(BadFingerprint, match=words):
        parse_fingerprint(text)


def test_fingerprint_is_the_sha256_of_the_der_bytes_and_groups_for_the_eye() -> None:
    """The same value a person gets from `openssl x509 -fingerprint -sha256`, grouped."""
    assert fingerprint(b"a certificate") == CANONICAL
    shown = groups(CANONICAL)
    assert len(shown) == 16 and all(len(g) == 4 for g in shown)
    assert "".join(shown) == DIGITS.upper()


def _account_file(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[[account]]\njid = "a@x.test"\npassword_env = "P"\n{extra}')
    return path


def test_config_reads_a_pin_in_canonical_form(tmp_path: Path) -> None:
    """`cert_fingerprint` with colons and capitals loads as the canonical pin."""
    path = _account_file(tmp_path, f'cert_fingerprint = "{WITH_COLONS}"\n')
    [account] = load_config(path).accounts
    assert account.cert_fingerprint == CANONICAL


def test_config_check_names_the_line_of_a_bad_pin(tmp_path: Path) -> None:
    """FILE:LINE: account.cert_fingerprint: why, like every other problem."""
    path = _account_file(tmp_path, 'cert_fingerprint = "sha256:abcd"\n')
    [problem] = check_config(path)
    assert (problem.line, problem.key) == (4, "account.cert_fingerprint")
    assert "64 hex digits" in problem.message


def test_a_pin_is_written_added_and_updated(tmp_path: Path) -> None:
    """The pin is rendered for a new account and set in place on an existing one."""
    path = tmp_path / "config.toml"
    account = AccountConfig("a@x.test", PasswordSource("env", "P"), cert_fingerprint=CANONICAL)
    add_account(path, account)
    assert f'cert_fingerprint = "{CANONICAL}"\n' in path.read_text()
    assert load_config(path).accounts == (account,)
    other = "sha256:" + "0" * 64
    update_account(path, "a@x.test", cert_fingerprint=other)
    assert load_config(path).accounts[0].cert_fingerprint == other
    update_account(path, "a@x.test", cert_fingerprint=None)
    assert "cert_fingerprint" not in path.read_text()


def test_a_changed_pin_changes_how_the_account_connects() -> None:
    """A new pin must reconnect the account (``apply_accounts``), not keep the old stream."""
    account = AccountConfig("a@x.test", PasswordSource("env", "P"))
    assert not account.connects_like(replace(account, cert_fingerprint=CANONICAL))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_account_add_pins_the_certificate(
    xdg: XdgDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    """`account add … --cert-fingerprint` stores the canonical pin."""
    code, _out, err = _run(
        capsys,
        "account",
        "add",
        "a@x.test",
        "--password-env",
        "P",
        "--cert-fingerprint",
        WITH_COLONS,
    )
    assert (code, err) == (0, "")
    [account] = load_config(xdg.config / "tuichat" / "config.toml").accounts
    assert account.cert_fingerprint == CANONICAL


def test_cli_account_add_refuses_a_malformed_pin_with_exit_2(
    xdg: XdgDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad fingerprint is a usage error: one line, exit 2, nothing written."""
    code, out, err = _run(
        capsys, "account", "add", "a@x.test", "--password-env", "P", "--cert-fingerprint", "ab:cd"
    )
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "--cert-fingerprint: 'ab:cd' must start with sha256:" in err
    assert not (xdg.config / "tuichat" / "config.toml").exists()
