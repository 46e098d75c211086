"""Snapshot tests of the group chat view (log with traffic and a mention, occupant list, header
with the subject, the room under "Rooms" in the roster), per shipped theme and size.

Data and time are pinned (FakeClient, fixed UTC times, the sample room of ``room_app``).
Update on purpose with ``pytest tests/ui/test_room_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.fakes import ME
from tests.ui.helpers import main_screen
from tests.ui.room_app import ROOM, make_room_app
from tests.ui.test_snapshots import SIZES, THEMES, steady
from tuichat.ui.widgets.composer import Composer


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES)
def test_group_chat_view(snap_compare, tmp_path: Path, theme: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    """The room in view: occupants by role with marks, joins/leaves/nick change, a mention."""

    async def run_before(pilot: Pilot[None]) -> None:
        for _ in range(100):
            if main_screen(pilot).convs.current == (ME, ROOM):
                break
            await pilot.pause(0.02)
        main_screen(pilot).query_one(Composer).set_text("carl: on it")
        await steady(pilot)
        await pilot.pause(0.1)  # the coalesced occupant list and header

    app, _client, _clock = make_room_app(theme, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
