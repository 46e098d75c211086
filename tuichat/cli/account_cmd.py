"""Provides ``tuichat account add|list|remove|register``: accounts in the config, from scripts.

Rule: a password never reaches stdout, stderr or argv; ``--password-stdin`` reads it from a
pipe (or asks without echo on a terminal) and stores it in the 0600 config file.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import re
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from tuichat.certificates import BadFingerprint, parse_fingerprint
from tuichat.cli import EXIT_OK, EXIT_USAGE, CliError
from tuichat.cli.command_cmd import add_field_option, field_pairs, fill_step
from tuichat.config import (
    AccountConfig,
    ConfigError,
    PasswordSource,
    TLSMode,
    add_account,
    load_config,
    normalise_account_jid,
    remove_account,
)
from tuichat.config.check import ca_file_problem
from tuichat.model import InvalidJID
from tuichat.paths import Paths

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is out of range (1–65535)")
    return port


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", metavar="H", help="server host (default: from DNS SRV)")
    parser.add_argument("--port", metavar="N", type=_port, help="server port")
    parser.add_argument(
        "--direct-tls", action="store_true", help="use direct TLS (port 5223) not STARTTLS"
    )
    parser.add_argument("--ca-file", metavar="F", help="trust this CA certificate file (PEM)")
    parser.add_argument("--resource", metavar="R", help="resource name (default: tuichat)")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``account`` command and its subcommands."""
    parser = sub.add_parser(
        "account",
        help="add, list, remove or register accounts",
        description="Manage the accounts in the config file (keeps its comments).",
    )
    parser.set_defaults(func=_missing_subcommand)
    actions = parser.add_subparsers(dest="account_command", metavar="SUBCOMMAND")

    add = actions.add_parser(
        "add",
        help="add an existing account to the config",
        description="Add an account to the config file. Exactly one password option is needed.",
    )
    add.add_argument("jid", metavar="JID", help="the account, user@server")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--password-command", metavar="CMD", help="command printing the password (no shell)"
    )
    source.add_argument("--password-env", metavar="VAR", help="environment variable to read")
    source.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin; store it"
    )
    _server_options(add)
    add.add_argument(
        "--cert-fingerprint",
        metavar="FP",
        help="pin the server certificate (sha256:64 hex digits); trusted instead of any CA",
    )
    add.add_argument("--disabled", action="store_true", help="add it without connecting")
    add.set_defaults(func=run_add)

    listing = actions.add_parser(
        "list", help="list the accounts", description="List the accounts (never passwords)."
    )
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(func=run_list)

    remove = actions.add_parser(
        "remove", help="remove an account from the config", description="Remove an account."
    )
    remove.add_argument("jid", metavar="JID")
    remove.set_defaults(func=run_remove)

    reg = actions.add_parser(
        "register",
        help="create a new account on its server (XEP-0077) and add it",
        description=(
            "Create an account on its server by in-band registration, then add it to the "
            "config. The password is read from stdin (asked for on a terminal)."
        ),
    )
    reg.add_argument("jid", metavar="JID", help="the account to create, user@server")
    reg.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin (default)"
    )
    _server_options(reg)
    add_field_option(reg)  # the server's extra fields (an email address, a CAPTCHA's answer)
    reg.set_defaults(func=run_register)


def _missing_subcommand(args: argparse.Namespace) -> int:
    raise CliError("account: choose a subcommand: add, list, remove or register", EXIT_USAGE)


def _config_path(args: argparse.Namespace) -> Path:
    return Paths.default(args.config).config_file


def _jid(text: str) -> str:
    try:
        return normalise_account_jid(text)
    except InvalidJID as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _read_password(prompt: str, *, confirm: bool = False) -> str:
    if sys.stdin.isatty():
        password = getpass.getpass(prompt)
        if confirm and getpass.getpass("Repeat the password: ") != password:
            raise CliError("the passwords do not match", EXIT_USAGE)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CliError("no password given on stdin", EXIT_USAGE)
    from tuichat.xmpp.credentials import password_problem  # loads slixmpp: only when needed

    if problem := password_problem(password):
        raise CliError(problem, EXIT_USAGE)
    return password


def _ca_file(text: str | None) -> Path | None:
    if text is None:
        return None
    path = Path(text).expanduser().resolve()
    if problem := ca_file_problem(path):
        raise CliError(f"--ca-file: {problem}", EXIT_USAGE)
    return path


