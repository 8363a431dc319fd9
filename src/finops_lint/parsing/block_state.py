"""markdown-it's block state, with a cheaper way to make each token.

Every block token is made by `StateBlock.push`, which calls `Token(...)`: a
dataclass `__init__` with ten defaults, two of them dict factories, then a
`__post_init__` that converts the (empty) attributes. A page of the framework makes
about 200 of them. `FastTokens.push` sets the same thirteen fields on a new
`Token` directly: the same token, made in a fraction of the time.

It is used only when `Token` has exactly the fields it sets (`state_class`): a
markdown-it-py whose tokens changed gets its own `StateBlock`. The tokens are held
equal to markdown-it's by tests/test_startup_imports.py.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

_FIELDS = (
    "type",
    "tag",
    "nesting",
    "attrs",
    "map",
    "level",
    "children",
    "content",
    "markup",
    "info",
    "meta",
    "block",
    "hidden",
)


@lru_cache(maxsize=1)
def state_class() -> type[Any]:
    """The `StateBlock` subclass making tokens directly, or `StateBlock` itself when
    `Token`'s fields are not the ones it knows."""
    from markdown_it.rules_block.state_block import StateBlock
    from markdown_it.token import Token

    if tuple(f.name for f in dataclasses.fields(Token)) != _FIELDS:
        return StateBlock
    new = Token.__new__

    class FastTokens(StateBlock):  # type: ignore[misc]
        def push(self, ttype: str, tag: str, nesting: int) -> Token:
            """`StateBlock.push`: a token as `Token(ttype, tag, nesting)` makes it, then
            block-level, at the current level."""
            token = new(Token)
            token.type, token.tag, token.nesting = ttype, tag, nesting  # type: ignore[assignment]
            token.attrs, token.map, token.children = {}, None, None
            token.content = token.markup = token.info = ""
            token.meta, token.block, token.hidden = {}, True, False
            if nesting < 0:
                self.level -= 1  # closing tag
            token.level = self.level
            if nesting > 0:
                self.level += 1  # opening tag
            self.tokens.append(token)
            return token

    return FastTokens
