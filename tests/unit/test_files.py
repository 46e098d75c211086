"""Unit tests for shared files: OOB parsing, hostile addresses, names, saving, opening, the
store round trip and the ``history --json`` rows."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from slixmpp import ClientXMPP
from slixmpp.stanza import Message as MessageStanza

from tuichat.actions import Action, ActionKind
from tuichat.cli.context import message_json
from tuichat.errors import ClientError
from tuichat.files import (
    MAX_ATTACHMENTS,
    MAX_URL_LENGTH,
    Attachment,
    create_free,
    describe,
    fetchable,
    file_name,
    free_path,
    open_file,
    opener_command,
    received,
)
from tuichat.model import ConversationKind, Direction, Encryption, Message, MessageState
from tuichat.store import Store
from tuichat.xmpp import parse
from tuichat.xmpp.features import muc_parse, oob
from tuichat.xmpp.sending import build_stanza

ME = "me@example.test"
PEER = "peer@example.test"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
URL = "https://upload.example.test/abc/holiday%20photo.png"


def stanza(inner: str, **attrs: str) -> MessageStanza:
    attr = " ".join(f"{k.rstrip('_')}='{v}'" for k, v in attrs.items())
    xml = f"<message xmlns='jabber:client' {attr}>{inner}</message>"
    return MessageStanza(xml=ET.fromstring(xml))


def oob_x(url: str) -> str:
    return f"<x xmlns='jabber:x:oob'><url>{url}</url></x>"


def test_an_oob_message_carries_its_file() -> None:
    """Conversations' and profanity's form: the body is the address, and an OOB element."""
    s = stanza(f"<body>{URL}</body>{oob_x(URL)}", from_=f"{PEER}/phone", to=ME, type="chat")
    m = parse.chat_message(parse.envelope(s), ME, now=NOW)
    assert m is not None
    assert m.attachments == (Attachment(URL, "holiday photo.png", None, "image/png"),)


def test_an_oob_element_alone_is_a_message() -> None:
    """A file with no body still arrives (its address is what it says)."""
    s = stanza(oob_x(URL), from_=f"{PEER}/phone", to=ME, type="chat")
    m = parse.chat_message(parse.envelope(s), ME, now=NOW)
    assert m is not None and m.attachments[0].url == URL


def test_a_room_message_carries_its_file() -> None:
    """Room messages read the same element."""
    room = "lounge@conference.example.test"
    s = stanza(f"<body>{URL}</body>{oob_x(URL)}", from_=f"{room}/bob", to=ME, type="groupchat")
    m = muc_parse.room_message(parse.envelope(s), ME, room=room, our_nick="me", now=NOW)
    assert m is not None and [a.url for a in m.attachments] == [URL]


def test_files_beside_an_encrypted_message_are_not_taken() -> None:
    """An OOB element outside OMEMO is anyone's claim: only the decrypted content counts."""
    encrypted = "<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/></encrypted>"
    s = stanza(encrypted + oob_x(URL), from_=f"{PEER}/phone", to=ME, type="chat")
    m = parse.chat_message(parse.envelope(s), ME, now=NOW)
    assert m is not None and m.encryption is Encryption.OMEMO and m.attachments == ()


def test_many_files_are_capped_and_repeats_count_once() -> None:
    """A hostile message with hundreds of OOB elements keeps only the first few."""
    urls = [f"https://h.example.test/{n}.txt" for n in range(50)]
    inner = oob_x(urls[0]) + "".join(oob_x(u) for u in urls)
    got = oob.read(stanza(inner).xml)
    assert [a.url for a in got] == urls[:MAX_ATTACHMENTS]


