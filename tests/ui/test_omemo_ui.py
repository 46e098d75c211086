"""Pilot tests of the OMEMO trust UI: ``/omemo``, the header, the device and QR screens, and
what the log shows of encrypted messages (placeholders, trust marks, notices)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import OptionList

from tests.ui.conftest import UI
from tests.ui.fakes import ALICE, ME, T0, FakeClient, make_config, make_paths, seed_store
from tests.ui.helpers import log_text, main_screen, settle
from tests.ui.test_commands import inline_error, run_line
from tuichat.bus import EventBus
from tuichat.client import ChatClient
from tuichat.config import AccountConfig
from tuichat.events import (
    DevicesChanged,
    EncryptionHeld,
    MessageDecrypted,
    MessageReceived,
    MessageRemoved,
)
from tuichat.lazy_client import LazyClient
from tuichat.model import Device, Direction, Encryption, Message, Trust
from tuichat.store import Store
from tuichat.ui.app import build_app
from tuichat.ui.dialogs.devices import DeviceScreen
from tuichat.ui.dialogs.qr_code import QRCodeScreen

FP1 = "a1" * 32
FP2 = "b2" * 32
FP3 = "c3" * 32
OWN_FP = "d4" * 32
OTHER_OWN_FP = "e5" * 32


def alice_devices() -> list[Device]:
    return [
        Device(ALICE, 22, FP2, Trust.UNDECIDED, label="laptop"),
        Device(ALICE, 11, FP1, Trust.BLIND, label="phone"),
        Device(ALICE, 33, FP3, Trust.DISTRUSTED, active=False),
    ]


def own_devices() -> list[Device]:
    return [
        Device(ME, 1, OWN_FP, Trust.VERIFIED, this_device=True, label="tuichat"),
        Device(ME, 7, OTHER_OWN_FP, Trust.UNDECIDED, label="Conversations"),
    ]


def with_devices(ui: UI) -> UI:
    ui.client.device_list[ALICE] = alice_devices()
    ui.client.device_list[ME] = own_devices()
    return ui


def flat_log(pilot: Pilot[None]) -> str:
    """The log's words with wrapped lines joined (one space between words)."""
    return " ".join(log_text(pilot).split())


def header(pilot: Pilot[None]) -> str:
    return str(main_screen(pilot).query_one("#conversation-header").render())


async def open_alice(pilot: Pilot[None]) -> None:
    main_screen(pilot).open_conversation((ME, ALICE))
    await settle(pilot)


async def device_screen(pilot: Pilot[None]) -> DeviceScreen:
    for _ in range(50):
        screen = pilot.app.screen
        if isinstance(screen, DeviceScreen) and screen.loaded:
            await pilot.pause()
            return screen
        await pilot.pause(0.02)
    raise AssertionError(f"no loaded device screen: {pilot.app.screen!r}")


def rows(screen: DeviceScreen) -> list[str]:
    options = screen.query_one(OptionList)
    return [str(getattr(o.prompt, "plain", o.prompt)) for o in options.options]


def status(screen: DeviceScreen) -> str:
    return str(screen.query_one("#devices-status").render())


# -- /omemo on|off and the header ------------------------------------------------------------


async def test_omemo_on_sets_encryption_and_the_header_says_it(ui: UI) -> None:
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_alice(pilot)
        assert "· plaintext" in header(pilot)
        await run_line(pilot, "/omemo on")
        assert ui.client.called("set_encryption") == [
            ("set_encryption", ME, ALICE, Encryption.OMEMO)
        ]
        assert "· OMEMO" in header(pilot) and "plaintext" not in header(pilot)
        assert "OMEMO on: what you send here is encrypted end to end" in log_text(pilot)
        await run_line(pilot, "/omemo off")
        assert "· plaintext" in header(pilot)


async def test_header_starts_from_the_clients_state(ui: UI) -> None:
    ui.client.encryptions[(ME, ALICE)] = Encryption.OMEMO
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_alice(pilot)
        assert "· OMEMO" in header(pilot)


async def test_failing_set_encryption_shows_its_words(ui: UI) -> None:
    ui.client.fail["set_encryption"] = "the room is not members-only and non-anonymous"
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_alice(pilot)
        await run_line(pilot, "/omemo on")
        assert inline_error(pilot) == (
            "could not turn OMEMO on: the room is not members-only and non-anonymous"
        )
        assert "· plaintext" in header(pilot)


async def test_omemo_without_a_conversation_says_what_to_do(ui: UI) -> None:
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        main_screen(pilot).close_conversation()
        main_screen(pilot).close_conversation()
        await pilot.pause()
        await run_line(pilot, "/omemo on")
        assert "open one first" in inline_error(pilot)
        await run_line(pilot, "/omemo trust nothex")
        assert "open the contact's conversation, or give a JID" in inline_error(pilot)


