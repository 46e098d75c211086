"""The room settings as a data form against the real Prosody: read whole, filled, sent back."""

from __future__ import annotations

from collections.abc import Callable

from tests.harness.prosody import ProsodyServer, TestAccount
from tests.integration.test_muc import room_name
from tests.integration.test_muc_rooms import two
from tuichat.forms import FieldType, check_form, filled


async def test_room_form_round_trip(
    prosody: ProsodyServer, account: Callable[..., TestAccount]
) -> None:
    """The owner reads Prosody's whole configuration form (many field types), changes the
    name, a tick and a list choice, sends it back; the room has the new settings."""
    a, b = account("owner"), account("other")
    room = room_name(prosody, "formed")
    async with two(prosody, a, b) as (manager, _rec):
        await manager.join_room(a.jid, room, "Owner")
        form = await manager.get_room_form(a.jid, room)
        types = {f.type for f in form.fields}
        assert {FieldType.TEXT_SINGLE, FieldType.BOOLEAN, FieldType.LIST_SINGLE} <= types
        assert {FieldType.TEXT_PRIVATE, FieldType.HIDDEN} <= types
        assert check_form(form) == {}
        changed = filled(
            form,
            {
                "muc#roomconfig_roomname": ("Formed \x1b[31mroom",),
                "muc#roomconfig_membersonly": ("1",),
                "muc#roomconfig_whois": ("anyone",),
            },
        )
        await manager.submit_room_form(a.jid, room, changed)
        config = await manager.get_room_config(a.jid, room)
        assert config["name"] == "Formed [31mroom"  # the escape never went on the wire
        assert config["members_only"] is True
        again = await manager.get_room_form(a.jid, room)
        assert again.values()["muc#roomconfig_whois"] == ("anyone",)
