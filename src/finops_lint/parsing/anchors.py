"""Heading anchor ids the way Jekyll's Markdown converters make them.

``kramdown`` is kramdown's own auto-id rule (the default the design names);
``gfm`` is the rule of kramdown's GFM parser and of GitHub. Duplicates get
``-1``, ``-2``... in document order in both.
"""

from __future__ import annotations

import re

_KRAMDOWN_LEADING = re.compile(r"^[^a-zA-Z]+")
_KRAMDOWN_DROP = re.compile(r"[^a-zA-Z0-9 -]")
_GFM_DROP = re.compile(r"[^\w\- \t]", re.UNICODE)


def kramdown_base_id(text: str) -> str:
    gen = _KRAMDOWN_LEADING.sub("", text)
    gen = _KRAMDOWN_DROP.sub("", gen)
    gen = gen.replace(" ", "-").lower()
    return gen or "section"


def gfm_base_id(text: str) -> str:
    gen = _GFM_DROP.sub("", text.lower())
    return gen.replace(" ", "-").replace("\t", "-")


class IdGenerator:
    """Hands out unique ids in document order, as the converters do."""

    def __init__(self, style: str = "kramdown") -> None:
        self.style = style
        self._used: dict[str, int] = {}

    def base(self, text: str) -> str:
        return gfm_base_id(text) if self.style == "gfm" else kramdown_base_id(text)

    def next_id(self, text: str) -> str:
        base = self.base(text)
        if base in self._used:
            self._used[base] += 1
            return f"{base}-{self._used[base]}"
        self._used[base] = 0
        return base

    def reserve(self, explicit: str) -> None:
        self._used.setdefault(explicit, 0)