# -- the device screen -----------------------------------------------------------------------


async def test_device_screen_lists_devices_with_trust_in_words(ui: UI) -> None:
    with_devices(ui)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_alice(pilot)
        await run_line(pilot, "/omemo devices")
        screen = await device_screen(pilot)
        shown = rows(screen)
        assert [r.split("\n")[0] for r in shown] == [
            "◐ blind  #11  active  phone",
            "? undecided  #22  active  laptop",
            "✗ distrusted  #33  inactive",
        ]
        assert shown[0].split("\n")[1] == "  " + " ".join(FP1[i : i + 8] for i in range(0, 64, 8))
        assert "3 devices; 1 waiting for your decision" in status(screen)
        assert ui.client.called("devices") == [("devices", ME, ALICE)]


async def test_v_and_d_call_set_trust_and_the_row_follows(ui: UI) -> None:
    with_devices(ui)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_alice(pilot)
        await run_line(pilot, "/omemo devices")
        screen = await device_screen(pilot)
        await pilot.press("down")  # the undecided laptop
        await pilot.press("v")
        await pilot.pause(0.1)
        assert ui.client.called("set_trust") == [("set_trust", ME, ALICE, FP2, Trust.VERIFIED)]
        assert rows(screen)[1].startswith("✓ verified  #22")
        assert "#22 is now verified" in status(screen)
        await pilot.press("up", "d")
        await pilot.pause(0.1)
        assert ui.client.called("set_trust")[-1] == ("set_trust", ME, ALICE, FP1, Trust.DISTRUSTED)
        assert rows(screen)[0].startswith("✗ distrusted  #11")
        await pilot.press("q")
        await pilot.pause()
        assert pilot.app.screen is main_screen(pilot)


async def test_header_counts_undecided_devices_until_the_user_decides(ui: UI) -> None:
    with_devices(ui)
    ui.client.encryptions[(ME, ALICE)] = Encryption.OMEMO
    async with ui.app.run_test(size=(120, 30)) as pilot:
        await open_alice(pilot)
        ui.client.bus.publish(DevicesChanged(ME, ALICE, tuple(alice_devices())))
        await pilot.pause()
        assert "· OMEMO, ? 1 undecided" in header(pilot)
        await run_line(pilot, "/omemo devices")
        await device_screen(pilot)
        await pilot.press("down", "v")
        await pilot.pause(0.1)
        await pilot.press("escape")
        await pilot.pause()
        assert "undecided" not in header(pilot) and "· OMEMO" in header(pilot)


async def test_a_refused_decision_is_said_in_words(ui: UI) -> None:
    with_devices(ui)
    ui.client.fail["set_trust"] = "the device is gone"
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_alice(pilot)
        await run_line(pilot, "/omemo devices")
        screen = await device_screen(pilot)
        await pilot.press("v")
        await pilot.pause(0.1)
        assert "could not verify #11: the device is gone" in status(screen)
        assert screen.query_one("#devices-status").has_class("-error")
        assert rows(screen)[0].startswith("◐ blind")


async def test_device_screen_follows_devices_changed(ui: UI) -> None:
    with_devices(ui)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_alice(pilot)
        await run_line(pilot, "/omemo devices")
        screen = await device_screen(pilot)
        fresh = Device(ALICE, 44, "f0" * 32, Trust.UNDECIDED, label="tablet")
        devices = (*alice_devices(), fresh)
        ui.client.bus.publish(DevicesChanged(ME, "someone@else.org", ()))  # not this screen's
        ui.client.bus.publish(DevicesChanged(ME, ALICE, devices, added=(fresh,)))
        await pilot.pause()
        assert [r.split("  ")[1] for r in rows(screen)] == ["#11", "#22", "#44", "#33"]


async def test_a_failed_fetch_is_said_in_words(ui: UI) -> None:
    ui.client.fail["devices"] = "alice@example.org publishes no device list"
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_alice(pilot)
        await run_line(pilot, "/omemo devices")
        await pilot.pause(0.1)
        screen = pilot.app.screen
        assert isinstance(screen, DeviceScreen)
        assert "could not fetch the devices of alice@example.org: alice@example.org publishes" in (
            status(screen)
        )


async def test_own_screen_lists_other_devices_first_and_marks_this_one(ui: UI) -> None:
    with_devices(ui)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_alice(pilot)
        await run_line(pilot, f"/omemo devices {ME}")
        screen = await device_screen(pilot)
        shown = [r.split("\n")[0] for r in rows(screen)]
        assert shown == [
            "? undecided  #7  active  Conversations",
            "● this device  #1  active  tuichat",
        ]
        assert str(screen.query_one("#devices-title").render()) == f"Your devices ({ME})"
        await pilot.press("down", "v")
        await pilot.pause(0.1)
        assert "nothing to decide" in status(screen)
        assert ui.client.called("set_trust") == []


