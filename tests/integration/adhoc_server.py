"""Provides a Prosody with ``mod_admin_adhoc`` and ``mod_announce`` and its admin account, and
a two-step ad-hoc command a slixmpp peer hosts (every field type, then a confirmation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.harness.peer import Peer
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


def host_wizard(peer: Peer) -> dict[str, Any]:
    """Host a two-step command ``wizard`` on ``peer``: every field type, then a confirmation
    (Back allowed), then a result. Returns what it was sent, for the test to read."""
    client = peer.client
    client.register_plugin("xep_0004")
    client.register_plugin("xep_0050")
    forms = client.plugin["xep_0004"]
    seen: dict[str, Any] = {"submitted": [], "prevs": 0, "cancelled": 0}

    def first_form(values: dict[str, Any]) -> Any:
        form = forms.make_form(ftype="form", title="Everything")
        form.add_field("FORM_TYPE", ftype="hidden", value="urn:test:wizard")
        form.add_field(ftype="fixed", value="About you")
        form.add_field("name", ftype="text-single", label="Name", required=True,
                       value=values.get("name", ""))  # fmt: skip
        form.add_field("secret", ftype="text-private", label="Secret")
        form.add_field("bio", ftype="text-multi", label="Bio")
        form.add_field("news", ftype="boolean", label="News", value=False)
        form.add_field("buddy", ftype="jid-single", label="Buddy")
        form.add_field("friends", ftype="jid-multi", label="Friends")
        colours = [{"label": "Red", "value": "r"}, {"label": "Blue", "value": "b"}]
        form.add_field("colour", ftype="list-single", label="Colour", value="r", options=colours)
        sizes = [{"label": "S", "value": "s"}, {"label": "L", "value": "l"}]
        form.add_field("sizes", ftype="list-multi", label="Sizes", options=sizes)
        return form

    def start(_iq: Any, session: dict[str, Any]) -> dict[str, Any]:
        session.update(payload=first_form({}), next=confirm, has_next=True, allow_prev=False)
        return session

    def confirm(payload: Any, session: dict[str, Any]) -> dict[str, Any]:
        values = payload.get_values()
        seen["submitted"].append(values)
        session["values"] = values
        form = forms.make_form(ftype="form", title="Confirm")
        form.add_field("sure", ftype="boolean", label="Sure?", required=True)
        session.update(
            payload=form, next=finish, prev=back, cancel=cancelled, has_next=False, allow_prev=True,
            allow_complete=True, notes=[("warning", "Check twice")],
        )  # fmt: skip
        return session

    def cancelled(_iq: Any, session: dict[str, Any]) -> None:
        seen["cancelled"] += 1

    def back(_payload: Any, session: dict[str, Any]) -> dict[str, Any]:
        seen["prevs"] += 1
        session.update(
            payload=first_form(session.get("values", {})), next=confirm, has_next=True,
            allow_prev=False, allow_complete=False, notes=None,
        )  # fmt: skip
        return session

    def finish(payload: Any, session: dict[str, Any]) -> dict[str, Any]:
        seen["finished"] = payload.get_values()
        form = forms.make_form(ftype="result", title="Done")
        form.add_field("name", ftype="text-single", label="Name",
                       value=session["values"].get("name", ""))  # fmt: skip
        session.update(payload=form, next=None, notes=[("info", "All set")])
        return session

    client.plugin["xep_0050"].add_command(node="wizard", name="Wizard", handler=start)
    return seen
