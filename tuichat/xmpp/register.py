"""Provides in-band registration (XEP-0077): create an account on a server, over TLS only.

A server that asks more than a name and a password (an email address, a CAPTCHA: XEP-0158
with XEP-0221 media) sends a data form; :func:`extra_form` is the part of it left for the
user, handed to the caller's ``fill`` on the same stream (a CAPTCHA belongs to its stream),
and the whole form goes back as a submission checked by the forms model first.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from slixmpp.exceptions import IqError, IqTimeout

from tuichat.client import FormFiller
from tuichat.config import TLSMode
from tuichat.errors import (
    CertificateRejected,
    ClientError,
    ConnectFailed,
    RegistrationFailed,
    TLSRequired,
)
from tuichat.forms import Form, check_form, submission
from tuichat.model import JID
from tuichat.xmpp import connect
from tuichat.xmpp.errors import describe_connect_error, describe_ssl_error, is_certificate_error
from tuichat.xmpp.features.forms_xml import NS_DATA, form_from_xml, form_to_xml

NS_REGISTER = "jabber:iq:register"
OWN_FIELDS = ("username", "password")
"""The fields the account's JID and password answer (not shown to the user again)."""

_CONDITIONS = {
    "conflict": "the name is already taken",
    "not-acceptable": "the server did not accept the name or password",
    "not-allowed": "the server does not allow creating accounts",
    "forbidden": "the server does not allow creating accounts",
    "resource-constraint": "the server is refusing registrations for now; try again later",
    "service-unavailable": "the server does not offer in-band registration",
    "feature-not-implemented": "the server does not offer in-band registration",
}


def describe_iq_error(iq: Any) -> str:
    """The server's refusal in words: its text if it gave one, else its condition explained."""
    condition = iq["error"]["condition"]
    text = iq["error"]["text"]
    words = _CONDITIONS.get(condition, condition.replace("-", " "))
    return f"{words} ({text})" if text else words


def server_form(answer: Element) -> Form | None:
    """The data form of the server's answer to a registration ``get``, if it sent one."""
    data = answer.find(f"{{{NS_REGISTER}}}query/{{{NS_DATA}}}x")
    return form_from_xml(data, answer) if data is not None else None


def extra_form(form: Form) -> Form:
    """What ``form`` asks beyond the name and password, for the user (``fields`` empty when
    nothing is left to ask)."""
    kept = tuple(f for f in form.fields if f.var not in OWN_FIELDS)
    if not any(f.type.answerable and f.var for f in kept):
        kept = ()
    return replace(form, fields=kept)


def answered(form: Form, extra: Form | None, local: str, password: str) -> Form:
    """The submission of the server's ``form``: the name and password, the user's answers to
    its ``extra`` fields. Raises :class:`RegistrationFailed` naming each field still wrong."""
    answers = dict(extra.values()) if extra is not None else {}
    answers.update({"username": (local,), "password": (password,)})
    known = {f.var for f in form.fields}
    answers = {var: values for var, values in answers.items() if var in known}
    if problems := check_form(form, answers):
        raise RegistrationFailed("; ".join(problems.values()))
    return submission(form, answers)


async def register_account(
    jid: str,
    password: str,
    *,
    host: str | None = None,
    port: int | None = None,
    tls: TLSMode = TLSMode.STARTTLS,
    ca_file: Path | None = None,
    timeout: float = 30.0,
    fill: FormFiller | None = None,
) -> None:
    """Create ``jid`` with ``password`` on its server, then log in once to prove it works.

    When the server's form asks more than the name and password, ``fill`` gets those fields
    (the time the user takes is not counted in ``timeout``); without ``fill`` the registration
    fails naming them. Raises :class:`ClientError` subclasses with the reason in words.
    """
    parsed = JID.parse(jid)
    if not parsed.local:
        raise RegistrationFailed(f"{jid}: a JID to register needs a name before '@'")
    client = connect.new_client(str(parsed.bare), password, ("xep_0030", "xep_0004", "xep_0077"))
    client.plugin["xep_0077"].force_registration = True
    connect.configure_tls(client, tls, ca_file)
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[None] = loop.create_future()

    def finish(error: ClientError | None) -> None:
        if not outcome.done():
            if error is None:
                outcome.set_result(None)
            else:
                outcome.set_exception(error)

    connect.require_tls_before_auth(
        client, lambda: finish(TLSRequired("the server offers no encryption (STARTTLS)"))
    )

    filling = asyncio.Event()
    """Set while the user fills the server's extra fields (the clock stops)."""

    async def submission_for(form: Form) -> Form:
        extra = extra_form(form)
        if not extra.fields:
            return answered(form, None, parsed.local, password)
        if fill is None:
            asked = ", ".join(f.title for f in extra.answerable)
            raise RegistrationFailed(f"the server also asks for: {asked}")
        filling.set()
        try:
            given = await fill(extra)
        finally:
            filling.clear()
        if given is None:
            raise RegistrationFailed("registration cancelled")
        return answered(form, given, parsed.local, password)

    async def on_register(answer: Any) -> None:
        if not connect.is_encrypted(client):
            finish(TLSRequired("the server offers no encryption; refusing to register"))
            client.abort()
            return
        iq = client.Iq()
        iq["type"] = "set"
        form = server_form(answer.xml)
        try:
            if form is None:
                iq["register"]["username"] = parsed.local
                iq["register"]["password"] = password
            else:
                iq["register"].xml.append(form_to_xml(await submission_for(form)))
        except RegistrationFailed as exc:
            finish(RegistrationFailed(f"{parsed.bare}: {exc}"))
            client.abort()
            return
        try:
            await iq.send(timeout=timeout)
        except IqError as exc:
            finish(RegistrationFailed(f"{parsed.bare}: {describe_iq_error(exc.iq)}"))
            client.abort()
        except IqTimeout:
            finish(RegistrationFailed(f"{parsed.bare}: the server did not answer"))
            client.abort()

    def on_failed(error: Any) -> None:
        client.cancel_connection_attempt()
        if is_certificate_error(error):
            finish(CertificateRejected(parsed.domain, describe_ssl_error(error)))
        else:
            finish(ConnectFailed(f"{parsed.domain}: {describe_connect_error(error)}"))

    def on_bad_cert(error: Any) -> None:
        finish(CertificateRejected(parsed.domain, describe_ssl_error(error)))
        client.abort()

    client.add_event_handler("register", on_register)
    client.add_event_handler("session_start", lambda _e: finish(None))
    client.add_event_handler("connection_failed", on_failed)
    client.add_event_handler("ssl_invalid_chain", on_bad_cert)
    client.add_event_handler(
        "failed_all_auth",
        lambda _e: finish(RegistrationFailed(f"{parsed.bare}: registered, but login failed")),
    )
    client.add_event_handler(
        "disconnected",
        lambda reason: finish(
            ConnectFailed(f"{parsed.domain}: {describe_connect_error(reason or None)}")
        ),
    )
    connect.connect_now(client, *connect.address(host, port, tls))
    try:
        while not outcome.done():
            await asyncio.wait({outcome}, timeout=timeout)
            if not outcome.done() and not filling.is_set():
                raise ConnectFailed(f"{parsed.domain}: no answer within {timeout:.0f} s")
        outcome.result()
    finally:
        await connect.close_client(client)