async def test_omemo_fingerprint_shows_the_qr_code_over_the_own_devices(ui: UI) -> None:
    with_devices(ui)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_alice(pilot)
        await run_line(pilot, "/omemo fingerprint")
        await pilot.pause(0.2)
        qr = pilot.app.screen
        assert isinstance(qr, QRCodeScreen)
        assert qr.device.fingerprint == OWN_FP and qr.jid == ME
        assert len(qr.rows) <= 24 and max(len(r) for r in qr.rows) <= 80
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DeviceScreen)
        await pilot.press("c")
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, QRCodeScreen)


async def test_qr_key_is_only_on_the_own_screen(ui: UI) -> None:
    with_devices(ui)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_alice(pilot)
        await run_line(pilot, "/omemo devices")
        await device_screen(pilot)
        await pilot.press("c")
        await pilot.pause(0.1)
        assert isinstance(pilot.app.screen, DeviceScreen)
        assert ui.client.called("own_device") == []


async def test_trust_and_distrust_by_fingerprint(ui: UI) -> None:
    with_devices(ui)
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_alice(pilot)
        spaced = " ".join(FP2[i : i + 8] for i in range(0, 64, 8)).upper()
        await run_line(pilot, f"/omemo trust {spaced}")
        await run_line(pilot, f"/omemo distrust {ME} {OTHER_OWN_FP}")
        assert ui.client.called("set_trust") == [
            ("set_trust", ME, ALICE, FP2, Trust.VERIFIED),
            ("set_trust", ME, ME, OTHER_OWN_FP, Trust.DISTRUSTED),
        ]
        await run_line(pilot, "/omemo trust 12345")
        assert "/omemo trust: not a fingerprint (64 hex digits)" in inline_error(pilot)


# -- the log ---------------------------------------------------------------------------------


def encrypted(minutes: int, **kw: object) -> Message:
    message = Message(
        ME,
        ALICE,
        Direction.IN,
        f"{ALICE}/phone",
        "I sent you an OMEMO encrypted message",
        T0 + timedelta(minutes=minutes),
        stanza_id=f"enc-{minutes}",
        encryption=Encryption.OMEMO,
    )
    return replace(message, **kw)  # type: ignore[arg-type]


async def receive(pilot: Pilot[None], ui: UI, message: Message) -> Message:
    """Store ``message`` and publish it as the engine does (the row with its store id)."""
    row = ui.store.save_message(message)
    assert row is not None and row.id is not None
    stored = replace(message, id=row.id)  # with its encryption fields, kept or not by the store
    ui.client.bus.publish(MessageReceived(ME, stored))
    await pilot.pause(0.2)
    return stored


async def test_placeholder_then_decrypted_in_place(ui: UI) -> None:
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_alice(pilot)
        placeholder = await receive(
            pilot, ui, encrypted(40, body="", undecrypted="no session with this device yet")
        )
        text = log_text(pilot)
        assert "could not decrypt: no session with this device yet" in text
        assert "I sent you an OMEMO" not in text
        lines = main_screen(pilot).view.message_log.line_count
        readable = replace(placeholder, body="the secret plan", undecrypted=None, trust=Trust.BLIND)
        ui.client.bus.publish(MessageDecrypted(ME, readable))
        await pilot.pause(0.1)
        text = log_text(pilot)
        assert "could not decrypt" not in text
        assert text.count("the secret plan ◐ blind") == 1
        assert main_screen(pilot).view.message_log.line_count == lines


async def test_a_placeholder_spent_on_an_action_leaves_the_log(ui: UI) -> None:
    """A placeholder that decrypts, once its device is trusted, into a correction of an earlier
    message is no message of its own: the store drops its row and the log its line."""
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_alice(pilot)
        await receive(pilot, ui, encrypted(40, body="before"))
        placeholder = await receive(
            pilot, ui, encrypted(41, body="", undecrypted="sent from a device you distrust")
        )
        assert "could not decrypt: sent from a device you distrust" in log_text(pilot)
        assert placeholder.id is not None
        ui.client.bus.publish(MessageRemoved(ME, ALICE, placeholder.id))
        await pilot.pause(0.1)
        text = log_text(pilot)
        assert "could not decrypt" not in text
        assert "before" in text


