"""Pilot tests of OMEMO in a room over the FakeClient: the header says how the room sends,
``/omemo on`` in a room that is not eligible shows the client's words, and a message held
because the room stopped being eligible leaves a notice in the room."""

from __future__ import annotations

from pathlib import Path

from tests.ui.fakes import ME
from tests.ui.helpers import log_text
from tests.ui.room_app import ROOM
from tests.ui.test_commands import inline_error, run_line
from tests.ui.test_rooms import header_text, room_ui
from tuichat import events as ev
from tuichat.model import Encryption

NOT_ELIGIBLE = (
    f"{ROOM} is neither members-only nor non-anonymous: OMEMO in a group chat needs a "
    "members-only, non-anonymous room (its owner can change that)"
)


async def test_omemo_on_in_a_room_sets_the_header(tmp_path: Path) -> None:
    async with room_ui(tmp_path) as ui:
        assert "· plaintext" in header_text(ui.pilot)
        await run_line(ui.pilot, "/omemo on")
        await ui.pilot.pause()
        assert ui.client.called("set_encryption") == [
            ("set_encryption", ME, ROOM, Encryption.OMEMO)
        ]
        assert "· OMEMO" in header_text(ui.pilot)


async def test_omemo_on_in_a_room_that_is_not_eligible_says_why(tmp_path: Path) -> None:
    async with room_ui(tmp_path) as ui:
        ui.client.fail["set_encryption"] = NOT_ELIGIBLE
        await run_line(ui.pilot, "/omemo on")
        await ui.pilot.pause()
        assert inline_error(ui.pilot) == f"could not turn OMEMO on: {NOT_ELIGIBLE}"
        assert "· plaintext" in header_text(ui.pilot)


async def test_a_message_held_by_a_room_that_opened_leaves_a_notice(tmp_path: Path) -> None:
    async with room_ui(tmp_path) as ui:
        reason = (
            f"not sent: {ROOM} is not members-only (anyone may join): OMEMO in a group chat "
            "needs a members-only, non-anonymous room (its owner can change that); it stays "
            "in the outbox"
        )
        ui.client.bus.publish(ev.EncryptionHeld(ME, ROOM, reason, ()))
        await ui.pilot.pause()
        text = " ".join(log_text(ui.pilot).split())
        assert f"messages wait, not sent: {ROOM} is not members-only (anyone may join)" in text
        assert "(its owner can change that) " in text + " "
        assert "not sent: not sent" not in text and "/omemo devices" not in text
