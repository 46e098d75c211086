"""Provides the verified TLS contexts accounts connect with, made off the main thread.

Rule: a verified context checks the chain against the system CA store and the host name
(``CERT_REQUIRED``, ``check_hostname``); the account's ``ca_file`` is added to it at connect, so
each client gets a context of its own.

Loading the system store is ~30 ms of OpenSSL parsing per context, and OpenSSL does it with
the interpreter lock released. So the ``tuichat`` command has them made in a thread
(:func:`prepare`) while the XMPP layer is imported, just after the first frame, and the
connections take them (:func:`verified`) instead of loading the store on the way to login.
Not earlier: made while the first frame was built, that thread still slowed it by ~20 ms
(both cores busy, the main thread's own work took longer).
"""

from __future__ import annotations

import ssl
import threading

_made: list[ssl.SSLContext] = []
_lock = threading.Lock()
_maker: threading.Thread | None = None


def new_verified() -> ssl.SSLContext:
    """A fresh context with the system CA store that checks the chain and the host name."""
    context = ssl.create_default_context()
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def prepare(count: int) -> None:
    """Start making ``count`` contexts in a thread (once per process)."""
    global _maker
    if count < 1 or _maker is not None:
        return

    def make() -> None:
        for _ in range(count):
            context = new_verified()
            with _lock:
                _made.append(context)

    _maker = threading.Thread(target=make, name="tls-contexts", daemon=True)
    _maker.start()


def verified() -> ssl.SSLContext:
    """A prepared context if one is left (waiting for the thread if it is still making it),
    else a fresh one."""
    if _maker is not None:
        _maker.join()
    with _lock:
        if _made:
            return _made.pop()
    return new_verified()
