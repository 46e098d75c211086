"""Import hygiene: headless paths never load Textual, the UI never loads slixmpp, no eager OMEMO.

Each check runs in a fresh interpreter (``sys.modules`` of the test process is polluted by
other tests) and reads back which modules got imported. This guards start-up cost and the
layer rules: ``tuichat history`` in a script must not pay for a UI toolkit, and the first
frame of the UI must not wait for XMPP or OMEMO imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

MARK = "MODULES="
UI_TOOLKIT = ("textual",)
OMEMO = ("omemo", "slixmpp_omemo", "oldmemo", "twomemo")


def imported_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """Run ``code`` in a fresh interpreter; the names in its ``sys.modules`` afterwards."""
    script = textwrap.dedent(code) + (
        f"\nimport json as _j, sys as _s\nprint({MARK!r} + _j.dumps(sorted(_s.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith(MARK))
    return set(json.loads(line[len(MARK) :]))


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """The modules of ``packages`` (the package or any submodule) found in ``modules``."""
    return sorted(m for m in modules if m.split(".", 1)[0] in packages)


def test_cli_parser_loads_neither_textual_nor_omemo() -> None:
    """Building the parser (every `tuichat --help`) stays cheap: no UI toolkit, no OMEMO."""
    modules = imported_after("import tuichat.cli\ntuichat.cli.build_parser()")
    assert "tuichat.cli.run" in modules  # the subcommands really were registered
    assert loaded(modules, UI_TOOLKIT) == []
    assert loaded(modules, OMEMO) == []


@pytest.fixture
def headless_env(tmp_path: Path) -> dict[str, str]:
    """An isolated XDG home with one account (pointing at a closed port) and one stored message."""
    config = tmp_path / "config" / "tuichat" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        '[[account]]\njid = "me@example.test"\npassword_env = "HYGIENE_PW"\n'
        'host = "127.0.0.1"\nport = 1\n',
        encoding="utf-8",
    )
    env = dict(os.environ)
    env.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        HYGIENE_PW="secret",
    )
    env.pop("TUICHAT_CONFIG", None)
    return env


def test_headless_commands_and_modules_never_load_textual(headless_env: dict[str, str]) -> None:
    """history, search, sync, send, the manager and the store run without importing Textual."""
    modules = imported_after(
        """
        from datetime import UTC, datetime
        from tuichat.cli import main
        from tuichat.model import Direction, Message
        from tuichat.paths import Paths
        from tuichat.store import Store

        store = Store.open(Paths.default().store_file)
        store.save_message(Message(
            account="me@example.test", conversation="bob@example.test",
            direction=Direction.IN, sender="bob@example.test/x", body="hello hygiene",
            timestamp=datetime(2025, 1, 1, tzinfo=UTC), stanza_id="s1",
        ))
        store.close()
        assert main(["history", "bob@example.test"]) == 0
        assert main(["history", "bob@example.test", "--json"]) == 0
        assert main(["search", "hygiene"]) == 0
        assert main(["sync", "--timeout", "0.2"]) == 1
        assert main(["send", "bob@example.test", "hi", "--timeout", "0.2"]) == 1

        from tuichat.bus import EventBus
        from tuichat.config import load_config
        from tuichat.xmpp.manager import ConnectionManager

        config = load_config(Paths.default().config_file)
        ConnectionManager(config.accounts, Store.memory(), EventBus())
        """,
        env=headless_env,
    )
    assert {"tuichat.cli.history_cmd", "tuichat.cli.sync_cmd", "tuichat.xmpp.manager"} <= modules
    assert "slixmpp" in modules  # sync/send really ran the XMPP layer
    assert "tuichat.ui.render" in modules  # history printed through the (Textual-free) renderer
    assert loaded(modules, UI_TOOLKIT) == []


def test_reading_commands_and_the_manager_never_load_omemo(headless_env: dict[str, str]) -> None:
    """history, search and building the manager pay nothing for OMEMO (only a session that
    starts for an account with OMEMO on loads it)."""
    modules = imported_after(
        """
        from tuichat.cli import main
        from tuichat.bus import EventBus
        from tuichat.config import load_config
        from tuichat.paths import Paths
        from tuichat.store import Store
        from tuichat.xmpp.manager import ConnectionManager

        assert main(["history", "bob@example.test", "--json"]) == 0
        assert main(["search", "hygiene"]) == 0
        config = load_config(Paths.default().config_file)
        ConnectionManager(config.accounts, Store.memory(), EventBus())
        """,
        env=headless_env,
    )
    assert "tuichat.xmpp.manager" in modules
    assert loaded(modules, OMEMO) == []


def test_sync_loads_omemo_only_once_connected(headless_env: dict[str, str]) -> None:
    """A session that never connects (or whose account has `omemo = false`) never pays for
    the OMEMO import (it loads once the server let us in, see tests/integration/test_omemo*)."""
    config = Path(headless_env["XDG_CONFIG_HOME"]) / "tuichat" / "config.toml"
    code = 'from tuichat.cli import main\nassert main(["sync", "--timeout", "0.2"]) == 1\n'
    assert loaded(imported_after(code, env=headless_env), OMEMO) == []
    config.write_text(config.read_text(encoding="utf-8") + "omemo = false\n", encoding="utf-8")
    modules = imported_after(code, env=headless_env)
    assert "tuichat.xmpp.session" in modules
    assert loaded(modules, OMEMO) == []


def test_ui_app_loads_no_xmpp_library() -> None:
    """The UI (app and main screen) imports neither slixmpp nor tuichat.xmpp nor OMEMO."""
    modules = imported_after(
        "import tuichat.ui.app\nimport tuichat.ui.screens.main\nimport tuichat.ui.screens.accounts"
    )
    assert "textual.app" in modules
    assert loaded(modules, ("slixmpp", *OMEMO)) == []
    assert sorted(m for m in modules if m.startswith("tuichat.xmpp")) == []


def test_first_frame_comes_before_slixmpp_is_imported(headless_env: dict[str, str]) -> None:
    """`tuichat` paints its first frame without the XMPP or OMEMO library (XMPP is imported just
    after; OMEMO once an account with it is connected).

    The real command's path (``tuichat.cli.main``), with the app run headless: at Textual's
    ``Ready`` (the first frame is on the screen) slixmpp must not be loaded, nor the command
    modules and their dialogs (loaded when a command first runs), nor ``importlib.metadata``
    (~1.5 MiB, read by ``textual.__version__``); once the client starts
    connecting slixmpp must be (the manager really was built, later).
    """
    modules = imported_after(
        """
        import asyncio, sys
        from textual import events
        from tuichat.cli import main
        from tuichat.ui.app import TuichatApp

        at_first_frame = []

        def headless_run(app):
            def hook(message):
                if isinstance(message, events.Ready):
                    at_first_frame.append("slixmpp" in sys.modules)
                    at_first_frame.append("slixmpp_omemo" in sys.modules)
                    at_first_frame.append("importlib.metadata" in sys.modules)
                    at_first_frame.append(sorted(
                        m for m in sys.modules
                        if m.startswith(("tuichat.ui.dialogs", "tuichat.xmpp"))
                        or m.startswith("tuichat.ui.commands.")
                        and m.rsplit(".", 1)[1] not in ("context", "dispatch", "lazy", "registry")
                    ))

            async def go():
                async with app.run_test(message_hook=hook) as pilot:
                    for _ in range(600):
                        await pilot.pause(0.01)
                        if at_first_frame and "tuichat.xmpp.omemo.engine" in sys.modules:
                            break

            asyncio.run(go())

        TuichatApp.run = headless_run
        assert main([]) == 0
        assert at_first_frame == [False, False, False, []], at_first_frame
        """,
        env=headless_env,
    )
    assert "tuichat.xmpp.manager" in modules  # built after the first frame, as it should be


def test_the_app_runs_at_120_frames_a_second_unless_the_user_says_otherwise() -> None:
    """The frame limit is set before Textual reads it (a keystroke's frame waits for it
    while a room scrolls); a user's own TEXTUAL_FPS wins."""
    import os
    import subprocess
    import sys

    code = (
        "from tuichat.cli.run import use_frame_rate; use_frame_rate(); "
        "import textual.constants as c; print(c.MAX_FPS)"
    )
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    ours = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert ours.stdout.strip() == "120", ours.stderr
    theirs = subprocess.run(
        [sys.executable, "-c", code], env={**env, "TEXTUAL_FPS": "30"}, capture_output=True,
        text=True,
    )  # fmt: skip
    assert theirs.stdout.strip() == "30", theirs.stderr


