"""Config errors, with the file and line they come from.

Every config problem is a :class:`ConfigError` naming the file and line, never
a traceback. A :class:`Layer` is one config file's settings with each key's
position, so an error deep in the merged config still points at its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finops_lint import regex
from finops_lint.parsing.frontmatter import KeyPath, Position


class ConfigError(Exception):
    """A config problem, with where it is."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")


@dataclass
class Layer:
    """One config file (or profile): its settings, where they come from, their positions."""

    data: dict[str, Any]
    source: str
    positions: Mapping[KeyPath, Position]


def layer_error(layer: Layer, path: tuple[Any, ...], message: str) -> ConfigError:
    """A ConfigError at the line of path (or its nearest parent) in this layer."""
    pos = None
    probe: tuple[Any, ...] = path
    while probe and pos is None:
        pos = layer.positions.get(probe)
        probe = probe[:-1]
    where = "/".join(str(p) for p in path) or "(top level)"
    return ConfigError(f"{where}: {message}", layer.source, pos.line if pos else None)


def compile_pattern(pattern: str, source: str, what: str) -> regex.Pattern:
    try:
        return regex.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(
            f"{what}: invalid regular expression {pattern!r}: {exc}", source
        ) from None
