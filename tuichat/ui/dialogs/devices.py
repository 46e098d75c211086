"""Provides the device screen: the OMEMO devices of one contact, or of the user's own account.

Each row reads: the trust in words with its symbol (colour is never the only signal), the
device id, active or inactive, the label; then the fingerprint in 8 groups of 8 hex digits.
Single keys act on the highlighted device: ``v`` verifies, ``d`` distrusts (through
``set_trust``; a refusal is said in words on the screen), ``c`` shows this device's QR code
(own account only), ``q`` or Esc closes. On the own account's screen our other devices come
first and this device is marked, last. The rows follow ``DevicesChanged`` from the bus.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tuichat.bus import Subscription
from tuichat.client import ChatClient
from tuichat.errors import ClientError
from tuichat.events import DevicesChanged
from tuichat.model import Device, Trust
from tuichat.ui.dialogs.qr_code import QRCodeScreen
from tuichat.ui.render import safe_text
from tuichat.ui.themes import resolve_color
from tuichat.ui.trust import (
    TRUST_SYMBOLS,
    TRUST_VARIABLES,
    TRUST_WORDS,
    device_order,
    fingerprint_text,
)

log = logging.getLogger(__name__)

HINT = "v verify  d distrust  ↑↓ choose  q close"
OWN_HINT = "v verify  d distrust  c QR code of this device  q close"


def trust_text(trust: Trust, variables: Mapping[str, str]) -> Text:
    """``✓ verified``, ``? undecided``…: symbol and word, coloured."""
    color = resolve_color(dict(variables), TRUST_VARIABLES[trust])
    return Text(f"{TRUST_SYMBOLS[trust]} {TRUST_WORDS[trust]}", style=Style(color=color))


def device_row(device: Device, variables: Mapping[str, str]) -> Text:
    """A device's two lines: trust (or "this device"), id, activity and label; then the
    fingerprint, indented."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if device.this_device:
        text.append("● this device", style=Style(bold=True))
    else:
        text.append_text(trust_text(device.trust, variables))
    text.append(f"  #{device.device_id}", style=Style(dim=True))
    text.append("  active" if device.active else "  inactive", style=Style(dim=not device.active))
    if device.label:
        text.append("  ")
        text.append_text(safe_text(device.label.replace("\n", " "), Style(italic=True)))
    text.append("\n  ")
    text.append_text(fingerprint_text(device.fingerprint))
    return text


def merged(shown: Sequence[Device], new: Sequence[Device], *, own: bool) -> list[Device]:
    """The rows after ``DevicesChanged``: its devices, keeping this device on the own screen
    when the event leaves it out."""
    devices = list(new)
    if own and not any(d.this_device for d in devices):
        devices += [d for d in shown if d.this_device]
    return device_order(devices)