def test_the_xmpp_layer_loads_slixmpp_without_pygments() -> None:
    """slixmpp would load pygments to colour its debug XML (~3 MiB resident, ~20 ms): the
    connection manager imports it with pygments hidden, which stays importable afterwards."""
    modules = imported_after("from tuichat.xmpp.manager import ConnectionManager")
    assert "slixmpp" in modules
    assert loaded(modules, ("pygments",)) == []
    # Nor what slixmpp's version lookup and the certificate probe's quoting would bring.
    assert {"importlib.metadata", "email", "urllib.request"} & modules == set()
    later = imported_after(
        "from tuichat.xmpp.manager import ConnectionManager\nimport pygments.lexers"
    )
    assert "pygments.lexers" in later


def test_slixmpp_loads_aiodns_only_for_an_account_that_needs_dns_srv() -> None:
    """aiodns (c-ares, ~1.8 MiB) serves DNS SRV lookups alone: not loaded with slixmpp, it is
    when an account without ``host`` connects, and slixmpp's resolver then uses it."""
    modules = imported_after("from tuichat.xmpp.manager import ConnectionManager")
    assert loaded(modules, ("aiodns", "pycares")) == []
    later = imported_after(
        "from tuichat.xmpp.manager import ConnectionManager\n"
        "from tuichat.xmpp.library import resolve_srv\n"
        "from slixmpp.xmlstream import resolver\n"
        "assert not resolver.AIODNS_AVAILABLE\n"
        "resolve_srv()\n"
        "assert resolver.AIODNS_AVAILABLE\n"
        "import asyncio\n"
        "assert resolver.default_resolver(asyncio.new_event_loop()) is not None\n"
    )
    assert "aiodns" in later


def test_a_bare_tuichat_builds_no_subcommand_parser() -> None:
    """`tuichat` with no arguments runs the chat client: no subcommand module on the way."""
    modules = imported_after(
        "import tuichat.cli, tuichat.cli.run\n"
        "tuichat.cli.run.run = lambda args: 0\n"
        "tuichat.cli.main([])"
    )
    subcommands = [m for m in modules if m.startswith("tuichat.cli.") and m.endswith("_cmd")]
    assert subcommands == []


def test_slixmpp_knows_its_version_without_importlib_metadata() -> None:
    """The version made from the distribution's folder is the one the metadata says."""
    script = (
        "import json, sys\n"
        "from tuichat.xmpp.manager import ConnectionManager\n"
        "import slixmpp, slixmpp.version\n"
        "ours = [slixmpp.__version__, list(slixmpp.__version_info__),"
        " slixmpp.version.__version__, 'importlib.metadata' in sys.modules]\n"
        "from importlib.metadata import version\n"
        "print(json.dumps([ours, version('slixmpp')]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    (text, info, module_text, metadata_loaded), real = json.loads(done.stdout)
    assert text == module_text == real
    assert info == [int(part) for part in real.split(".")]
    assert metadata_loaded is False