def test_an_overlong_or_empty_address_is_no_file() -> None:
    """Addresses past the limit, or empty ones, are dropped."""
    long = "https://h.example.test/" + "a" * MAX_URL_LENGTH
    assert oob.read(stanza(oob_x(long) + oob_x("  ") + "<x xmlns='jabber:x:oob'/>").xml) == ()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://h.example.test/a.png",
        "aesgcm://h.example.test/a.png#" + "0" * 88,
        "https://h.example.test/a\x9b31m.png",
        "https://h.example.test/a b.png",
        "https://h.example.test/\u202egnp.exe",
        "https:///nohost",
        "HTTPS//h.example.test",
    ],
)
def test_only_plain_https_addresses_are_fetched_or_linked(url: str) -> None:
    """Anything but plain printable https is shown as text, never fetched."""
    assert not fetchable(url)
    assert received(url) is not None  # still shown (as plain text)


def test_https_is_fetchable() -> None:
    assert fetchable(URL) and fetchable("HTTPS://h.example.test:5281/x")


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../.bashrc", "bashrc"),
        ("a/b\\c.txt", "abc.txt"),
        ("\u202egnp.exe", "gnp.exe"),
        ("bell\x07\x9b.txt", "bell.txt"),
        ("", "file"),
        ("...", "file"),
    ],
)
def test_file_names_are_safe_to_show_and_save(name: str, safe: str) -> None:
    """No path, no hidden file, no control or direction characters."""
    assert file_name(name) == safe


def test_a_long_name_keeps_its_extension() -> None:
    name = file_name("x" * 500 + ".tar")
    assert len(name) <= 120 and name.endswith(".tar")


def test_received_name_comes_from_the_last_segment() -> None:
    got = received("https://h.example.test/slot/%2e%2e%2Fsecret%0a.txt?x=1")
    assert got is not None and got.name == "secret.txt"  # decoded, then made safe


def test_describe_says_name_size_and_type() -> None:
    assert describe(Attachment(URL, "a.png", 1400, "image/png")) == "a.png (1.4 KB, image/png)"
    assert describe(Attachment(URL, "a", None, "")) == "a"


def test_saving_never_overwrites(tmp_path: Path) -> None:
    """``name``, then ``name (1).ext``, ``name (2).ext``…, created exclusively."""
    (tmp_path / "a.txt").write_text("old")
    path, file = create_free(tmp_path, "a.txt")
    file.close()
    assert path.name == "a (1).txt"
    assert free_path(tmp_path, "a.txt").name == "a (2).txt"
    assert free_path(tmp_path, "README").name == "README"
    assert (tmp_path / "a.txt").read_text() == "old"


def test_the_opener_is_tuichat_opener_or_xdg_open() -> None:
    """One argument for the path, whatever it contains; no shell."""
    path = Path("/tmp/a b; rm -rf ~.txt")
    assert opener_command(path, {}) == ["xdg-open", str(path)]
    env = {"TUICHAT_OPENER": "my-open --new"}
    assert opener_command(path, env) == ["my-open", "--new", str(path)]


async def test_open_file_runs_the_opener_with_the_path(tmp_path: Path) -> None:
    """The opener gets the path as one argument."""
    record = tmp_path / "record"
    script = tmp_path / "opener.py"
    script.write_text(f"import sys\nopen({str(record)!r}, 'w').write(repr(sys.argv[1:]))\n")
    saved = tmp_path / "x $(y).txt"
    await open_file(saved, {"TUICHAT_OPENER": f"{sys.executable} {script}"})
    assert record.read_text() == repr([str(saved)])


async def test_open_file_says_why_it_failed(tmp_path: Path) -> None:
    """A missing opener or one that fails is an error in words."""
    with pytest.raises(ClientError, match="cannot be run"):
        await open_file(tmp_path / "a", {"TUICHAT_OPENER": str(tmp_path / "none")})
    with pytest.raises(ClientError, match="exit status 1"):
        await open_file(tmp_path / "a", {"TUICHAT_OPENER": "false"})


def outgoing(**kw: object) -> Message:
    fields: dict[str, object] = {
        "account": ME,
        "conversation": PEER,
        "direction": Direction.OUT,
        "sender": f"{ME}/tuichat",
        "body": URL,
        "timestamp": NOW,
        "state": MessageState.PENDING,
        "origin_id": "o1",
        "message_id": "o1",
        "attachments": (Attachment(URL, "holiday photo.png", 1234, "image/png"),),
    }
    fields.update(kw)
    return Message(**fields)  # type: ignore[arg-type]