async def test_trust_marks_in_the_log(ui: UI) -> None:
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_alice(pilot)
        await receive(pilot, ui, encrypted(41, body="from the laptop", trust=Trust.UNDECIDED))
        await receive(pilot, ui, encrypted(42, body="from the phone", trust=Trust.VERIFIED))
        lines = [line.rstrip() for line in log_text(pilot).splitlines()]
        assert "09:41 Alice       from the laptop ? undecided" in lines
        assert "09:42 Alice       from the phone" in lines  # verified: no mark


async def test_new_device_notice_in_the_conversation(ui: UI) -> None:
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_alice(pilot)
        fresh = Device(ALICE, 44, "f0" * 32, Trust.UNDECIDED, label="tablet")
        ui.client.bus.publish(DevicesChanged(ME, ALICE, (fresh,), added=(fresh,)))
        await pilot.pause(0.1)
        text = flat_log(pilot)
        assert "Alice has a new device f0f0f0f0 f0f0f0f0… (tablet), undecided" in text
        ui.client.bus.publish(DevicesChanged(ME, ALICE, (fresh,), added=(fresh,)))
        await pilot.pause(0.1)
        assert flat_log(pilot).count("has a new device") == 1
        # It stays with the conversation: away and back, it is still there.
        main_screen(pilot).open_conversation((ME, "bob@example.net"))
        await pilot.pause()
        assert "has a new device" not in flat_log(pilot)
        await open_alice(pilot)
        assert "has a new device f0f0f0f0" in flat_log(pilot)


async def test_held_messages_notice_says_why_and_how_to_decide(ui: UI) -> None:
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await open_alice(pilot)
        laptop = Device(ALICE, 22, FP2, Trust.UNDECIDED)
        ui.client.bus.publish(EncryptionHeld(ME, ALICE, "Alice has an undecided device", (laptop,)))
        await pilot.pause(0.1)
        text = flat_log(pilot)
        assert "messages wait, not sent: Alice has an undecided device" in text
        assert "/omemo devices" in text


async def test_own_new_device_notice_in_every_open_conversation(ui: UI) -> None:
    """Our account's new device matters to every conversation of the account: each open one
    gets the notice (Conversations#2583: users were never told)."""
    async with ui.app.run_test(size=(100, 30)) as pilot:
        screen = main_screen(pilot)
        screen.open_conversation(("me@example.org", "bob@example.net"))
        await open_alice(pilot)
        mine = Device(ME, 7, OTHER_OWN_FP, Trust.BLIND, label="Conversations")
        ui.client.bus.publish(DevicesChanged(ME, ME, (mine,), added=(mine,)))
        await pilot.pause(0.1)
        words = "your account has a new device e5e5e5e5 e5e5e5e5… (Conversations), blind"
        assert words in flat_log(pilot)
        assert f"/omemo devices {ME} to verify or distrust it" in flat_log(pilot)
        screen.open_conversation((ME, "bob@example.net"))
        await pilot.pause()
        assert words in flat_log(pilot)


async def test_devices_in_a_room_asks_for_the_members_jid(ui: UI) -> None:
    async with ui.app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await run_line(pilot, "/join lobby@rooms.example.org")
        await pilot.pause(0.2)
        await run_line(pilot, "/omemo devices")
        assert "in a room: give the member's JID" in inline_error(pilot)
        assert not isinstance(pilot.app.screen, DeviceScreen)


async def test_first_frame_header_does_not_build_the_client(tmp_path: Path) -> None:
    """The header's encryption words must not import the XMPP layer for the first frame: the
    lazy client answers from what the store remembers (here: encrypted), without building the
    real client."""
    store = Store.memory()
    seed_store(store)
    bus = EventBus()
    built: list[FakeClient] = []

    def build(_accounts: Sequence[AccountConfig]) -> ChatClient:
        built.append(FakeClient((ME,), store, bus=bus))
        return built[-1]  # type: ignore[return-value]  # FakeClient is a ChatClient

    def stored(_account: str, conversation: str) -> Encryption:
        return Encryption.OMEMO if conversation == ALICE else Encryption.NONE

    config = make_config(tmp_path)
    lazy = LazyClient(config.accounts, bus, build, encryption=stored)
    app = build_app(
        config, make_paths(tmp_path), store, lazy, tz=UTC, clock=lambda: T0, start_client=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await open_alice(pilot)
        assert built == []
        assert "· OMEMO" in header(pilot)


async def test_palette_entries_open_the_device_screens(ui: UI) -> None:
    with_devices(ui)
    async with ui.app.run_test(size=(80, 24)) as pilot:
        await open_alice(pilot)
        main_screen(pilot).action_command("omemo_devices")
        screen = await device_screen(pilot)
        assert screen.jid == ALICE and not screen.own
        await pilot.press("escape")
        await pilot.pause()
        main_screen(pilot).action_command("omemo_fingerprint")
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, QRCodeScreen)
