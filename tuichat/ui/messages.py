"""Provides the Textual messages screens post up to the app (named for what happened)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class UnreadChanged(Message):
    """The total of unread messages changed (the app updates the terminal title)."""

    total: int


@dataclass
class NotificationWanted(Message):
    """A message deserves a desktop notification and/or a bell (the app writes them)."""

    title: str
    body: str
    notify: bool
    bell: bool


@dataclass
class ConfigChanged(Message):
    """The config file was edited from the UI and re-read."""
