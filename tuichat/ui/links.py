"""Provides URL detection for message bodies, with link targets that are safe for OSC 8.

Rule: a link target is exactly the text the reader sees, and only RFC 3986 characters
(printable ASCII without space, quotes, `<>`, backslash, `^`, backtick, braces or `|`). A
candidate that contains anything else — a placeholder for a control character, a non-ASCII
letter that could be a homograph, an escape — is not linked at all rather than linked in part.
An encrypted file's ``aesgcm://`` link holds its key: it is never a link target
(:func:`tuichat.file_crypto.is_encrypted_url`), so never linked nor opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tuichat.file_crypto import is_encrypted_url

SCHEMES = ("http://", "https://", "xmpp:", "mailto:", "geo:")
"""URL schemes that are detected, lowercase."""

MAX_URL_LENGTH = 4096
"""Longer candidates are not linked."""

_CANDIDATE = re.compile(r"(?<![\w+.\-])(?:https?://|aesgcm://|xmpp:|mailto:|geo:)\S+", re.I)
_SAFE = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]*")
_IPV6_HOST = re.compile(r"(?:https?|aesgcm)://\[[0-9A-Fa-f:.]+\]", re.I)
_TRAILING = ".,;:!?'\"*_~>"
_PAIRS = {")": "(", "]": "["}


@dataclass(frozen=True, slots=True)
class Link:
    """A detected URL occupying `[start, end)` of the text; `url` equals that text."""

    start: int
    end: int
    url: str


def _trim(candidate: str) -> str:
    """Drop trailing punctuation and unbalanced closing brackets (linear time)."""
    counts = {ch: candidate.count(ch) for ch in "()[]"}
    end = len(candidate)
    while end:
        last = candidate[end - 1]
        if last in _PAIRS and counts[last] > counts[_PAIRS[last]]:
            counts[last] -= 1
        elif last not in _TRAILING:
            break
        end -= 1
    return candidate[:end]


def safe_link_target(url: str) -> str | None:
    """Return `url` if it may be used as a hyperlink target, else None.

    It must use one of `SCHEMES`, contain only RFC 3986 characters (square brackets only
    around an IPv6 host), have something after the scheme, and be at most `MAX_URL_LENGTH`.
    """
    if is_encrypted_url(url):
        return None
    lowered = url.lower()
    scheme = next((s for s in SCHEMES if lowered.startswith(s)), None)
    if scheme is None or len(url) > MAX_URL_LENGTH:
        return None
    rest = url[len(scheme) :]
    host_match = _IPV6_HOST.match(url)
    checked = url[host_match.end() :] if host_match else url
    if not rest or _SAFE.fullmatch(checked) is None:
        return None
    if scheme.endswith("//") and not (rest[0].isalnum() or host_match):
        return None
    return url


def find_links(text: str) -> list[Link]:
    """Return the linkable URLs in `text`, in order."""
    links: list[Link] = []
    for match in _CANDIDATE.finditer(text):
        url = _trim(match.group())
        if safe_link_target(url) is not None:
            links.append(Link(match.start(), match.start() + len(url), url))
    return links
