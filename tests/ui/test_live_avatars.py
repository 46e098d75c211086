"""The whole app against the real Prosody: a contact publishes an avatar (XEP-0084) and it
appears in the header of their conversation, in half blocks, without a restart."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rich.color import ColorSystem

from tests.harness.peer import Peer
from tests.harness.prosody import ProsodyServer
from tests.integration.test_avatars import publish_avatar
from tests.ui.helpers import main_screen
from tests.ui.test_avatar_header import BLUE, RED, quadrants
from tests.ui.test_live_prosody import MakeAccount, befriend, live_app, until
from tuichat.ui.picture_view import PictureView


@pytest.fixture(autouse=True)
def half_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUICHAT_PICTURES", "blocks")
    monkeypatch.delenv("NO_COLOR", raising=False)


async def test_a_contacts_new_avatar_shows_in_the_header(
    tmp_path: Path, prosody: ProsodyServer, account: MakeAccount
) -> None:
    me, bob = account("avlme"), account("avlbob")
    async with Peer.connect(prosody, bob.jid, bob.password) as pb:
        await befriend(prosody, me, pb, "Bob Builder")
        async with live_app(tmp_path, prosody, me) as live:
            pilot = live.pilot
            live.app.console._color_system = ColorSystem.TRUECOLOR
            main_screen(pilot).open_conversation((me.jid, bob.jid))
            view = main_screen(pilot).query_one("#avatar", PictureView)
            await pilot.pause()
            assert not view.display  # none yet
            for top in (RED, BLUE):  # a first avatar, then a new one
                picture = quadrants(top)
                sha1 = await publish_avatar(pb, picture)

                def shown(top: tuple[int, int, int] = top) -> bool:
                    drawing = view.drawing
                    if drawing is None or not drawing.spans:
                        return False
                    style = drawing.spans[0].style
                    return not isinstance(style, str) and bool(
                        style.color and style.color.triplet == top
                    )

                await until(pilot, shown, 15, f"the avatar with {top} on top in the header")
                held = live.store.avatar(me.jid, bob.jid)
                assert held is not None and held.sha1 == sha1 == hashlib.sha1(picture).hexdigest()
            assert str(view.drawing).split("\n") == ["▀" * 8] * 4
