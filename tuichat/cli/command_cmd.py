"""Provides `tuichat command`: a service's ad-hoc commands (XEP-0050) from scripts.

``tuichat command JID`` lists the commands; ``tuichat command JID NODE --field VAR=VALUE…``
runs one: at each step it fills the service's form with the fields given (a var given twice
gets two values), sends it on, and when the command is over prints the final status, the
notes and the form. Exit 0 when it completed without an error note, 2 on bad input (a
required field not given: the command is cancelled and the field named), 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from tuichat.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError
from tuichat.cli.args import seconds
from tuichat.cli.context import load, new_bus, open_store, pick_account
from tuichat.cli.waiting import wait_until
from tuichat.command_client import CommandStep
from tuichat.forms import (
    Form,
    answers_from_pairs,
    check_form,
    filled,
    form_dict,
    form_lines,
)
from tuichat.model import JID, ConnectionState, InvalidJID

if TYPE_CHECKING:
    from tuichat.config import AccountConfig
    from tuichat.store import Store
    from tuichat.xmpp.manager import ConnectionManager

_TIMEOUT = 30.0
MAX_STEPS = 50
"""A command that asks for more steps than this is given up (a service going round)."""


def register(sub: Any) -> None:
    """Add the `command` command."""
    command = sub.add_parser(
        "command",
        help="list or run a service's ad-hoc commands",
        description="Without NODE, list the commands JID offers. With NODE, run that command, "
        "filling each step's form with the --field values. Exit 0 when it completed, 2 on bad "
        "input (such as a required field not given), 1 when the server or the command failed.",
    )
    command.add_argument("jid", metavar="JID", help="the service (a server, a component, a JID)")
    command.add_argument("node", metavar="NODE", nargs="?", help="the command to run")
    add_field_option(command)
    command.add_argument(
        "--show",
        action="store_true",
        help="print the command's first form (its current values) and cancel it",
    )
    command.add_argument("--json", action="store_true", help="print JSON")
    command.add_argument("--account", metavar="JID", help="account (needed with several)")
    command.add_argument(
        "--timeout", type=seconds, default=_TIMEOUT, metavar="S", help="give up after S"
    )
    command.set_defaults(func=run_command)


def add_field_option(parser: Any) -> None:
    """The ``--field VAR=VALUE`` option (repeatable) of the commands that fill a form."""
    parser.add_argument(
        "--field",
        dest="fields",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="a value for the form field VAR (repeat a var for several values)",
    )


def field_pairs(texts: list[str]) -> list[tuple[str, str]]:
    """``VAR=VALUE`` arguments as pairs (exit 2 for one without ``=``)."""
    pairs = []
    for text in texts:
        var, eq, value = text.partition("=")
        if not eq or not var.strip():
            raise CliError(f"--field {text!r}: give it as VAR=VALUE", EXIT_USAGE)
        pairs.append((var.strip(), value))
    return pairs


def fill_step(form: Form, pairs: list[tuple[str, str]]) -> Form:
    """The step's ``form`` with the given fields that it has; raises :class:`CliError` (exit 2)
    naming each field that is still wrong (a required one not given, a bad value)."""
    known = {f.var for f in form.answerable}
    answers = answers_from_pairs(form, [(var, value) for var, value in pairs if var in known])
    result = filled(form, answers)
    problems = check_form(result)
    if problems:
        words = "; ".join(
            f"{var}: {problem}" + ("" if var in answers else f" (give --field {var}=VALUE)")
            for var, problem in problems.items()
        )
        raise CliError(f"cannot fill the form: {words}", EXIT_USAGE)
    return result


async def _connect(account: AccountConfig, store: Store, timeout: float) -> ConnectionManager:
    from tuichat.xmpp.backoff import ONE_SHOT
    from tuichat.xmpp.manager import ConnectionManager

    manager = ConnectionManager([account], store, new_bus(), retry=ONE_SHOT)
    session = manager.session(account.jid)
    await manager.start()
    deadline = asyncio.get_running_loop().time() + timeout
    connected = lambda: session.state == ConnectionState.CONNECTED  # noqa: E731
    if why := await wait_until(session, connected, deadline, "connection"):
        await manager.stop()
        raise CliError(f"{account.jid}: {why}")
    return manager


async def drive(
    manager: Any,
    account: str,
    jid: str,
    node: str,
    pairs: list[tuple[str, str]],
    asked: set[str] | None = None,
) -> CommandStep:
    """Run ``node`` of ``jid`` to its end with the given fields; a step whose form cannot be
    filled cancels the command and raises :class:`CliError` (exit 2). ``asked`` gets the vars
    the steps asked for."""
    asked = asked if asked is not None else set()
    step: CommandStep = await manager.run_command(account, jid, node)
    for _ in range(MAX_STEPS):
        if step.finished:
            return step
        form = step.form or Form(kind="submit")
        asked.update(f.var for f in form.answerable)
        try:
            answered = fill_step(form, pairs)
        except CliError:
            await manager.run_command(account, jid, node, "cancel", step.session)
            raise
        step = await manager.run_command(account, jid, node, step.forward, step.session, answered)
    await manager.run_command(account, jid, node, "cancel", step.session)
    raise CliError(f"the command {node} of {jid} went on for more than {MAX_STEPS} steps")


async def first_step(manager: Any, account: str, jid: str, node: str) -> CommandStep:
    """The first step of ``node`` (its form as the service fills it), the command then
    cancelled: what a setting is now, without changing it."""
    step: CommandStep = await manager.run_command(account, jid, node)
    if not step.finished:
        await manager.run_command(account, jid, node, "cancel", step.session)
    return step


def step_json(step: CommandStep) -> str:
    """A finished step as one JSON object."""
    return json.dumps(
        {
            "jid": step.jid,
            "node": step.node,
            "status": step.status,
            "notes": [{"type": n.kind, "text": n.text} for n in step.notes],
            "form": form_dict(step.form) if step.form is not None else None,
        },
        ensure_ascii=False,
    )


def step_lines(step: CommandStep) -> list[str]:
    """A finished step as plain text: status, notes, the form."""
    lines = [f"{step.node}: {step.status}"]
    lines += [f"{n.kind}: {n.text}" for n in step.notes]
    if step.form is not None:
        lines += form_lines(step.form)
    return lines


def run_command(args: argparse.Namespace) -> int:
    """List the commands of JID, or run one."""
    from tuichat.errors import ClientError
    from tuichat.ui.render import sanitize  # pure: rich only, no Textual

    timeout = float(args.timeout)
    try:
        jid = str(JID.parse(args.jid))
    except InvalidJID as exc:
        raise CliError(f"invalid JID: {exc}", EXIT_USAGE) from None
    pairs = field_pairs(args.fields)
    if pairs and not args.node:
        raise CliError("--field needs a command NODE to run", EXIT_USAGE)
    if args.show and (pairs or not args.node):
        raise CliError("--show needs a command NODE and no --field", EXIT_USAGE)
    paths, config = load(args)
    account = pick_account(config, args.account)

    asked: set[str] = set()

    async def work(store: Store) -> Any:
        manager = await _connect(account, store, timeout)
        try:
            if not args.node:
                return await asyncio.wait_for(manager.list_commands(account.jid, jid), timeout)
            if args.show:
                return await asyncio.wait_for(
                    first_step(manager, account.jid, jid, args.node), timeout
                )
            return await asyncio.wait_for(
                drive(manager, account.jid, jid, args.node, pairs, asked), timeout * 4
            )
        except ClientError as exc:
            raise CliError(f"{account.jid}: {exc}") from None
        except TimeoutError:
            raise CliError(f"{account.jid}: {jid} did not answer within {timeout:g} s") from None
        finally:
            await manager.stop()

    with open_store(paths) as store:
        result = asyncio.run(work(store))
    if not args.node:
        if args.json:
            print(json.dumps([{"node": n, "name": name} for n, name in result], ensure_ascii=False))
        else:
            for node, name in result:
                print(sanitize(f"{node}\t{name}"))
        return EXIT_OK
    step: CommandStep = result
    for var in dict.fromkeys(var for var, _value in pairs if var not in asked):
        print(sanitize(f"tuichat: warning: no step asked for --field {var}"), file=sys.stderr)
    if args.json:
        print(step_json(step))
    else:
        for line in step_lines(step):
            print(sanitize(line))
    if args.show:
        return EXIT_OK
    failed = step.status != "completed" or any(n.kind == "error" for n in step.notes)
    if failed:
        why = next((n.text for n in step.notes if n.kind == "error"), step.status)
        print(sanitize(f"tuichat: the command did not complete: {why}"), file=sys.stderr)
    return EXIT_FAILURE if failed else EXIT_OK
