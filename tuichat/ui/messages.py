"""Provides the Textual messages screens post up to the app (named for what happened)."""

from __future__ import annotations

from textual.message import Message

from tuichat.records import record


@record
class UnreadChanged(Message):
    """The total of unread messages changed (the app updates the terminal title)."""

    total: int


@record
class FirstFrame(Message):
    """The main screen's first frame went to the terminal (the app connects from then on)."""


@record
class NotificationWanted(Message):
    """A message deserves a desktop notification and/or a bell (the app writes them)."""

    title: str
    body: str
    notify: bool
    bell: bool


@record
class ConfigChanged(Message):
    """The config file was edited from the UI and re-read."""


@record
class ServiceActionRequested(Message):
    """The user chose, in the disco browser, to run one of ``jid``'s ad-hoc commands
    (``action`` "command", XEP-0050) or to register with it (``action`` "register",
    XEP-0077/XEP-0100). Posted to the app, which opens the command runner or the registration
    form (the features that own those handle it)."""

    account: str
    action: str
    jid: str
    node: str = ""
