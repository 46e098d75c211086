"""Provides the TLS contexts accounts and file transfers connect with: verified ones, trusting
the system CA store, and the unverified one a pinned account checks against its pin.

Rule: a verified context checks the chain against the system CA store and the host name
(``CERT_REQUIRED``, ``check_hostname``); the account's ``ca_file`` is added to it at connect, so
each client gets a context of its own.

Why not ``ssl.create_default_context()``: it has OpenSSL parse the whole system bundle
(~140 certificates, ~30–50 ms here) for every context, one per account at each start, to use
one of them. Where the system keeps its CAs as a hashed folder too (``c_rehash`` names, as
Debian's ``update-ca-certificates`` writes beside the bundle), the context is pointed at that
folder instead, and OpenSSL reads a CA from it only when a chain names it: about a millisecond,
the same CAs trusted. ``SSL_CERT_DIR`` names the folder as it does for OpenSSL; where there is
no hashed folder, or ``SSL_CERT_FILE`` names a bundle other than OpenSSL's default one,
OpenSSL's own default paths are loaded whole, as before.
"""

from __future__ import annotations

import os
import re
import ssl

HASHED_NAME = re.compile(r"[0-9a-f]{8}\.\d+")
"""A file name in a hashed CA folder: the subject's hash, a dot, a number."""


def hashed_folder(paths: ssl.DefaultVerifyPaths | None = None) -> str | None:
    """The CA folder(s) OpenSSL would search (``SSL_CERT_DIR``, else its default), when each
    has hashed names and no bundle of the user's own is named (``SSL_CERT_FILE`` other than
    OpenSSL's default file, which must then be loaded whole); else None."""
    paths = paths or ssl.get_default_verify_paths()
    if paths.cafile and not _same_file(paths.cafile, paths.openssl_cafile):
        return None
    folders = (paths.capath or "").split(os.pathsep)
    return paths.capath if all(_is_hashed(folder) for folder in folders) else None


def _same_file(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _is_hashed(folder: str) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(HASHED_NAME.fullmatch(entry.name) for entry in entries)
    except OSError:  # no such folder (or an empty name), or not one we may read
        return False


def new_verified(paths: ssl.DefaultVerifyPaths | None = None) -> ssl.SSLContext:
    """A context that trusts the system CA store and checks the chain and the host name
    (``paths``: where OpenSSL's defaults are, for tests; the real ones otherwise)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    folder = hashed_folder(paths)
    if folder is not None:
        context.load_verify_locations(capath=folder)  # read as chains need them
    else:
        context.load_default_certs()
    return context


def new_unverified() -> ssl.SSLContext:
    """A context that accepts any certificate, with no CA store (it would not be used): only
    for a pinned account, whose certificate is compared with the pin before anything is sent,
    and for the probe that shows a server's certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