class DeviceScreen(ModalScreen[None]):
    """``/omemo devices [JID]`` and ``/omemo fingerprint``: devices, trust, keys to decide."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "decide('verified')", "Verify"),
        Binding("d", "decide('distrusted')", "Distrust"),
        Binding("c", "qr_code", "QR code"),
        Binding("escape,q", "close", "Close"),
    ]

    DEFAULT_CSS = """
    DeviceScreen { align: center middle; }
    DeviceScreen > Vertical {
        width: 100%;
        max-width: 90;
        height: 100%;
        max-height: 30;
        border: round $primary;
        background: $surface;
    }
    DeviceScreen #devices-title { padding: 0 1; text-style: bold; background: $panel; }
    DeviceScreen OptionList { height: 1fr; border: none; padding: 0; background: $surface; }
    DeviceScreen #devices-status { padding: 0 1; height: auto; }
    DeviceScreen #devices-status.-error { color: $error; }
    DeviceScreen #devices-hint { padding: 0 1; color: $foreground-darken-2; }
    """

    def __init__(
        self, client: ChatClient, account: str, jid: str, name: str = "", *, qr: bool = False
    ) -> None:
        super().__init__()
        self.client = client
        self.account = account
        self.jid = jid
        self.own = jid == account
        """The account's own devices: other devices first, this one marked."""
        self.title_words = (
            f"Your devices ({jid})" if self.own else f"Devices of {name or jid} <{jid}>"
        )
        self.devices: list[Device] = []
        """The rows, in order."""
        self.loaded = False
        self._qr_wanted = qr
        self._sub: Subscription | None = None

    def compose(self) -> ComposeResult:
        """Title, the rows, a status line, the keys."""
        with Vertical():
            yield Static(safe_text(self.title_words), id="devices-title")
            yield OptionList(id="devices")
            yield Static(Text("fetching the devices…"), id="devices-status")
            yield Static(Text(OWN_HINT if self.own else HINT), id="devices-hint")

    def on_mount(self) -> None:
        """Follow the bus, fetch the devices, put the cursor on the list."""
        self._sub = self.client.bus.subscribe(DevicesChanged, self._changed)
        self.run_worker(self._load(), group="devices", exit_on_error=False)
        self.query_one(OptionList).focus()

    def on_unmount(self) -> None:
        """Stop following the bus."""
        if self._sub is not None:
            self._sub.cancel()

    # -- the rows ------------------------------------------------------------------------------

    async def _load(self) -> None:
        try:
            devices = await self.client.devices(self.account, self.jid)
        except ClientError as exc:
            log.warning("devices of %s: %s", self.jid, exc)
            self._say(f"could not fetch the devices of {self.jid}: {exc}", error=True)
            return
        self.loaded = True
        self._show(device_order(devices))
        self._say(self._summary())
        if self._qr_wanted:
            self._qr_wanted = False
            await self._open_qr()

    def _changed(self, event: DevicesChanged) -> None:
        if event.account == self.account and event.jid == self.jid:
            self.loaded = True
            self._show(merged(self.devices, event.devices, own=self.own))

    def _show(self, devices: list[Device]) -> None:
        """Fill the list, keeping the highlighted device where it was."""
        rows = self.query_one(OptionList)
        chosen = self.chosen
        self.devices = devices
        variables = self.app.theme_variables
        rows.clear_options()
        rows.add_options([Option(device_row(d, variables), id=str(d.device_id)) for d in devices])
        if devices:
            ids = [d.device_id for d in devices]
            keep = chosen.device_id if chosen is not None else None
            rows.highlighted = ids.index(keep) if keep in ids else 0

    def _summary(self) -> str:
        if not self.devices:
            who = "your account" if self.own else self.jid
            return f"{who} publishes no OMEMO device"
        waiting = sum(1 for d in self.devices if d.trust is Trust.UNDECIDED and not d.this_device)
        count = f"{len(self.devices)} device{'s' if len(self.devices) != 1 else ''}"
        return f"{count}; {waiting} waiting for your decision" if waiting else count

    def _say(self, words: str, *, error: bool = False) -> None:
        status = self.query_one("#devices-status", Static)
        status.update(safe_text(words))
        status.set_class(error, "-error")

    @property
    def chosen(self) -> Device | None:
        """The highlighted device."""
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.devices):
            return None
        return self.devices[index]

    # -- keys ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``c`` (the QR code) only on the own account's screen."""
        if action == "qr_code":
            return self.own
        return True

    def action_decide(self, level: str) -> None:
        """Verify or distrust the highlighted device."""
        trust = Trust(level)
        device = self.chosen
        if device is None:
            self._say("no device to decide on", error=True)
        elif device.this_device:
            self._say("this is the device you are using: there is nothing to decide")
        elif device.trust is trust:
            self._say(f"#{device.device_id} is already {TRUST_WORDS[trust]}")
        else:
            self.run_worker(self._set(device, trust), group="trust", exit_on_error=False)

    async def _set(self, device: Device, trust: Trust) -> None:
        verb = "verify" if trust is Trust.VERIFIED else "distrust"
        try:
            await self.client.set_trust(self.account, self.jid, device.fingerprint, trust)
        except ClientError as exc:
            log.warning("could not %s %s #%s: %s", verb, self.jid, device.device_id, exc)
            self._say(f"could not {verb} #{device.device_id}: {exc}", error=True)
            return
        done = [
            replace(d, trust=trust) if d.device_id == device.device_id else d for d in self.devices
        ]
        self._show(done)
        self._say(f"#{device.device_id} is now {TRUST_WORDS[trust]}")

    async def action_qr_code(self) -> None:
        """Show this device's fingerprint as a QR code."""
        await self._open_qr()

    async def _open_qr(self) -> None:
        try:
            device = await self.client.own_device(self.account)
        except ClientError as exc:
            self._say(f"could not read this device's fingerprint: {exc}", error=True)
            return
        self.app.push_screen(QRCodeScreen(self.account, device))

    def action_close(self) -> None:
        """Close the screen."""
        self.dismiss(None)
