"""The pure side of the OMEMO trust UI: words and symbols, fingerprints, the log's lines, the
header, the notices the bus events leave, and the ``/omemo`` command line."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from rich.console import Console

from tuichat import events as ev
from tuichat.model import Device, Direction, Encryption, Message, Occupant, Role, Trust
from tuichat.ui import slash
from tuichat.ui.commands import build_registry
from tuichat.ui.dialogs.devices import device_row
from tuichat.ui.main_state import MainState
from tuichat.ui.screens.headers import header_text
from tuichat.ui.trust import (
    LEGEND,
    LOG_MARKS,
    TRUST_SYMBOLS,
    TRUST_WORDS,
    device_order,
    fingerprint_text,
    held_words,
    new_device_words,
    short_fingerprint,
    shown_body,
    undecrypted_text,
)
from tuichat.ui.updates import update
from tuichat.ui.widgets.message_lines import LineLook, message_lines

FP = "".join(f"{i:x}" * 8 for i in range(8))
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ME, ALICE = "me@example.org", "alice@example.org"


def device(device_id: int, trust: Trust = Trust.BLIND, **kw: object) -> Device:
    return Device(ALICE, device_id, FP, trust, **kw)  # type: ignore[arg-type]


def test_every_level_has_a_symbol_and_words_of_its_own() -> None:
    """Colour is never the only signal: four different symbols, four different words."""
    assert len(set(TRUST_SYMBOLS.values())) == len(set(TRUST_WORDS.values())) == len(Trust)
    legend = " ".join(mark + words for mark, words in LEGEND)
    for mark in LOG_MARKS.values():
        assert mark.strip() in legend


def test_fingerprint_in_eight_groups_each_coloured_by_its_digits() -> None:
    text = fingerprint_text(FP)
    assert text.plain == " ".join(FP[i : i + 8] for i in range(0, 64, 8))
    colours = {span.style.color for span in text.spans}  # type: ignore[union-attr]
    assert len(colours) == 8
    same = fingerprint_text("0" * 8 * 8)
    assert len({str(span.style) for span in same.spans}) == 1
    assert fingerprint_text(FP, per_line=2).plain.count("\n") == 3


def test_short_fingerprint_is_two_groups() -> None:
    assert short_fingerprint(FP) == "00000000 11111111…"


def test_device_order_other_devices_first_this_one_last() -> None:
    devices = [
        device(5, this_device=True),
        device(9, active=False),
        device(7),
        device(3),
    ]
    assert [d.device_id for d in device_order(devices)] == [3, 7, 9, 5]


def test_placeholder_says_why_and_neutralises_network_text() -> None:
    text = undecrypted_text("no session\x1b[31m")
    assert text.plain.startswith("could not decrypt: no session")
    assert "\x1b" not in text.plain


def test_notice_words() -> None:
    words = new_device_words("Alice", device(4, label="phone"), own=False)
    assert words.startswith("Alice has a new device 00000000 11111111… (phone), blind")
    assert "/omemo devices" in words
    own = new_device_words("me", Device(ME, 4, FP, Trust.UNDECIDED), own=True)
    assert own.startswith("your account has a new device") and f"/omemo devices {ME}" in own
    assert "2 devices waiting for your decision" in held_words("nothing trusted", 2)
    assert held_words("no device", 0).startswith("messages wait, not sent: no device;")


# -- the log ---------------------------------------------------------------------------------


def line_text(message: Message) -> str:
    look = LineLook(Console(width=80), {}, UTC, "me", "Alice", None, "")
    return "\n".join(strip.text for strip in message_lines(message, 80, look))


def received(**kw: object) -> Message:
    base = Message(ME, ALICE, Direction.IN, f"{ALICE}/phone", "hello", NOW)
    return Message(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **kw})  # type: ignore[arg-type]


def test_undecrypted_message_shows_why_never_a_body() -> None:
    text = line_text(received(body="I sent you an OMEMO message", undecrypted="no session"))
    assert "could not decrypt: no session" in text
    assert "OMEMO message" not in text


@pytest.mark.parametrize(
    ("trust", "mark"),
    [(Trust.BLIND, "◐ blind"), (Trust.UNDECIDED, "? undecided"), (Trust.VERIFIED, None)],
)
def test_unverified_devices_are_marked_in_words(trust: Trust, mark: str | None) -> None:
    text = line_text(received(encryption=Encryption.OMEMO, trust=trust))
    if mark is None:
        assert "◐" not in text and "undecided" not in text
    else:
        assert text.rstrip().endswith(mark)


# -- the header and the bus events -----------------------------------------------------------


def test_header_says_how_the_conversation_sends() -> None:
    state = MainState()
    on = header_text(state, (ME, ALICE), {}, encryption=Encryption.OMEMO).plain
    off = header_text(state, (ME, ALICE), {}, encryption=Encryption.NONE).plain
    assert "· OMEMO" in on and "plaintext" not in on
    assert "· plaintext" in off


def test_encryption_changed_keeps_the_state_and_says_it_once() -> None:
    state = MainState()
    key = (ME, ALICE)
    first = update(state, ev.EncryptionChanged(ME, ALICE, Encryption.NONE), NOW)
    assert first.key == key and first.notices == ()  # never shown before: nothing to say
    turned = update(state, ev.EncryptionChanged(ME, ALICE, Encryption.OMEMO), NOW)
    assert state.encryption[key] is Encryption.OMEMO
    assert [n.text for _, n in turned.notices] == [
        "OMEMO on: what you send here is encrypted end to end"
    ]
    again = update(state, ev.EncryptionChanged(ME, ALICE, Encryption.OMEMO), NOW)
    assert again.notices == ()


def test_held_messages_leave_one_notice_and_a_toast_when_out_of_view() -> None:
    state = MainState()
    held = ev.EncryptionHeld(ME, ALICE, "Alice has a new device", (device(2, Trust.UNDECIDED),))
    change = update(state, held, NOW)
    assert [k for k, _ in change.notices] == [(ME, ALICE)]
    assert change.toast is not None and "/omemo devices" in change.toast.words
    assert update(state, held, NOW).notices == ()  # the same words are not shown twice
    assert len(state.notes[(ME, ALICE)]) == 1


def test_new_contact_device_goes_to_the_chat_and_rooms_they_are_in() -> None:
    state = MainState()
    room = state.rooms.room(ME, "team@rooms.example.org")
    room.occupants["alice"] = Occupant("alice", Role.PARTICIPANT, jid=f"{ALICE}/phone")
    new = device(8, Trust.UNDECIDED)
    change = update(state, ev.DevicesChanged(ME, ALICE, (new,), added=(new,)), NOW)
    keys = [k for k, _ in change.notices]
    assert keys == [(ME, ALICE), (ME, "team@rooms.example.org")]
    assert "has a new device 00000000 11111111…" in room.notices[-1].text
    quiet = update(state, ev.DevicesChanged(ME, ALICE, (new,)), NOW)
    assert quiet.notices == ()  # no device added: nothing to say


def test_own_new_device_goes_to_every_open_conversation_of_the_account() -> None:
    state = MainState()
    state.convs.open = [(ME, ALICE), (ME, "bob@example.net"), ("work@corp.example", ALICE)]
    mine = Device(ME, 8, FP, Trust.BLIND)
    this = Device(ME, 1, FP, Trust.VERIFIED, this_device=True)
    change = update(state, ev.DevicesChanged(ME, ME, (mine, this), added=(mine, this)), NOW)
    assert [k for k, _ in change.notices] == [(ME, ALICE), (ME, "bob@example.net")]
    assert change.toast is None
    state.convs.open = []
    other = Device(ME, 9, FP, Trust.BLIND)
    alone = update(state, ev.DevicesChanged(ME, ME, (other,), added=(other,)), NOW)
    assert alone.toast is not None and "your account has a new device" in alone.toast.words


# -- the command line ------------------------------------------------------------------------


def test_omemo_command_line_parses_and_completes() -> None:
    specs = build_registry().slash_specs
    call = slash.parse("/omemo trust 0000 0000 1111", specs)
    assert isinstance(call, slash.SlashCall)
    assert call.args == {"choice": "trust", "argument": "0000 0000 1111"}
    bad = slash.parse("/omemo maybe", specs)
    assert isinstance(bad, slash.SlashError) and "not one of" in bad.message
    assert slash.complete("/omemo d", specs, []) == ["/omemo devices ", "/omemo distrust "]


def test_notifications_say_why_instead_of_an_empty_body() -> None:
    assert (
        shown_body(received(body="", undecrypted="no session")) == "could not decrypt: no session"
    )
    assert shown_body(received(body="hi")) == "hi"


def test_device_row_is_words_symbols_and_safe_labels() -> None:
    hostile = device(3, Trust.UNDECIDED, label="[red]x[/red]\x1b[2J", active=False)
    row = device_row(hostile, {}).plain
    first, second = row.split("\n")
    assert first.startswith("? undecided  #3  inactive  [red]x[/red]")
    assert "\x1b" not in row
    assert second == "  " + " ".join(FP[i : i + 8] for i in range(0, 64, 8))
    this = device_row(Device(ME, 1, FP, Trust.VERIFIED, this_device=True), {}).plain
    assert this.startswith("● this device  #1  active")


def test_header_names_the_contacts_undecided_devices_when_encrypted() -> None:
    state = MainState()
    key = (ME, ALICE)
    devices = (device(1, Trust.UNDECIDED), device(2, Trust.UNDECIDED), device(3, Trust.BLIND))
    change = update(state, ev.DevicesChanged(ME, ALICE, devices), NOW)
    assert change.key == key  # the header is repainted
    on = header_text(state, key, {}, encryption=Encryption.OMEMO).plain
    assert "· OMEMO, ? 2 undecided" in on
    off = header_text(state, key, {}, encryption=Encryption.NONE).plain
    assert "undecided" not in off
    decided = tuple(replace(d, trust=Trust.VERIFIED) for d in devices)
    update(state, ev.DevicesChanged(ME, ALICE, decided), NOW)
    assert "undecided" not in header_text(state, key, {}, encryption=Encryption.OMEMO).plain