def test_the_sending_step_announces_the_file() -> None:
    """An outgoing file message carries ``<x xmlns='jabber:x:oob'><url>``; its body is the URL."""
    client = ClientXMPP(ME, "x")
    for plugin in ("xep_0359", "xep_0085", "xep_0184"):
        client.register_plugin(plugin)
    xml = build_stanza(client, outgoing(), [oob.announce_files]).xml
    urls = [u.text for u in xml.findall("{jabber:x:oob}x/{jabber:x:oob}url")]
    assert urls == [URL] and xml.findtext("{jabber:client}body") == URL
    sealed = build_stanza(client, outgoing(encryption=Encryption.OMEMO), [oob.announce_files])
    assert sealed.xml.find("{jabber:x:oob}x") is None


def test_the_store_keeps_the_files_with_the_message() -> None:
    """Stored once, read back by every query; a duplicate (archive copy) adds nothing."""
    store = Store.memory()
    stored = store.save_message(outgoing())
    assert stored is not None and stored.attachments == outgoing().attachments
    again = outgoing(stanza_id="s1", state=MessageState.ACKED)
    assert store.save_message(again) is None
    assert stored.id is not None
    assert store.get_message(stored.id) == replace(stored, stanza_id="s1", state=MessageState.ACKED)
    [row] = store.history(ME, PEER)
    assert row.attachments == outgoing().attachments
    assert store.page(ME, PEER, limit=10)[0].attachments == outgoing().attachments
    assert store.search("upload")[0].attachments == outgoing().attachments  # search --json too
    store.close()


def test_a_retracted_message_loses_its_files() -> None:
    """A tombstone shares nothing."""
    store = Store.memory()
    stored = store.save_message(outgoing(state=MessageState.ACKED))
    assert stored is not None
    retract = outgoing(
        body="",
        origin_id="o2",
        message_id="o2",
        attachments=(),
        action=Action(ActionKind.RETRACT, "o1"),
    )
    store.save(retract)
    assert stored.id is not None
    row = store.get_message(stored.id)
    assert row is not None and row.attachments == () and row.body == ""
    store.close()


def test_history_json_rows_list_the_files() -> None:
    """``history --json``: ``attachments`` as url, name, size, type."""
    row = json.loads(message_json(outgoing()))
    assert row["attachments"] == [
        {
            "url": URL,
            "name": "holiday photo.png",
            "size": 1234,
            "type": "image/png",
            "encrypted": False,
        }
    ]
    assert json.loads(message_json(outgoing(attachments=())))["attachments"] == []


def test_kind_is_kept_for_room_files() -> None:
    """A room file message round-trips with its kind (the sender's nick is the author)."""
    store = Store.memory()
    room = "lounge@conference.example.test"
    saved = store.save_message(
        outgoing(conversation=room, kind=ConversationKind.GROUPCHAT, sender=f"{room}/me", nick="me")
    )
    assert saved is not None and saved.attachments
    assert store.history(ME, room)[0].attachments == saved.attachments
    store.close()


assert os.sep == "/"


def test_a_page_carries_only_its_own_messages_files() -> None:
    """Files of another conversation's messages, stored in between, stay with those."""
    store = Store.memory()
    other = "other@example.test"
    saved = [
        store.save_message(
            outgoing(
                conversation=other if n % 2 else PEER,
                origin_id=f"o{n}",
                message_id=f"o{n}",
                timestamp=NOW.replace(second=n),
                attachments=outgoing().attachments if n % 2 else (),
            )
        )
        for n in range(6)
    ]
    assert all(m is not None for m in saved)
    assert [m.attachments for m in store.page(ME, PEER, limit=10)] == [(), (), ()]
    assert all(m.attachments for m in store.page(ME, other, limit=10))
    store.close()
