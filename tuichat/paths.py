"""Provides where tuichat keeps its files: config, data (store, keys) and state (logs).

All through platformdirs, so ``XDG_CONFIG_HOME``/``XDG_DATA_HOME``/``XDG_STATE_HOME``/
``XDG_CACHE_HOME`` apply.
Rule: folders holding secrets or messages are 0700, such files 0600.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "tuichat"
CONFIG_ENV = "TUICHAT_CONFIG"


@dataclass(frozen=True, slots=True)
class Paths:
    """The folders and files of one tuichat installation."""

    config_file: Path
    data_dir: Path
    state_dir: Path

    @classmethod
    def default(cls, config_file: str | os.PathLike[str] | None = None) -> Paths:
        """Paths from ``--config`` (if given), else ``$TUICHAT_CONFIG``, else the XDG config dir."""
        if config_file is None:
            config_file = os.environ.get(CONFIG_ENV) or None
        cfg = (
            Path(config_file).expanduser()
            if config_file
            else Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"
        )
        return cls(
            config_file=cfg,
            data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
            state_dir=Path(platformdirs.user_state_dir(APP_NAME)),
        )

    @property
    def store_file(self) -> Path:
        """The SQLite message store."""
        return self.data_dir / "messages.sqlite3"

    @property
    def keys_dir(self) -> Path:
        """Where encryption keys live."""
        return self.data_dir / "keys"

    @property
    def log_file(self) -> Path:
        """The rotating log."""
        return self.state_dir / "tuichat.log"

    @property
    def user_themes_dir(self) -> Path:
        """User themes, beside the config file."""
        return self.config_file.parent / "themes"


def cache_dir() -> Path:
    """Where tuichat keeps what it can make again (``$XDG_CACHE_HOME/tuichat``)."""
    return Path(platformdirs.user_cache_dir(APP_NAME))


def private_dir(path: Path) -> Path:
    """Create ``path`` if needed and make it 0700; create each missing parent 0700 too.

    The XDG base directory spec wants missing base directories (``~/.config``,
    ``~/.local/share``…) created 0700. ``Path.mkdir(parents=True)`` would make the parents
    ``0777 & ~umask``: 0777 under ``umask 000``. Parents that exist are left as they are.
    """
    missing: list[Path] = []
    folder = path
    while not folder.is_dir() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue  # made meanwhile by someone else: theirs to set
        os.chmod(folder, 0o700)  # the umask may have taken bits from 0o700 as well
    os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if missing (its folder 0700) and make it 0600."""
    private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


def replace_file(path: Path, data: bytes | Iterable[bytes], *, durable: bool = False) -> None:
    """Replace ``path`` with ``data`` (bytes, or pieces written one by one, so that they need
    not all be in memory at once) atomically, through a 0600 temporary file in its folder: a
    reader sees the old file or the new one, never half of one. ``durable``: the file and the
    folder are synced before this returns (a crash keeps the new file). Raises ``OSError``."""
    import tempfile  # not before the first frame: only when there is something to write

    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in [data] if isinstance(data, bytes) else data:
                out.write(piece)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def write_cache(path: Path, data: bytes | Iterable[bytes]) -> bool:
    """Replace the cache file ``path`` with ``data`` (:func:`replace_file`: atomic, 0600; its
    folder made 0700). No fsync: a cache lost in a crash is made again. False when it could
    not be written (a read-only home)."""
    try:
        private_dir(path.parent)
        replace_file(path, data)
    except OSError:
        return False
    return True
