"""Provides files announced out of band (XEP-0066, ``jabber:x:oob``): reading them from a
received message, and the outgoing step that announces a message's files.

Pure: it reads and writes XML elements, no client and no I/O. Rules (hostile input):
- at most :data:`tuichat.files.MAX_ATTACHMENTS` files per message, each address at most
  :data:`tuichat.files.MAX_URL_LENGTH` characters; the same address twice counts once;
- any address is kept as text, but only what :func:`tuichat.files.fetchable` allows (https)
  ever becomes a link or is fetched;
- the convention of Conversations and profanity: a file message's body is the file's address
  (the log then shows the file once, not its address a second time);
- an encrypted message's files come from inside the encryption, never from beside it (that is
  :func:`tuichat.xmpp.parse.chat_message`'s rule).
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement

from tuichat.files import MAX_ATTACHMENTS, Attachment, received
from tuichat.model import Encryption, Message

NS_OOB = "jabber:x:oob"


def read(xml: Element) -> tuple[Attachment, ...]:
    """The files a ``<message/>`` announces with ``<x xmlns='jabber:x:oob'><url>``."""
    found: list[Attachment] = []
    seen: set[str] = set()
    for x in xml.findall(f"{{{NS_OOB}}}x"):
        url_el = x.find(f"{{{NS_OOB}}}url")
        attachment = received(url_el.text or "") if url_el is not None else None
        if attachment is None or attachment.url in seen:
            continue
        seen.add(attachment.url)
        found.append(attachment)
        if len(found) == MAX_ATTACHMENTS:
            break
    return tuple(found)


def element(attachment: Attachment) -> Element:
    """``<x xmlns='jabber:x:oob'><url>…</url></x>`` for one file."""
    x = Element(f"{{{NS_OOB}}}x")
    SubElement(x, f"{{{NS_OOB}}}url").text = attachment.url
    return x


def announce_files(stanza: Any, message: Message) -> Any:
    """The outgoing step (see :mod:`tuichat.xmpp.sending`): a message that shares files
    carries an OOB element for each (its body is the address, for clients without OOB). An
    encrypted message never gets one: the address would travel in the clear beside it."""
    if message.attachments and message.encryption is Encryption.NONE:
        for attachment in message.attachments:
            stanza.xml.append(element(attachment))
    return stanza
