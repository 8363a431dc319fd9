"""What the templates' model keeps of a page without reading it as a template: the
`layout` its front matter sets and whether it holds Liquid. Its own small module:
the Site's reading ahead learns both on every whole-site run, and importing the
Liquid reader (`liquid_read`) for them would cost every run its start-up."""

from __future__ import annotations

import re

from finops_lint.parsing.frontmatter import FrontMatter, split_front_matter

LAYOUT_VALUE = re.compile(r"^layout[ \t]*:[ \t]*([^#\n]*)", re.MULTILINE)


def front_matter_layout(text: str, fm: FrontMatter | None = None) -> str | bool | None:
    """The `layout` a page's front matter sets (None: set to nothing); False when
    it sets none. What the result cache keeps of a page, with `has_liquid`. `fm`:
    the text's `split_front_matter`, when the caller has it."""
    if fm is None:
        fm = split_front_matter(text)
    if fm.present and not fm.unterminated:
        m = LAYOUT_VALUE.search(fm.raw)
        if m is not None:
            value = m.group(1).strip().strip("'\"")
            return None if value in ("", "null", "none", "~") else value
    return False


def has_liquid(text: str) -> bool:
    """Whether a page's text holds Liquid (an output or a tag): then it is a template."""
    return "{{" in text or "{%" in text
