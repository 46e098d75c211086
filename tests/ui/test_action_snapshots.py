"""80x24 snapshot of message actions in the log: the reaction line, the reply quote, the
tombstone, the edited mark and the selection mark.

Update on purpose with ``pytest tests/ui/test_action_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.ui.fakes import ALICE, ME
from tests.ui.helpers import main_screen, settle
from tests.ui.snapshot_app import make_app
from tuichat.ui.widgets.composer import Composer


def test_actions_in_the_log(snap_compare, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Alice's conversation after a reaction, a reply, a correction and a retraction."""

    async def run_before(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        client, store = screen.ctx.client, screen.ctx.store
        [first, yes, great, thumb] = store.history(ME, ALICE)[-4:]
        await client.react(ME, great, ("👍", "🎉"))
        await client.retract_message(ME, yes)
        await client.correct_message(ME, thumb, "👍 see you!")
        await client.reply(ME, first, "lunch is on me")
        screen.open_conversation((ME, ALICE))
        await settle(pilot)
        await pilot.press("alt+up", "up", "up")
        await settle(pilot)
        screen.query_one(Composer).cursor_blink = False
        await pilot.pause()

    assert snap_compare(make_app("dark", tmp_path), terminal_size=(80, 24), run_before=run_before)