def _cert_fingerprint(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return parse_fingerprint(text)
    except BadFingerprint as exc:
        raise CliError(f"--cert-fingerprint: {exc}", EXIT_USAGE) from None


def _account(args: argparse.Namespace, jid: str, password: PasswordSource) -> AccountConfig:
    return AccountConfig(
        jid=jid,
        password=password,
        host=args.host,
        port=args.port,
        tls=TLSMode.DIRECT if args.direct_tls else TLSMode.STARTTLS,
        ca_file=_ca_file(args.ca_file),
        cert_fingerprint=_cert_fingerprint(getattr(args, "cert_fingerprint", None)),
        resource=args.resource if args.resource is not None else "tuichat",
        enabled=not getattr(args, "disabled", False),
    )


def _save(path: Path, account: AccountConfig) -> None:
    try:
        add_account(path, account)
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None


def run_add(args: argparse.Namespace) -> int:
    """Add an account to the config."""
    path = _config_path(args)
    jid = _jid(args.jid)
    if args.password_command is not None:
        try:
            words = shlex.split(args.password_command)
        except ValueError as exc:
            raise CliError(f"--password-command: {exc}", EXIT_USAGE) from None
        if not words:
            raise CliError("--password-command is empty", EXIT_USAGE)
        source = PasswordSource("command", args.password_command)
    elif args.password_env is not None:
        if not _ENV_NAME.match(args.password_env):
            raise CliError(f"--password-env: {args.password_env!r} is not a name", EXIT_USAGE)
        source = PasswordSource("env", args.password_env)
    else:
        source = PasswordSource("plain", _read_password(f"Password for {jid}: "))
    _save(path, _account(args, jid, source))
    print(f"added {jid} to {path}")
    return EXIT_OK


def _load(path: Path) -> list[AccountConfig]:
    try:
        return list(load_config(path).accounts)
    except ConfigError as exc:
        raise CliError(f"{exc} (see tuichat config check)", EXIT_USAGE) from None


def run_list(args: argparse.Namespace) -> int:
    """List the accounts, as text or JSON, never with a password."""
    accounts = _load(_config_path(args))
    if args.json:
        rows = [
            {
                "jid": a.jid,
                "enabled": a.enabled,
                "host": a.host,
                "port": a.port,
                "tls": a.tls.value,
                "resource": a.resource,
                "password_source": a.password.kind,
            }
            for a in accounts
        ]
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for a in accounts:
        server = (a.host or "-") + (f":{a.port}" if a.port else "")
        state = "enabled" if a.enabled else "disabled"
        print(f"{a.jid}\t{state}\t{server}\t{a.tls.value}\tpassword: {a.password.kind}")
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    """Remove an account from the config."""
    path = _config_path(args)
    jid = _jid(args.jid)
    try:
        remove_account(path, jid)
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None
    print(f"removed {jid} from {path}")
    return EXIT_OK


def run_register(args: argparse.Namespace) -> int:
    """Create the account on its server, then add it to the config with its password."""
    path = _config_path(args)
    jid = _jid(args.jid)
    if any(a.jid == jid for a in _load(path)):
        raise CliError(f"{jid} is already in {path}", EXIT_USAGE)
    account = _account(args, jid, PasswordSource("plain", "-"))
    from tuichat.errors import ClientError
    from tuichat.forms import Form
    from tuichat.xmpp.register import register_account

    pairs = field_pairs(args.fields)
    password = _read_password(f"Password for the new account {jid}: ", confirm=True)
    account = replace(account, password=PasswordSource("plain", password))
    refused: list[CliError] = []

    async def fill(form: Form) -> Form | None:
        try:
            return fill_step(form, pairs)
        except CliError as exc:  # a field not given: named, exit 2, nothing registered
            refused.append(exc)
            return None

    try:
        asyncio.run(
            register_account(
                jid,
                password,
                host=account.host,
                port=account.port,
                tls=account.tls,
                ca_file=account.ca_file,
                fill=fill,
            )
        )
    except ClientError as exc:
        if refused:
            raise refused[0] from None
        raise CliError(f"cannot register {jid}: {exc}") from None
    try:
        _save(path, account)
    except CliError as exc:
        raise CliError(f"registered {jid} on the server but could not add it: {exc}") from None
    print(f"registered {jid} and added it to {path}")
    return EXIT_OK
