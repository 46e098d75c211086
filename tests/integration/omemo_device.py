"""Provides a plain slixmpp-omemo device for tests (in-memory storage, blind trust), as any
other slixmpp-based OMEMO client would run it."""

from __future__ import annotations

from typing import Any

from omemo.storage import Just, Maybe, Nothing, Storage
from omemo.types import JSONType
from slixmpp.plugins.base import register_plugin
from slixmpp_omemo import XEP_0384


class MemoryStorage(Storage):
    """python-omemo storage in a dict."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, JSONType] = {}

    async def _load(self, key: str) -> Maybe[JSONType]:
        return Just(self.data[key]) if key in self.data else Nothing()

    async def _store(self, key: str, value: JSONType) -> None:
        self.data[key] = value

    async def _delete(self, key: str) -> None:
        self.data.pop(key, None)


class PlainOmemo(XEP_0384):
    """slixmpp-omemo with BTBV and an in-memory storage."""

    name = "xep_0384"
    default_config = {**XEP_0384.default_config, "memory": None}  # noqa: RUF012

    @property
    def storage(self) -> Storage:
        return self.memory  # type: ignore[no-any-return]

    @property
    def _btbv_enabled(self) -> bool:
        return True

    async def _prompt_manual_trust(self, manually_trusted: Any, identifier: Any) -> None:
        return None


def install_plain_omemo(client: Any) -> Any:
    """Load :class:`PlainOmemo` on ``client`` (before it connects); return the plugin."""
    register_plugin(PlainOmemo)
    client.register_plugin("xep_0384", {"memory": MemoryStorage()})
    return client.plugin["xep_0384"]
