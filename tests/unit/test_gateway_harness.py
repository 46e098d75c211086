"""The gateway test harness fails in words when biboumi or ngircd is missing (never skips)."""

from __future__ import annotations

import pytest

from tests.harness import gateway
from tests.harness.gateway import GatewayError, gateway_binaries


def test_missing_binaries_are_named_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gateway.shutil, "which", lambda _name: None)
    monkeypatch.setattr(gateway, "_sbin", lambda _name: None)
    with pytest.raises(GatewayError) as caught:
        gateway_binaries()
    words = str(caught.value)
    assert "ngircd and biboumi" in words
    assert "apt-get install biboumi ngircd" in words
