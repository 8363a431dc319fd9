"""Reading values out of front matter: what rules, the engine and `extract` share.

The values a profile declares as links (`front-matter-links`: `link`,
`product-resources[].url`...), and front matter as plain JSON data (dates as
ISO strings). Not rules: the engine collects the external links to check before
any rule runs, and `extract` prints front matter, with the same readers.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finops_lint.document import Document

KeyPath = tuple[str | int, ...]


def front_matter_targets(doc: Document, specs: list[str]) -> Iterator[tuple[KeyPath, str]]:
    """(key path, link) of each front matter value the profile declares as a link
    (`front-matter-links`), stripped, without Liquid or empty values."""
    fm = doc.front_matter
    if not fm.present or fm.error is not None:
        return
    for spec in specs:
        for path, value in values_at(fm.data, spec.split(".")):
            if not isinstance(value, str) or not value.strip():
                continue
            target = value.strip()
            if "{{" in target or "{%" in target:
                continue
            yield path, target


def values_at(data: Any, parts: list[str]) -> Iterator[tuple[KeyPath, Any]]:
    """(key path, value) for a dotted spec such as "product-resources[].url"."""
    found: list[tuple[KeyPath, Any]] = [((), data)]
    for part in parts:
        many = part.endswith("[]")
        key = part[:-2] if many else part
        step: list[tuple[KeyPath, Any]] = []
        for path, node in found:
            if not isinstance(node, dict) or key not in node:
                continue
            value = node[key]
            if many:
                if isinstance(value, list):
                    step.extend(((*path, key, i), item) for i, item in enumerate(value))
            else:
                step.append(((*path, key), value))
        found = step
    yield from found


#: Types `jsonable` gives back as they are (exactly these: not called for each).
_AS_IS = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """Front matter as JSON data: keys as strings, tuples as lists, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): v if type(v) in _AS_IS else jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _AS_IS else jsonable(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value
