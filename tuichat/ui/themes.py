"""Provides theme loading: Textual themes written as TOML files.

Shipped themes live in ``themes/`` of a checkout, or ``tuichat/_themes`` in an installed wheel
(pyproject force-include); user themes in :attr:`tuichat.paths.Paths.user_themes_dir` override
shipped ones of the same name. A theme file holds Textual ``Theme`` fields (``name``,
``primary``, ``secondary``, ``accent``, ``background``, ``surface``, ``panel``, ``foreground``,
``warning``, ``error``, ``success``, ``dark``…) plus a ``[variables]`` table; tuichat's own
variables (``presence-online``…) default to values from :data:`VARIABLE_DEFAULTS`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.color import ColorParseError
from textual.theme import Theme

from tuichat.config.read import read_config_bytes

DEFAULT_THEME = "dark"

# tuichat's theme variables and their fallbacks (Textual's own variables names on the right).
VARIABLE_DEFAULTS: dict[str, str] = {
    "presence-online": "$success",
    "presence-away": "$warning",
    "presence-xa": "$warning-darken-2",
    "presence-dnd": "$error",
    "presence-offline": "$foreground-darken-3",
    "message-own": "$primary",
    "message-pending": "$foreground-darken-3",
    "message-time": "$foreground-darken-2",
    "day-separator": "$secondary",
    "unread-badge": "$accent",
    "mention": "$warning",
    "room-notice": "$foreground-darken-2",
    "pane-separator": "#808080",  # used in CSS: a colour, not a reference
}

_COLOR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)


class ThemeError(ValueError):
    """A theme file that cannot be used, with the file named in the message."""


@dataclass(frozen=True, slots=True)
class LoadedThemes:
    """The themes found, by name, and the problems met on the way (in words)."""

    themes: dict[str, Theme]
    problems: tuple[str, ...]


def shipped_theme_dirs() -> list[Path]:
    """Where shipped themes are: the checkout's ``themes/`` and the wheel's ``_themes``."""
    here = Path(__file__).resolve()
    candidates = [here.parents[2] / "themes", here.parents[1] / "_themes"]
    return [p for p in candidates if p.is_dir()]


def parse_theme(text: str, origin: str) -> Theme:
    """Build a Textual theme from the TOML ``text`` read from ``origin`` (a file name)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{origin}: {exc}") from None
    name = data.get("name") or Path(origin).stem
    if not isinstance(name, str):
        raise ThemeError(f"{origin}: name must be text")
    colors: dict[str, Any] = {}
    for key in _COLOR_FIELDS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ThemeError(f'{origin}: {key} must be a colour string like "#1c1c1c"')
        colors[key] = value
    if "primary" not in colors:
        raise ThemeError(f"{origin}: primary is required")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        raise ThemeError(f"{origin}: [variables] must map names to strings")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(f"{origin}: dark must be true or false")
    extra: dict[str, Any] = {}
    for key in ("luminosity_spread", "text_alpha"):
        if key in data:
            value = data[key]
            if not isinstance(value, int | float):
                raise ThemeError(f"{origin}: {key} must be a number")
            extra[key] = float(value)
    try:
        theme = Theme(name=name, dark=dark, variables=dict(variables), **colors, **extra)
        theme.to_color_system()  # validates the colours now, not at first paint
    except (ColorParseError, ValueError, TypeError) as exc:  # a colour or value Textual refuses
        raise ThemeError(f"{origin}: {exc}") from None
    return theme


def load_themes(dirs: Iterable[Path]) -> LoadedThemes:
    """Every ``*.toml`` theme in ``dirs``; a later folder's theme replaces an earlier one."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in dirs:
        if not folder.is_dir():
            continue
        for file in sorted(folder.glob("*.toml")):
            try:
                raw, _status = read_config_bytes(file)  # not a FIFO, /dev/zero nor 1 GiB
                theme = parse_theme(raw.decode("utf-8"), str(file))
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{file}: {exc}")
                continue
            except ThemeError as exc:
                problems.append(str(exc))
                continue
            except ValueError as exc:  # not a regular file, or too large
                problems.append(f"{file}: {exc}")
                continue
            except RecursionError:
                problems.append(f"{file}: arrays or tables are nested too deeply")
                continue
            themes[theme.name] = theme
    return LoadedThemes(themes=themes, problems=tuple(problems))


def resolve_color(variables: dict[str, str], name: str, fallback: str = "#808080") -> str:
    """The theme variable ``name`` as ``#rrggbb`` (following ``$other`` references)."""
    from textual.color import Color, ColorParseError

    value = variables.get(name, VARIABLE_DEFAULTS.get(name, fallback))
    for _ in range(5):
        if not value.startswith("$"):
            break
        ref = value[1:]
        value = variables.get(ref, VARIABLE_DEFAULTS.get(ref, fallback))
    try:
        return Color.parse(value.split()[0]).hex6
    except (ColorParseError, IndexError):
        return fallback
