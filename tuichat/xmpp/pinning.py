"""Provides the certificate rules: which certificate may carry a login, and the words when not.

Rule: a credential is sent only over a certificate that was checked. An account with a pin
(``cert_fingerprint`` in the config, or a certificate trusted once in this run) accepts that
certificate alone, whoever signed it, and the CA store is not asked; any other is refused for
good, never accepted silently. An account without a pin accepts only what the CA store
verified (chain and name, in the TLS handshake itself). Pure: no I/O.
"""

from __future__ import annotations

from tuichat.records import record


@record(frozen=True)
class Pin:
    """The one certificate an account accepts."""

    fingerprint: str
    """Canonical (``sha256:`` and 64 lowercase hex digits), see :mod:`tuichat.certificates`."""
    once: bool = False
    """Trusted once in this run (not in the config)."""


def effective_pin(configured: str | None, trusted_once: str | None) -> Pin | None:
    """The pin in force: the config's, else the one trusted once in this run, else none."""
    if configured is not None:
        return Pin(configured)
    if trusted_once is not None:
        return Pin(trusted_once, once=True)
    return None


def accepted(pin: Pin | None, offered: str | None, ca_verified: bool) -> bool:
    """Whether a stream whose certificate is ``offered`` may carry a login: the pin's
    certificate exactly when there is a pin, else one the CA store verified."""
    if pin is not None:
        return offered is not None and offered == pin.fingerprint
    return ca_verified


def changed_words(server: str, pin: Pin | None, offered: str | None) -> str:
    """Why a login was refused over a certificate that does not match (or was not checked)."""
    if pin is None:
        return f"the certificate of {server} was not verified; refusing to log in"
    shown = offered or "none"
    if pin.once:
        return (
            f"the certificate of {server} changed since you trusted it: trusted "
            f"{pin.fingerprint}, offered {shown}; press t on the Accounts screen (F4) to review "
            "the new one"
        )
    return (
        f"the certificate of {server} changed: pinned {pin.fingerprint}, offered {shown}; "
        "if you expected this, remove cert_fingerprint from this account in the config"
    )


def untrusted_words(why: str, offered: str) -> str:
    """The reason shown for an unpinned account whose certificate the CA store refused."""
    return (
        f"untrusted certificate ({why}), {offered}: press t on the Accounts screen (F4) to "
        "review it, or pin it as cert_fingerprint"
    )
