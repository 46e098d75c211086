"""Provides the room settings form (``/config``): name, description, password and access.

The form is filled from the room (a coroutine: ``get_room_config``) and returns only what the
user changed, as friendly option names (``name``, ``members_only``…) for ``configure_room``;
``None`` when cancelled. A failed load is shown in words and Save stays off.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from tuichat.errors import ClientError
from tuichat.ui.render import safe_text

log = logging.getLogger(__name__)

TEXT_FIELDS = (("name", "Name"), ("description", "Description"), ("password", "Password"))
FLAG_FIELDS = (
    ("members_only", "Members only (invited or member JIDs may enter)"),
    ("hidden", "Hidden (not listed in the room browser)"),
    ("moderated", "Moderated (only participants may speak; visitors cannot)"),
    ("persistent", "Persistent (stays when the last occupant leaves)"),
)

ConfigLoader = Callable[[], Awaitable[dict[str, object]]]


def changes_between(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, Any]:
    """The entries of ``after`` that differ from ``before`` (what to send)."""
    return {k: v for k, v in after.items() if before.get(k) != v}


class RoomConfigScreen(ModalScreen[dict[str, Any] | None]):
    """The room settings form."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    DEFAULT_CSS = """
    RoomConfigScreen { align: center middle; }
    RoomConfigScreen > Vertical {
        width: 76;
        max-width: 95%;
        height: auto;
        max-height: 95%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    RoomConfigScreen #config-title { text-style: bold; margin-bottom: 1; }
    RoomConfigScreen #config-status { color: $foreground-darken-2; margin-top: 1; }
    RoomConfigScreen #config-status.-error { color: $error; }
    RoomConfigScreen VerticalScroll { height: auto; max-height: 16; }
    RoomConfigScreen .field { height: 1; margin-bottom: 1; }
    RoomConfigScreen .field Label { width: 13; }
    RoomConfigScreen .field Input {
        width: 1fr; height: 1; border: none; padding: 0 1; background: $panel;
        &:focus { border: none; background: $primary 30%; }
    }
    RoomConfigScreen Checkbox { border: none; padding: 0; height: 1; margin: 0; }
    RoomConfigScreen #config-buttons { height: auto; margin-top: 1; }
    RoomConfigScreen Button { margin-right: 2; }
    """

    def __init__(self, room: str, load: ConfigLoader) -> None:
        super().__init__()
        self.room = room
        self.load = load
        self.loaded: dict[str, object] | None = None

    def compose(self) -> ComposeResult:
        """Fields, status line, buttons."""
        with Vertical():
            yield Static(safe_text(f"Settings of {self.room}"), id="config-title")
            with VerticalScroll():
                for name, label in TEXT_FIELDS:
                    with Horizontal(classes="field"):
                        yield Label(label)
                        yield Input(id=f"config-{name}", password=name == "password", disabled=True)
                for name, label in FLAG_FIELDS:
                    yield Checkbox(label, id=f"config-{name}", disabled=True, compact=True)
            yield Static("reading the room's settings…", id="config-status")
            with Horizontal(id="config-buttons"):
                yield Button("Save (Ctrl+S)", id="save", variant="primary", disabled=True)
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        """Read the room's settings in the background."""
        self.run_worker(self._load(), group="room-config", exit_on_error=False)

    async def _load(self) -> None:
        status = self.query_one("#config-status", Static)
        try:
            values = await self.load()
        except ClientError as exc:
            log.warning("settings of %s: %s", self.room, exc)
            status.update(safe_text(f"could not read the settings: {exc}"))
            status.add_class("-error")
            return
        self.loaded = values
        for name, _label in TEXT_FIELDS:
            field = self.query_one(f"#config-{name}", Input)
            field.value = str(values.get(name) or "")
            field.disabled = False
        for name, _label in FLAG_FIELDS:
            box = self.query_one(f"#config-{name}", Checkbox)
            box.value = bool(values.get(name))
            box.disabled = False
        self.query_one("#save", Button).disabled = False
        status.update("Tab moves, Space ticks, Ctrl+S saves")
        self.query_one("#config-name", Input).focus()

    def values(self) -> dict[str, object]:
        """What the form says now, by friendly option name."""
        out: dict[str, object] = {}
        for name, _label in TEXT_FIELDS:
            out[name] = self.query_one(f"#config-{name}", Input).value
        for name, _label in FLAG_FIELDS:
            out[name] = self.query_one(f"#config-{name}", Checkbox).value
        return out

    def action_save(self) -> None:
        """Return what changed (nothing when the settings were not read)."""
        if self.loaded is None:
            return
        loaded = self.loaded
        before: dict[str, object] = {n: str(loaded.get(n) or "") for n, _label in TEXT_FIELDS}
        before |= {n: bool(loaded.get(n)) for n, _label in FLAG_FIELDS}
        self.dismiss(changes_between(before, self.values()))

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()
