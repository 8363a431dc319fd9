"""Where the shipped JSON Schemas and rule packs are.

In a wheel they live in ``finops_lint/data/``; in a source checkout or an
editable install they are the top-level ``schemas/`` and ``rules/`` folders,
which stay the single source of truth.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder holding shipped files of one kind: "schemas" or "rules"."""
    installed = _PACKAGE / "data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"finops-lint is installed without its {name}/ folder")


def schema_path(name: str) -> Path:
    return data_dir("schemas") / name


def profile_path(name: str) -> Path | None:
    candidate = data_dir("rules") / f"{name}.yaml"
    return candidate if candidate.is_file() else None


def profile_names() -> list[str]:
    return sorted(p.stem for p in data_dir("rules").glob("*.yaml"))
