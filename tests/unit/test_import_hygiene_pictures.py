"""Import hygiene of pictures: Pillow and textual-image are imported when a picture is first
drawn, after the first frame, never on the way to it (see test_import_hygiene.py)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.pngs import captcha_png
from tests.unit.test_import_hygiene import imported_after, loaded

PICTURES = ("PIL", "textual_image")


def test_the_ui_modules_do_not_import_pillow_or_textual_image() -> None:
    modules = imported_after(
        "import tuichat.ui.app, tuichat.ui.screens.main, tuichat.ui.picture_view\n"
        "import tuichat.ui.dialogs.data_form"
    )
    assert "tuichat.ui.picture_view" in modules
    assert loaded(modules, PICTURES) == []


def test_an_avatar_in_view_is_decoded_after_the_first_frame(tmp_path: Path) -> None:
    """The conversation in view at start has an avatar: its decoding starts only once the
    first frame is drawn (Textual posted ``Ready``), and Pillow was not loaded until then; it
    is once the avatar is drawn (so the picture really was on its way)."""
    data = tmp_path / "data"
    config = tmp_path / "config" / "tuichat" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        '[[account]]\njid = "me@example.test"\npassword_env = "HYGIENE_PW"\n'
        'host = "127.0.0.1"\nport = 1\n',
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(data),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "HYGIENE_PW": "secret",
        "TUICHAT_PICTURES": "blocks",
        "COLORTERM": "truecolor",
    }
    env.pop("TUICHAT_CONFIG", None)
    env.pop("NO_COLOR", None)
    picture = captcha_png(16, 16)
    sha1 = hashlib.sha1(picture).hexdigest()
    modules = imported_after(
        f"""
        import asyncio, sys
        from datetime import UTC, datetime
        from tuichat.avatars import Avatar
        from tuichat.cli import main
        from tuichat.model import Direction, Message
        from tuichat.paths import Paths
        from tuichat.store import Store
        from tuichat.ui.app import TuichatApp
        from tuichat.ui.picture_view import PictureView

        store = Store.open(Paths.default().store_file)
        store.save_message(Message(
            account="me@example.test", conversation="bob@example.test",
            direction=Direction.IN, sender="bob@example.test/x", body="hello",
            timestamp=datetime(2025, 1, 1, tzinfo=UTC), stanza_id="s1",
        ))
        store.set_avatar("me@example.test", "bob@example.test",
                         Avatar("bob@example.test", {sha1!r}, "image/png", {picture!r}))
        store.close()
        at_first_frame, drawn = [], []
        run_worker = PictureView.run_worker

        def starting(view, *args, **kwargs):  # when decoding starts: first frame? Pillow?
            at_first_frame.append((view.app._dom_ready, "PIL" in sys.modules))
            return run_worker(view, *args, **kwargs)

        PictureView.run_worker = starting

        def headless_run(app):
            def hook(message):
                if isinstance(message, PictureView.Drawn) and message.view.drawing is not None:
                    drawn.append(True)

            async def go():
                async with app.run_test(message_hook=hook) as pilot:
                    for _ in range(500):
                        await pilot.pause(0.01)
                        if drawn:
                            break

            asyncio.run(go())

        TuichatApp.run = headless_run
        assert main([]) == 0, "main"
        assert at_first_frame[0] == (True, False), at_first_frame
        assert drawn, "the avatar was never drawn"
        """,
        env=env,
    )
    assert "PIL.Image" in modules
    assert loaded(modules, ("textual_image",)) == []  # half blocks need no textual-image
