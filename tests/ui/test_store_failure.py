"""The running app and a store that fails under it: the user is told, once, in words."""

from __future__ import annotations

import pytest

from tests.ui.conftest import UI
from tuichat.store import StoreError


def notifications(ui: UI) -> list[str]:
    return [str(n.message) for n in ui.app._notifications]


async def test_a_store_write_failing_away_from_the_screens_is_shown(ui: UI) -> None:
    """A write fails where no screen sees it (as in a network callback): a lasting error."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        ui.store._conn.execute("PRAGMA query_only = ON")  # every write now really fails
        with pytest.raises(StoreError):
            ui.store.set_setting("k", "v")
        with pytest.raises(StoreError):
            ui.store.set_setting("k", "v")  # a second failure is not a second notice
        await pilot.pause(2.5)
        shown = [n for n in notifications(ui) if "not being saved" in n]
        assert shown == [
            "cannot write to the message store :memory:: it is read-only."
            " New messages are not being saved."
        ]
