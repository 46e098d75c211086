"""Provides a Prosody with ``mod_admin_adhoc`` and ``mod_announce``, and its admin account."""

from __future__ import annotations

from collections.abc import Callable

from tests.harness.prosody import DOMAIN, ProsodyServer

ADMIN = "adminuser"
ADMIN_JID = f"{ADMIN}@{DOMAIN}"
ADMIN_PASSWORD = "admin-secret-1"

# Host-level modules_enabled adds to the global list (Prosody's modulemanager), so the
# harness's modules stay loaded.
EXTRA_CONFIG = f"""
admins = {{ "{ADMIN_JID}" }}
VirtualHost "{DOMAIN}"
    modules_enabled = {{ "admin_adhoc"; "announce" }}
"""


def admin_server(prosody_factory: Callable[..., ProsodyServer]) -> ProsodyServer:
    """A fresh server whose account ``adminuser`` is an admin (registered here)."""
    server = prosody_factory(extra_config=EXTRA_CONFIG)
    server.register(ADMIN, ADMIN_PASSWORD)
    return server
