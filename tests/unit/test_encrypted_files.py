"""Encrypted files (XEP-0454) in messages: an ``aesgcm://`` text becomes a file, its link (which
holds the key) is never a link nor text on the screen or in notifications, ``f`` fetches it
from its https address, ``history --json`` gives the link, plain ``history`` never does."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from rich.console import Console

from tuichat.cli.context import message_json, message_line
from tuichat.errors import ClientError
from tuichat.file_crypto import AesgcmKey, aesgcm_url
from tuichat.files import Attachment, download_address, encrypted_file, key_free
from tuichat.model import Direction, Encryption, Message, MessageState
from tuichat.store import Store
from tuichat.ui.links import find_links
from tuichat.ui.render import render_body
from tuichat.ui.trust import shown_body
from tuichat.ui.widgets.file_lines import file_line, with_files
from tuichat.xmpp.manager import _check_file_fits
from tuichat.xmpp.omemo.rules import SealedMessage

ME = "me@example.test"
PEER = "peer@example.test"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HTTPS = "https://upload.example.test/slot/holiday%20photo.png"
LINK = aesgcm_url(HTTPS, AesgcmKey.new())
KEY = LINK.partition("#")[2]


def message(body: str = LINK, **kw: object) -> Message:
    fields: dict[str, object] = {
        "account": ME,
        "conversation": PEER,
        "direction": Direction.IN,
        "sender": f"{PEER}/phone",
        "body": body,
        "timestamp": NOW,
        "state": MessageState.RECEIVED,
        "encryption": Encryption.OMEMO,
    }
    fields.update(kw)
    return Message(**fields)  # type: ignore[arg-type]


def test_a_text_that_is_one_aesgcm_link_is_an_encrypted_file() -> None:
    """Named after the https path, its url the whole link (it is the key to fetch it)."""
    assert encrypted_file(f"  {LINK}\n") == Attachment(LINK, "holiday photo.png", None, "image/png")


@pytest.mark.parametrize(
    "body",
    [
        f"look: {LINK}",  # words around it: a text that mentions a link, not a file
        LINK + " " + LINK,
        HTTPS,
        "aesgcm://upload.example.test/a.png#" + "z" * 88,  # no key in it
        "aesgcm://upload.example.test/a.png",
        "aesgcm:///a.png#" + "0" * 88,
        "",
    ],
)
def test_anything_else_is_no_encrypted_file(body: str) -> None:
    assert encrypted_file(body) is None


def test_f_fetches_an_encrypted_file_from_its_https_address() -> None:
    assert download_address(LINK) == HTTPS
    assert download_address(HTTPS) == HTTPS
    assert download_address("aesgcm://h.example.test/a#00") is None
    assert download_address("http://h.example.test/a") is None


def test_a_decrypted_aesgcm_text_shares_its_file() -> None:
    """The decryption stage's one place: the opened message carries the file."""
    sealed = SealedMessage.of(message(body=""), stanza=None)
    opened = sealed.opened(body=LINK)
    assert [a.url for a in opened.attachments] == [LINK]
    assert sealed.opened(body="hello").attachments == ()


def rendered(text: object) -> str:
    console = Console(record=True, width=200, color_system="truecolor", force_terminal=True)
    console.print(text)
    return console.export_text(styles=True)


def test_the_file_line_says_encrypted_and_never_shows_the_link() -> None:
    line = file_line(Attachment(LINK, "holiday photo.png", None, "image/png"))
    assert "holiday photo.png" in line.plain and "encrypted" in line.plain
    assert "aesgcm" not in line.plain and KEY not in line.plain
    assert all(span.style == "" or not getattr(span.style, "link", None) for span in line.spans)
    output = rendered(line)
    assert "\x1b]8;" not in output and KEY not in output


def test_the_log_shows_the_file_line_alone() -> None:
    """The message's text is its link: shown once, as the file (never the key)."""
    m = message(attachments=(encrypted_file(LINK),))
    shown = with_files(render_body(m.body), m)
    assert KEY not in shown.plain and "encrypted" in shown.plain


def test_an_aesgcm_link_in_text_is_never_a_link_or_opened() -> None:
    """The link in words is no OSC 8 target, nor among the links ``o`` opens."""
    text = render_body(f"see {LINK} and https://example.org/")
    targets = [getattr(s.style, "link", None) for s in text.spans]
    assert [t for t in targets if t] == ["https://example.org/"]
    assert [link.url for link in find_links(f"{LINK} https://example.org/")] == [
        "https://example.org/"
    ]
    assert "\x1b]8;;aesgcm" not in rendered(text).lower()


def test_notifications_search_and_plain_history_never_carry_the_key() -> None:
    m = message(attachments=(encrypted_file(LINK),))
    assert shown_body(m) == "📎 holiday photo.png (encrypted file)"
    assert key_free(LINK, ()) == "📎 a file (encrypted file)"
    assert key_free("hello", ()) == "hello"
    assert KEY not in message_line(m) and "holiday photo.png" in message_line(m)


def test_a_reply_quoting_an_encrypted_file_never_shows_its_key() -> None:
    from tuichat.model import Marks
    from tuichat.ui.widgets.action_lines import decorate

    reply = message(body="nice", marks=Marks(reply_to="s1", quote=LINK))
    shown = decorate(render_body(reply.body), reply, 80)
    assert KEY not in shown.plain and "encrypted file" in shown.plain


def test_history_json_gives_the_link_the_user_asked_for() -> None:
    """A script needs the key to fetch the file: ``--json`` gives it, marked encrypted."""
    row = json.loads(message_json(message(attachments=(encrypted_file(LINK),))))
    assert row["attachments"] == [
        {
            "url": LINK,
            "name": "holiday photo.png",
            "size": None,
            "type": "image/png",
            "encrypted": True,
        }
    ]


def test_a_placeholder_decrypted_later_keeps_its_file() -> None:
    """``retry``'s path: a placeholder decrypted into a message carrying the file (as
    :meth:`SealedMessage.opened` makes it) keeps that file with the text it now has."""
    store = Store.memory()
    kept = store.save_message(message(body="", undecrypted="no session yet", stanza_id="s1"))
    assert kept is not None and kept.id is not None
    shared = encrypted_file(LINK)
    assert shared is not None
    outcome = store.reopen_sealed(kept.id, message(attachments=(shared,), stanza_id="s1"), None)
    row = outcome.stored if outcome is not None else None
    assert row is not None and [a.url for a in row.attachments] == [LINK]
    again = store.get_message(kept.id)
    assert again is not None and [a.url for a in again.attachments] == [LINK]


@pytest.mark.parametrize(
    ("url", "how", "private", "words"),
    [
        (HTTPS, Encryption.OMEMO, False, "uploaded unencrypted"),
        (LINK, Encryption.NONE, False, "holds its key"),
        (LINK, Encryption.OMEMO, True, "private messages"),
    ],
)
def test_a_file_goes_only_as_the_conversation_sends(
    url: str, how: Encryption, private: bool, words: str
) -> None:
    with pytest.raises(ClientError, match=words):
        _check_file_fits(Attachment(url, "a.png"), how, PEER, private=private)
    _check_file_fits(Attachment(LINK, "a.png"), Encryption.OMEMO, PEER, private=False)
    _check_file_fits(Attachment(HTTPS, "a.png"), Encryption.NONE, PEER, private=False)
