"""Provides the values of file sharing: a shared file (:class:`Attachment`), where an upload is
(:class:`UploadState`), and sizes in words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file shared by HTTP upload (XEP-0363) and announced out of band (XEP-0066)."""

    url: str
    """Where the file can be fetched (https)."""
    name: str
    size: int | None = None
    """Bytes, when known."""
    content_type: str = ""


def human_size(size: float) -> str:
    """``1.4 MB``-style sizes (decimal units, as file managers show them)."""
    for unit in ("B", "KB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


class UploadState(StrEnum):
    """Where one upload is."""

    UPLOADING = "uploading"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
