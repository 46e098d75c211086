"""Provides how OMEMO trust and devices are shown: symbols, words, fingerprints, notices.

Pure (Rich only, no Textual: the bus updates use it too). Rule: trust is never shown by colour
alone; each level has a symbol and words, and a fingerprint's eight groups are coloured by
their own digits (the same group has the same colour on both screens being compared) but read
by their digits. Everything from the network (labels, reasons, names) goes through
``safe_text``.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.style import Style
from rich.text import Text

from tuichat.files import key_free
from tuichat.model import Device, Message, Trust, fingerprint_groups
from tuichat.ui.nickcolor import nick_color
from tuichat.ui.render import safe_text

TRUST_SYMBOLS: dict[Trust, str] = {
    Trust.VERIFIED: "✓",
    Trust.BLIND: "◐",
    Trust.UNDECIDED: "?",
    Trust.DISTRUSTED: "✗",
}
"""One cell per trust level."""

TRUST_WORDS: dict[Trust, str] = {
    Trust.VERIFIED: "verified",
    Trust.BLIND: "blind",
    Trust.UNDECIDED: "undecided",
    Trust.DISTRUSTED: "distrusted",
}

TRUST_VARIABLES: dict[Trust, str] = {
    Trust.VERIFIED: "presence-online",
    Trust.BLIND: "presence-away",
    Trust.UNDECIDED: "mention",
    Trust.DISTRUSTED: "presence-dnd",
}
"""The theme variable that colours each level."""

LOG_MARKS: dict[Trust, str] = {
    Trust.BLIND: " ◐ blind",
    Trust.UNDECIDED: " ? undecided",
}
"""Appended to a received message whose device was not verified when it came."""

LEGEND: tuple[tuple[str, str], ...] = (
    ("OMEMO / plaintext", "in the header: whether this conversation sends end-to-end encrypted"),
    ("◐ blind", "after a message: its device is trusted without verification (/omemo devices)"),
    ("? undecided", "after a message: its device waits for your decision (/omemo devices)"),
    ("could not decrypt", "an encrypted message tuichat could not read yet, and why"),
    ("✓ ◐ ? ✗", "on the device screen: verified, blind, undecided, distrusted"),
)
"""The marks of encryption, for the help screen."""

UNDECRYPTED = "could not decrypt: "
"""Opens the placeholder shown instead of a message that could not be decrypted."""


def fingerprint_text(fingerprint: str, *, per_line: int = 8) -> Text:
    """The fingerprint as 8 groups of 8 hex digits, ``per_line`` groups on a line, each group
    coloured by its digits."""
    text = Text()
    for index, group in enumerate(fingerprint_groups(fingerprint)):
        if index:
            text.append("\n" if index % per_line == 0 else " ")
        text.append(group, style=Style(color=nick_color(group)))
    return text


def short_fingerprint(fingerprint: str) -> str:
    """The first two groups, enough to tell devices apart in a notice (``1a2b3c4d 5e6f7a8b…``)."""
    return " ".join(fingerprint_groups(fingerprint)[:2]) + "…"


def device_order(devices: Iterable[Device]) -> list[Device]:
    """Other devices first (active before inactive, then by id), this device last."""
    return sorted(devices, key=lambda d: (d.this_device, not d.active, d.device_id))


def undecrypted_text(reason: str) -> Text:
    """The placeholder shown instead of a message that could not be decrypted (never a body)."""
    words = safe_text(UNDECRYPTED + reason.replace("\n", " "), Style(italic=True))
    words.stylize(Style(bold=True), 0, len(UNDECRYPTED) - 2)
    return words


def shown_body(message: Message) -> str:
    """What a notification or a search result says of ``message``: its body (an encrypted
    file's key-holding link in words), or why it could not be decrypted."""
    if message.undecrypted is not None:
        return UNDECRYPTED + message.undecrypted
    return key_free(message.body, message.attachments)


def new_device_words(name: str, device: Device, *, own: bool) -> str:
    """The notice for a device seen for the first time (``own``: one of our account's)."""
    who = "your account" if own else name
    label = f" ({device.label})" if device.label else ""
    return (
        f"{who} has a new device {short_fingerprint(device.fingerprint)}{label}, "
        f"{TRUST_WORDS[device.trust]}: /omemo devices{' ' + device.jid if own else ''} "
        "to verify or distrust it"
    )


def held_words(reason: str, undecided: int) -> str:
    """The notice when messages wait in the outbox because encryption is impossible now
    (``reason`` as the client says it: its own "not sent: …; it stays in the outbox" is
    not said twice; the device hint only when devices are the cause, not a room's setup)."""
    reason = reason.removeprefix("not sent: ").removesuffix("; it stays in the outbox")
    if undecided:
        decide = (
            f"; {undecided} device{'s' if undecided != 1 else ''} waiting for your decision: "
            "/omemo devices, then v verifies, d distrusts"
        )
    else:
        decide = "; /omemo devices shows the devices" if "device" in reason else ""
    return f"messages wait, not sent: {reason}{decide}"
