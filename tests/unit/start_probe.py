"""Provides :func:`two_starts`: a script run as two starts of tuichat sharing one cache folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def two_starts(script: str, cache_home: Path) -> list[dict[str, Any]]:
    """What ``script`` printed (one JSON object) in each of two fresh interpreters whose
    ``XDG_CACHE_HOME`` is ``cache_home``: the second start finds what the first one saved."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    return [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", script], env=env, capture_output=True, check=True, text=True
            ).stdout
        )
        for _ in range(2)
    ]
