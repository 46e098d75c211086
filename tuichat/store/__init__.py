"""Provides the local message store: ``from tuichat.store import Store``."""

from tuichat.store.conversations import ConversationSummary
from tuichat.store.db import Store
from tuichat.store.errors import StoreError
from tuichat.store.messages import SaveOutcome
from tuichat.store.omemo import KeyWrites

__all__ = ["ConversationSummary", "KeyWrites", "SaveOutcome", "Store", "StoreError"]
