"""Provides the TLS context connections verify with, its CA store read ahead of need.

Rule: the system CA store checks the chain and the host name (the account's ``ca_file`` is
added when connecting, :mod:`tuichat.xmpp.connect`). Reading that store costs a few tens of
milliseconds on the way to login, and OpenSSL reads it without holding Python's GIL: the app
calls :func:`prepare` as it starts, so the store is read on another core while the first frame
is drawn, and the first connection takes that context ready. A context serves one client; any
other is made when asked. No slixmpp here: this runs before the XMPP layer is imported.
"""

from __future__ import annotations

import ssl
import threading


class _Ahead:
    """At most one context being made, or made and not yet taken."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.ready: list[ssl.SSLContext] = []

    def fill(self) -> None:
        self.ready.append(make_context())


_AHEAD = _Ahead()


def make_context() -> ssl.SSLContext:
    """A new context with the system CA store, chain and host name checked."""
    context = ssl.create_default_context()
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def prepare() -> None:
    """Start making the next context in a thread (nothing if one is being made or ready)."""
    if _AHEAD.thread is None and not _AHEAD.ready:
        _AHEAD.thread = threading.Thread(target=_AHEAD.fill, name="tls-context", daemon=True)
        _AHEAD.thread.start()


def verified_context() -> ssl.SSLContext:
    """The prepared context (waiting for it if it is still being made), else a new one."""
    thread, _AHEAD.thread = _AHEAD.thread, None
    if thread is not None:
        thread.join()
    if _AHEAD.ready:
        return _AHEAD.ready.pop()
    return make_context()
